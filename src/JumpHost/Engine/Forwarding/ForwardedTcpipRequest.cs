using Renci.SshNet;
using Renci.SshNet.Messages.Connection;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// The server asks to open a "forwarded-tcpip" channel (RFC 4254 section 7.2): a connection reached a port it
/// listens on for this client. Accept it with <see cref="TcpipChannel.Accept"/>, or <see cref="Refuse"/> it.
/// </summary>
internal sealed class ForwardedTcpipRequest
{
    /// <summary>SSH_OPEN_ADMINISTRATIVELY_PROHIBITED: the forward no longer takes connections.</summary>
    public const uint AdministrativelyProhibited = 1;

    /// <summary>SSH_OPEN_CONNECT_FAILED: where the connection should go could not be reached.</summary>
    public const uint ConnectFailed = 2;

    private readonly Session _session;

    public ForwardedTcpipRequest(Session session, uint serverChannel, uint windowSize, uint packetSize, string originator)
    {
        _session = session;
        ServerChannel = serverChannel;
        WindowSize = windowSize;
        PacketSize = packetSize;
        Originator = originator;
    }

    /// <summary>The server's number for the channel.</summary>
    public uint ServerChannel { get; }

    /// <summary>How much the server takes before it adjusts the window.</summary>
    public uint WindowSize { get; }

    /// <summary>The largest data packet the server takes.</summary>
    public uint PacketSize { get; }

    /// <summary>Who connected to the server's port, as address:port.</summary>
    public string Originator { get; }

    /// <summary>
    /// Tells the server the connection cannot be carried, with one of the reason codes above; it then closes the
    /// connection it accepted.
    /// </summary>
    public void Refuse(string reason, uint reasonCode) => SshNetSession.Send(_session, new ChannelOpenFailureMessage(ServerChannel, reason, reasonCode));
}
