using System;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// ssh -R: the session's target listens on a port, and each connection it receives is carried back to
/// host:port as this computer sees it, over a channel that connects straight to that destination's socket.
/// </summary>
internal sealed class RemoteForward : Forward
{
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    private readonly Session _session;
    private readonly string _remoteBind;
    private readonly string _localHost;
    private readonly int _localPort;
    private ServerListener? _listener;

    private RemoteForward(ConnectionChain chain, Session session, string remoteBind, string localHost, int localPort)
        : base(chain, JumpForwardKind.Remote)
    {
        _session = session;
        _remoteBind = remoteBind;
        _localHost = localHost;
        _localPort = localPort;
    }

    public override string LocalEndpoint => Endpoint(_localHost, _localPort);

    public override string RemoteEndpoint => Endpoint(_remoteBind, (int)(_listener?.Port ?? 0));

    /// <summary>Asks the target to listen on remoteBind:remotePort (0 lets it choose); throws when the server refuses.</summary>
    public static RemoteForward Start(ConnectionChain chain, IPAddress remoteBind, int remotePort, string localHost, int localPort)
    {
        TcpipChannel.EnsureSupported();
        var target = chain.Target;
        var session = SshNetSession.Of(target.Client)
            ?? throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation, $"The session to {target.Description} is not open.", target.Description);
        var forward = new RemoteForward(chain, session, remoteBind.ToString(), localHost, localPort);
        try
        {
            forward._listener = ServerListener.Listen(session, forward._remoteBind, (uint)remotePort, target.Client.ConnectionInfo.Timeout, forward.OnConnection);
        }
        catch (Exception ex) when (ex is SshException || ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException)
        {
            throw new JumpHostException(JumpErrorIds.RemoteForwardRefused, JumpErrorKind.Connection,
                $"{target.Description} refused to listen on {Endpoint(forward._remoteBind, remotePort)}: the port is in use there, " +
                "needs privileges, or the server does not allow remote forwarding (AllowTcpForwarding, GatewayPorts).", target.Description, ex);
        }

        forward.AttachToChain();
        return forward;
    }

    protected override void StopCore()
    {
        // Waits for the server's answer, so that the port is free there when Stop-PortForward returns; but a dead
        // or stuck session (whose socket does not take the request) must not hang the caller.
        if (_listener is { } listener)
        {
            Task.Run(() => listener.Stop(StopTimeout)).Wait(StopTimeout);
        }
    }

    /// <summary>On the session's receive thread: everything else happens on the pool.</summary>
    private void OnConnection(ForwardedTcpipRequest request) => Task.Run(() => ServeAsync(request));

    private async Task ServeAsync(ForwardedTcpipRequest request)
    {
        Counters.ConnectionOpened();
        TcpipChannel? channel = null;
        var destination = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            try
            {
                await destination.ConnectAsync(_localHost, _localPort).ConfigureAwait(false);
            }
            catch (SocketException ex)
            {
                Counters.ConnectionFailed($"A connection from {request.Originator} to {RemoteEndpoint} on {Chain.Target.Target.Name} could not be carried on to {LocalEndpoint}: {ex.Message}");
                request.Refuse($"{LocalEndpoint} could not be reached: {ex.Message}", ForwardedTcpipRequest.ConnectFailed);
                return;
            }

            channel = TcpipChannel.Accept(_session, request, destination, Counters);
            await channel.RunAsync(Stopping).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SshException || ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException)
        {
            // The forward stopped, or the session went away, while this connection was being set up.
        }
        finally
        {
            channel?.Dispose();
            destination.Dispose();
            Counters.ConnectionClosed();
        }
    }
}
