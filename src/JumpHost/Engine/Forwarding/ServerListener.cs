using System;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Messages.Connection;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// A port the server listens on for this client ("tcpip-forward", RFC 4254 section 7.1), whose connections the
/// server offers as "forwarded-tcpip" channels. This replaces SSH.NET's ForwardedPortRemote, which confirmed those
/// channels with a 2 GiB window, wrote their data to a socket on the session's receive thread (so one slow
/// service stalled the whole session), dropped the far side's EOF, and blocked a pool thread per connection.
/// The request and the channel's details are SSH.NET internals, reached by reflection.
/// </summary>
internal sealed class ServerListener
{
    private static readonly Assembly SshNet = typeof(BaseClient).Assembly;
    private static readonly Type? ListenRequestType = SshNet.GetType("Renci.SshNet.Messages.Connection.TcpIpForwardGlobalRequestMessage");
    private static readonly Type? CancelRequestType = SshNet.GetType("Renci.SshNet.Messages.Connection.CancelTcpIpForwardGlobalRequestMessage");
    private static readonly Type? ForwardedInfoType = SshNet.GetType("Renci.SshNet.Messages.Connection.ForwardedTcpipChannelInfo");
    private static readonly PropertyInfo? ConnectedAddress = ForwardedInfoType?.GetProperty("ConnectedAddress");
    private static readonly PropertyInfo? ConnectedPort = ForwardedInfoType?.GetProperty("ConnectedPort");
    private static readonly PropertyInfo? OriginatorAddress = ForwardedInfoType?.GetProperty("OriginatorAddress");
    private static readonly PropertyInfo? OriginatorPort = ForwardedInfoType?.GetProperty("OriginatorPort");

    private readonly Session _session;
    private readonly string _address;
    private readonly Action<ForwardedTcpipRequest> _accept;
    private readonly EventHandler<MessageEventArgs<ChannelOpenMessage>> _onChannelOpen;
    private uint _port;
    private int _stopped;

    private ServerListener(Session session, string address, uint port, Action<ForwardedTcpipRequest> accept)
    {
        _session = session;
        _address = address;
        _port = port;
        _accept = accept;
        _onChannelOpen = OnChannelOpen;
    }

    /// <summary>True when this SSH.NET has the internals a server-side listener needs.</summary>
    public static bool IsSupported =>
        ListenRequestType != null && CancelRequestType != null && ConnectedAddress != null && ConnectedPort != null
        && OriginatorAddress != null && OriginatorPort != null && SshNetSession.CanSend;

    /// <summary>The port the server listens on (the one it chose, when asked for port 0).</summary>
    public uint Port => Volatile.Read(ref _port);

    /// <summary>
    /// Asks the server to listen on address:port (port 0: the server chooses) and hands each connection it reports
    /// to <paramref name="accept"/>, on the session's receive thread (which must not block). Throws an
    /// <see cref="SshException"/> when the server refuses, or does not answer within <paramref name="timeout"/>.
    /// </summary>
    public static ServerListener Listen(Session session, string address, uint port, TimeSpan timeout, Action<ForwardedTcpipRequest> accept)
    {
        var listener = new ServerListener(session, address, port, accept);
        var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);

        // Listening before asking: the server may report a connection right after its answer.
        session.RegisterMessage("SSH_MSG_CHANNEL_OPEN");
        session.ChannelOpenReceived += listener._onChannelOpen;
        try
        {
            GlobalReplies.Of(session).Send(Request(ListenRequestType!, address, port), (granted, boundPort) =>
            {
                // On the receive thread, before it reads the server's next message: a connection reported next
                // already finds the port the server chose.
                if (granted && port == 0)
                {
                    Volatile.Write(ref listener._port, boundPort ?? 0);
                }

                answered.TrySetResult(granted);
            });
            if (!answered.Task.Wait(timeout))
            {
                listener.Stop(TimeSpan.Zero);
                throw new SshOperationTimeoutException($"The server did not answer the request to listen on port {port} within {timeout.TotalSeconds:0} s.");
            }
        }
        catch (Exception)
        {
            session.ChannelOpenReceived -= listener._onChannelOpen;
            throw;
        }

        if (!answered.Task.Result)
        {
            session.ChannelOpenReceived -= listener._onChannelOpen;
            throw new SshException($"The server refused to listen on port {port}.");
        }

        return listener;
    }

    /// <summary>
    /// Asks the server to stop listening and waits up to <paramref name="wait"/> for its answer, so that once this
    /// returns the port is free there for others (another session may listen on it at once). Until the server
    /// answers, connections it still reports are refused. Later calls do nothing.
    /// </summary>
    public void Stop(TimeSpan wait)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        var answered = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            GlobalReplies.Of(_session).Send(Request(CancelRequestType!, _address, Port), (_, _) =>
            {
                _session.ChannelOpenReceived -= _onChannelOpen;
                answered.TrySetResult(true);
            });
        }
        catch (Exception ex) when (ex is SshException || ex is ObjectDisposedException || ex is InvalidOperationException || ex is System.Net.Sockets.SocketException)
        {
            // The session is gone, and the server's listener with it.
            _session.ChannelOpenReceived -= _onChannelOpen;
            return;
        }

        answered.Task.Wait(wait);
    }

    private static GlobalRequestMessage Request(Type type, string address, uint port) =>
        (GlobalRequestMessage)Activator.CreateInstance(type, address, port)!;

    private void OnChannelOpen(object? sender, MessageEventArgs<ChannelOpenMessage> e)
    {
        var open = e.Message;
        var info = open.Info;
        if (info == null || info.GetType() != ForwardedInfoType
            || (string?)ConnectedAddress!.GetValue(info) != _address || Convert.ToUInt32(ConnectedPort!.GetValue(info)) != Port)
        {
            return;
        }

        var originator = $"{OriginatorAddress!.GetValue(info)}:{OriginatorPort!.GetValue(info)}";
        var request = new ForwardedTcpipRequest(_session, open.LocalChannelNumber, open.InitialWindowSize, open.MaximumPacketSize, originator);
        if (Volatile.Read(ref _stopped) == 0)
        {
            _accept(request);
            return;
        }

        try
        {
            request.Refuse("The forward is stopping.", ForwardedTcpipRequest.AdministrativelyProhibited);
        }
        catch (Exception ex) when (ex is SshException || ex is ObjectDisposedException || ex is System.Net.Sockets.SocketException)
        {
            // The session is going away: the server drops the connection with it.
        }
    }
}
