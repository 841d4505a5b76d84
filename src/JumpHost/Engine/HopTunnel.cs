using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine.Forwarding;
using Renci.SshNet;

namespace JumpHost.Engine;

/// <summary>
/// How the next hop's client reaches its server through the previous hop: a loopback port that speaks SOCKS 5
/// and admits one connection, the one that presents the tunnel's one-time password. Only the next hop's own
/// client is given it, so no other process on this computer gets a path into the chain, even one that connects
/// first. The admitted connection is carried as an SSH channel from the previous hop to the next host, and the
/// port closes at once.
/// </summary>
internal sealed class HopTunnel
{
    public const string LoopbackAddress = "127.0.0.1";

    private static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The tunnel's socket buffers (the kernel doubles them). Left to autotuning, the loopback connection queued up
    /// to ~1 MiB of the inner session's data, which lengthened the round trip of the far server's window adjusts;
    /// through three hops that window bounds the throughput. Set on the listening socket, before any connection:
    /// an accepted socket inherits them and offers a TCP window to match, whereas shrinking an accepted socket's
    /// receive buffer leaves its peer sending into a window the buffer cannot hold, and loopback then drops
    /// segments that wait out TCP's retransmission backoff (stalls of minutes, seen in the forward tests).
    /// </summary>
    private const int TunnelSocketBufferSize = 64 * 1024;

    private readonly ChainHop _through;
    private readonly HopTarget _next;
    private readonly Socket _listener;
    private readonly ChannelOwner _owner = new();
    private readonly CancellationTokenSource _closing = new();

    /// <summary>Ends the handshakes still going on: once one connection is admitted, or the tunnel closes.</summary>
    private readonly CancellationTokenSource _admissionOver = new();
    private int _admitted;
    private Task<string?>? _channel;

    private HopTunnel(ChainHop through, HopTarget next, Socket listener)
    {
        _through = through;
        _next = next;
        _listener = listener;
        LocalPort = ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>The host name of the hop the tunnel runs through.</summary>
    public string Through => _through.Target.Name;

    public int LocalPort { get; }

    /// <summary>What the next hop's client presents as its SOCKS 5 user name and password.</summary>
    public SocksCredential Credential { get; } = SocksCredential.CreateOneTime();

    /// <summary>
    /// Why the hop could not open the channel to the next host, in the server's words (e.g. "Connection
    /// refused"), or null if it opened or never got a connection. Waits briefly for the answer, because the
    /// next hop's client can see its connection close before this tunnel has recorded why.
    /// </summary>
    public string? WaitForFailure()
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        Task<string?>? channel;
        while ((channel = Volatile.Read(ref _channel)) == null && clock.Elapsed < OutcomeWait)
        {
            Thread.Sleep(10);
        }

        return channel != null && channel.Wait(OutcomeWait) ? channel.Result : null;
    }

    /// <summary>
    /// Where an SSH.NET client finds <paramref name="target"/>: at <paramref name="address"/> when no tunnel leads
    /// there, otherwise at the tunnel's SOCKS port, with the password only this client is given.
    /// </summary>
    public static ConnectionInfo ConnectionTo(HopTarget target, string address, HopTunnel? tunnel, params AuthenticationMethod[] methods) =>
        tunnel == null
            ? new ConnectionInfo(address, target.Port, target.User, methods)
            : new ConnectionInfo(target.Host, target.Port, target.User, ProxyTypes.Socks5, LoopbackAddress, tunnel.LocalPort,
                tunnel.Credential.UserName, tunnel.Credential.Password, methods);

    public static HopTunnel Open(ChainHop through, HopTarget next, string description)
    {
        TcpipChannel.EnsureSupported();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            SendBufferSize = TunnelSocketBufferSize,
            ReceiveBufferSize = TunnelSocketBufferSize,
        };
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(16);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new JumpHostException(JumpErrorIds.HopUnreachable, JumpErrorKind.Connection,
                $"Cannot reach {description}: no loopback port could be opened for the tunnel through {through.Target.Name} ({ex.Message}).", description, ex);
        }

        var tunnel = new HopTunnel(through, next, listener);
        _ = tunnel.AcceptAsync();
        return tunnel;
    }

    public void Close()
    {
        _closing.Cancel();
        _admissionOver.Cancel();
        _listener.Dispose();
        _owner.Close();
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var connection = await _listener.AcceptAsync().ConfigureAwait(false);
                _ = AdmitAsync(connection);
            }
        }
        catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
        {
            // The port closed: a connection was admitted, or the tunnel closed.
        }
    }

    /// <summary>
    /// Runs one connection's SOCKS handshake; the first to present the password is carried, every other is
    /// closed. Handshakes run side by side, so a connection that stalls cannot hold up the next hop's client.
    /// </summary>
    private async Task AdmitAsync(Socket connection)
    {
        var stream = new NetworkStream(connection, ownsSocket: false);
        SocksRequest? request;
        using (var handshake = CancellationTokenSource.CreateLinkedTokenSource(_admissionOver.Token))
        {
            handshake.CancelAfter(_next.ConnectTimeout);
            using var abandon = handshake.Token.Register(connection.Dispose);
            try
            {
                request = await Socks.ReadRequestAsync(stream, Credential, handshake.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is OperationCanceledException)
            {
                request = null;
            }
        }

        if (request == null || Interlocked.Exchange(ref _admitted, 1) != 0 || _closing.IsCancellationRequested)
        {
            connection.Dispose();
            return;
        }

        // One connection only: the port closes, and handshakes still going on end.
        _listener.Dispose();
        _admissionOver.Cancel();
        try
        {
            // The destination is always the next hop, whatever the request names: the password is what admits.
            await Socks.ReplyAsync(stream, request, succeeded: true, _closing.Token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException || ex is OperationCanceledException)
        {
            connection.Dispose();
            return;
        }

        connection.NoDelay = true;
        Volatile.Write(ref _channel, TcpipChannel.StartAsync(_through.Client, _next.Host, _next.Port, connection, _owner, _closing.Token));
    }
}
