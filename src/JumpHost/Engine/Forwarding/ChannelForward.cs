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
    private readonly ChannelOwner _owner = new();
    private readonly string? _destinationHost;
    private readonly int _destinationPort;

    private ChannelForward(ConnectionChain chain, ForwardListener listener, string? destinationHost, int destinationPort)
        : base(chain, destinationHost == null ? JumpForwardKind.Dynamic : JumpForwardKind.Local)
    {
        _listener = listener;
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
    }

    private static ChannelForward Start(ConnectionChain chain, IPEndPoint bind, string? host, int port)
    {
        TcpipChannel.EnsureSupported();

        // The local port first: a port in use fails before anything else is set up.
        var listener = ForwardListener.Listen(bind);
        var forward = new ChannelForward(chain, listener, host, port);
        forward.AttachToChain();
        listener.Start(forward.ServeAsync);
        return forward;
    }

    /// <summary>
    /// Carries one accepted connection over a channel of its own: the channel writes the far side's data to the
    /// connection itself, and reads what the client sends (no copy through another socket).
    /// </summary>
    private async Task ServeAsync(Socket connection)
    {
        Counters.ConnectionOpened();
        TcpipChannel? channel = null;
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

            channel = TcpipChannel.Create(Chain.Target.Client, connection, Counters);

            // The SOCKS success reply goes out as the server confirms, before any data the far side sends.
            var refusal = channel.Open(request.Host, request.Port, _owner, request.Version != 0 ? Socks.Reply(request, succeeded: true) : null);
            if (refusal != null)
            {
                Counters.ConnectionFailed($"{Chain.Target.Target.Name} could not open a connection to {request}: {refusal}.");
                if (request.Version != 0)
                {
                    await Socks.ReplyAsync(stream, request, succeeded: false, Stopping).ConfigureAwait(false);
                }

                return;
            }

            await channel.RunAsync(Stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException || ex is ObjectDisposedException || ex is SocketException || ex is System.IO.IOException || ex is TimeoutException || ex is Renci.SshNet.Common.SshException)
        {
            // The forward stopped, or the client or the session went away, while this connection was being set up.
        }
        finally
        {
            channel?.Dispose();
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
