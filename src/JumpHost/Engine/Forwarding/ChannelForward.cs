using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// A local port whose connections become SSH channels from the session's target: to one fixed
/// destination (ssh -L), or to whatever each SOCKS client asks for (ssh -D).
/// </summary>
internal sealed class ChannelForward : Forward
{
    private static readonly TimeSpan SocksRequestTimeout = TimeSpan.FromSeconds(30);

    private readonly ForwardListener _listener;
    private readonly LoopbackPairs _pairs;
    private readonly ChannelOwner _owner = new();
    private readonly string? _destinationHost;
    private readonly int _destinationPort;

    private ChannelForward(ConnectionChain chain, ForwardListener listener, LoopbackPairs pairs, string? destinationHost, int destinationPort)
        : base(chain, destinationHost == null ? JumpForwardKind.Dynamic : JumpForwardKind.Local)
    {
        _listener = listener;
        _pairs = pairs;
        _destinationHost = destinationHost;
        _destinationPort = destinationPort;
    }

    public override string LocalEndpoint => _listener.LocalEndpoint.ToString();

    public override string RemoteEndpoint => _destinationHost == null ? "*" : Endpoint(_destinationHost, _destinationPort);

    /// <summary>ssh -L: listens on <paramref name="bind"/> and forwards each connection to host:port as the target sees it.</summary>
    public static ChannelForward StartLocal(ConnectionChain chain, IPEndPoint bind, string host, int port) => Start(chain, bind, host, port);

    /// <summary>ssh -D: a SOCKS 4/4a/5 proxy on <paramref name="bind"/> whose connections leave from the target.</summary>
    public static ChannelForward StartDynamic(ConnectionChain chain, IPEndPoint bind) => Start(chain, bind, null, 0);

    protected override void StopCore()
    {
        _listener.Dispose();
        _owner.Close();
        _pairs.Dispose();
    }

    private static ChannelForward Start(ConnectionChain chain, IPEndPoint bind, string? host, int port)
    {
        DirectTcpipChannel.EnsureSupported();

        // The local port first: a port in use fails before anything else is set up.
        var listener = ForwardListener.Listen(bind);
        var forward = new ChannelForward(chain, listener, LoopbackPairs.Start(), host, port);
        forward.AttachToChain();
        listener.Start(forward.ServeAsync);
        return forward;
    }

    private async Task ServeAsync(Socket connection)
    {
        Counters.ConnectionOpened();
        try
        {
            using var stream = new NetworkStream(connection, ownsSocket: false);
            var request = _destinationHost == null
                ? await ReadSocksRequestAsync(connection, stream).ConfigureAwait(false)
                : new SocksRequest(0, _destinationHost, _destinationPort);
            if (request == null)
            {
                return;
            }

            var (relayEnd, channelEnd) = await _pairs.CreateAsync().ConfigureAwait(false);
            using (relayEnd)
            using (var finished = CancellationTokenSource.CreateLinkedTokenSource(Stopping))
            {
                var refusal = await DirectTcpipChannel.StartAsync(Chain.Target.Client, request.Host, request.Port, channelEnd, _owner, finished.Token).ConfigureAwait(false);
                if (request.Version != 0)
                {
                    await Socks.ReplyAsync(stream, request, refusal == null, Stopping).ConfigureAwait(false);
                }

                if (refusal != null)
                {
                    Counters.ConnectionFailed($"{Chain.Target.Target.Name} could not open a connection to {request}: {refusal}.");
                    return;
                }

                await SocketRelay.RunAsync(connection, relayEnd, Counters).ConfigureAwait(false);

                // Both directions are done: the channel's thread need not wait for the far side any longer.
                finished.Cancel();
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is ObjectDisposedException || ex is SocketException || ex is System.IO.IOException || ex is TimeoutException)
        {
            // The forward stopped, or the client went away, while this connection was being set up.
        }
        finally
        {
            Counters.ConnectionClosed();
        }
    }

    private async Task<SocksRequest?> ReadSocksRequestAsync(Socket connection, NetworkStream stream)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Stopping);
        timeout.CancelAfter(SocksRequestTimeout);
        using var abort = timeout.Token.Register(connection.Dispose);
        try
        {
            var request = await Socks.ReadRequestAsync(stream, required: null, timeout.Token).ConfigureAwait(false);
            if (request == null)
            {
                Counters.ConnectionFailed("A client sent a SOCKS request other than a CONNECT without authentication; only those are supported.");
            }

            return request;
        }
        catch (Exception ex) when (ex is System.IO.IOException || ex is SocketException || ex is ObjectDisposedException || ex is OperationCanceledException)
        {
            Counters.ConnectionFailed($"A client did not complete its SOCKS request: {ex.Message}");
            return null;
        }
    }
}
