using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// ssh -R: the session's target listens on a port, and each connection it receives is carried back to
/// host:port as this computer sees it. SSH.NET delivers the connections to a loopback relay here, which
/// counts them and connects on to the real destination.
/// </summary>
internal sealed class RemoteForward : Forward
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly ForwardListener _relay;
    private readonly ForwardedPortRemote _port;
    private readonly string _localHost;
    private readonly int _localPort;

    private RemoteForward(ConnectionChain chain, ForwardListener relay, ForwardedPortRemote port, string localHost, int localPort)
        : base(chain, JumpForwardKind.Remote)
    {
        _relay = relay;
        _port = port;
        _localHost = localHost;
        _localPort = localPort;
    }

    public override string LocalEndpoint => Endpoint(_localHost, _localPort);

    public override string RemoteEndpoint => Endpoint(_port.BoundHost, (int)_port.BoundPort);

    /// <summary>Asks the target to listen on remoteBind:remotePort (0 lets it choose); throws when the server refuses.</summary>
    public static RemoteForward Start(ConnectionChain chain, IPAddress remoteBind, int remotePort, string localHost, int localPort)
    {
        var relay = ForwardListener.Listen(new IPEndPoint(IPAddress.Loopback, 0));
        var port = new ForwardedPortRemote(remoteBind, (uint)remotePort, IPAddress.Loopback, (uint)relay.LocalEndpoint.Port);
        var target = chain.Target;
        try
        {
            lock (target.ForwardsGate)
            {
                target.Client.AddForwardedPort(port);
            }

            port.Start();
        }
        catch (Exception ex) when (ex is SshException || ex is SocketException || ex is InvalidOperationException)
        {
            relay.Dispose();
            RemovePort(target, port);
            throw new JumpHostException(JumpErrorIds.RemoteForwardRefused, JumpErrorKind.Connection,
                $"{target.Description} refused to listen on {Endpoint(remoteBind.ToString(), remotePort)}: the port is in use there, " +
                "needs privileges, or the server does not allow remote forwarding (AllowTcpForwarding, GatewayPorts).", target.Description, ex);
        }

        var forward = new RemoteForward(chain, relay, port, localHost, localPort);
        forward.AttachToChain();
        relay.Start(forward.ServeAsync);
        return forward;
    }

    protected override void StopCore()
    {
        _relay.Dispose();

        // Cancelling the server's listener waits for its reply; a dead session must not hang the caller.
        Task.Run(() => RemovePort(Chain.Target, _port)).Wait(StopTimeout);
    }

    private static void RemovePort(ChainHop target, ForwardedPortRemote port)
    {
        try
        {
            lock (target.ForwardsGate)
            {
                target.Client.RemoveForwardedPort(port);
            }

            port.Dispose();
        }
        catch (Exception)
        {
            // The session is already closed, and the server's listener with it.
        }
    }

    private async Task ServeAsync(Socket fromServer)
    {
        Counters.ConnectionOpened();

        // SSH.NET blocks a pool thread for each connection it delivers.
        using var poolThread = BlockedPoolThreads.Reserve();
        try
        {
            using var destination = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await destination.ConnectAsync(_localHost, _localPort).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                Counters.ConnectionFailed($"A connection to {RemoteEndpoint} on {Chain.Target.Target.Name} could not be carried on to {LocalEndpoint}: {ex.Message}");
                return;
            }

            await SocketRelay.RunAsync(destination, fromServer, Counters).ConfigureAwait(false);
        }
        finally
        {
            Counters.ConnectionClosed();
        }
    }
}
