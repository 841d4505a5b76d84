using System;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine.Forwarding;
using Renci.SshNet;

namespace JumpHost.Engine;

/// <summary>
/// How the next hop's client reaches its server through the previous hop: a loopback port that accepts
/// exactly one connection, the next hop's own client, closes at once after it, and carries that connection
/// as an SSH channel from the previous hop to the next host.
/// </summary>
internal sealed class HopTunnel
{
    public const string LoopbackAddress = "127.0.0.1";

    private static readonly TimeSpan OutcomeWait = TimeSpan.FromSeconds(1);

    private readonly ChainHop _through;
    private readonly HopTarget _next;
    private readonly Socket _listener;
    private readonly ChannelOwner _owner = new();
    private readonly CancellationTokenSource _closing = new();
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

    public static HopTunnel Open(ChainHop through, HopTarget next, string description)
    {
        DirectTcpipChannel.EnsureSupported();
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            listener.Listen(1);
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            throw new JumpHostException(JumpErrorIds.HopUnreachable, JumpErrorKind.Connection,
                $"Cannot reach {description}: no loopback port could be opened for the tunnel through {through.Target.Name} ({ex.Message}).", description, ex);
        }

        var tunnel = new HopTunnel(through, next, listener);
        _ = tunnel.CarryFirstConnectionAsync();
        return tunnel;
    }

    public void Close()
    {
        _closing.Cancel();
        _listener.Dispose();
        _owner.Close();
    }

    private async Task CarryFirstConnectionAsync()
    {
        Socket connection;
        try
        {
            connection = await _listener.AcceptAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
        {
            return;
        }
        finally
        {
            // One connection only: nobody else on this computer gets a path into the chain.
            _listener.Dispose();
        }

        connection.NoDelay = true;
        Volatile.Write(ref _channel, DirectTcpipChannel.StartAsync(_through.Client, _next.Host, _next.Port, connection, _owner, _closing.Token));
    }
}
