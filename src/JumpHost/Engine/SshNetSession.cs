using System.Net.Sockets;
using System.Reflection;
using Renci.SshNet;
using Renci.SshNet.Messages;

namespace JumpHost.Engine;

/// <summary>
/// The SSH.NET session behind a client, and its socket: internal members, reached by reflection (tied to SSH.NET
/// 2026.0.0) by the adapters that work on the connection itself (channels, SFTP over the same session, socket
/// tuning). Each caller says what it does when a member is missing.
/// </summary>
internal static class SshNetSession
{
    /// <summary>BaseClient's internal Session property (read and written).</summary>
    public static readonly PropertyInfo? Property = typeof(BaseClient).GetProperty("Session", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly FieldInfo? SocketField = typeof(Session).GetField("_socket", BindingFlags.NonPublic | BindingFlags.Instance);

    private static readonly MethodInfo? SendMessageMethod =
        typeof(Session).GetMethod("SendMessage", BindingFlags.NonPublic | BindingFlags.Instance, null, new[] { typeof(Message) }, null);

    /// <summary>True when <see cref="Send"/> can send on this SSH.NET.</summary>
    public static bool CanSend => SendMessageMethod != null;

    public static Session? Of(BaseClient client) => Property?.GetValue(client) as Session;

    /// <summary>The connected socket of the client's session, or null if it has none (or this SSH.NET keeps it elsewhere).</summary>
    public static Socket? SocketOf(BaseClient client) => Of(client) is { } session ? SocketField?.GetValue(session) as Socket : null;

    /// <summary>
    /// Sends a connection-level message (a global request, an answer to a channel the server asked to open); throws
    /// SSH.NET's own exception when the session is gone.
    /// </summary>
    public static void Send(Session session, Message message) => Invoke(SendMessageMethod!, session, message);

    /// <summary>Calls an SSH.NET member found by reflection, throwing what it throws rather than a wrapper.</summary>
    public static object? Invoke(MethodInfo method, object target, params object[] arguments)
    {
        try
        {
            return method.Invoke(target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
            throw;
        }
    }
}
