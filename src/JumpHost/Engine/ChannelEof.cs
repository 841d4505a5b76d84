using System;
using System.Reflection;
using Renci.SshNet;

namespace JumpHost.Engine;

/// <summary>
/// Sends SSH_MSG_CHANNEL_EOF on an SSH.NET channel only while the channel is open, checked under the channel's own
/// messaging lock. SSH.NET's SendEof checks openness outside that lock, so an EOF can follow the CLOSE that its
/// receive thread sends when the server closes the channel first (a command that ends at once, a server that
/// hangs up); sshd then drops the whole connection, every channel on it, for "packet referred to nonexistent
/// channel". Reached by reflection: SSH.NET 2026.0.0's lock is a plain monitor object in the builds JumpHost ships.
/// </summary>
internal static class ChannelEof
{
    private static readonly Type? ChannelType = typeof(BaseClient).Assembly.GetType("Renci.SshNet.Channels.Channel");
    private static readonly FieldInfo? MessagingLockField = ChannelType?.GetField("_messagingLock", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly PropertyInfo? IsOpenProperty = ChannelType?.GetProperty("IsOpen");
    private static readonly MethodInfo? SendEofMethod = ChannelType?.GetMethod("SendEof", Type.EmptyTypes);

    /// <summary>True when this SSH.NET has the members the safe EOF needs.</summary>
    public static bool IsSupported => MessagingLockField != null && IsOpenProperty != null && SendEofMethod != null;

    /// <summary>Sends EOF if the channel is still open; false when it had closed (or this SSH.NET lacks the members).</summary>
    public static bool TrySend(object channel)
    {
        var gate = IsSupported ? MessagingLockField!.GetValue(channel) : null;
        if (gate == null)
        {
            return false;
        }

        lock (gate)
        {
            if (!(bool)IsOpenProperty!.GetValue(channel)!)
            {
                return false;
            }

            try
            {
                SendEofMethod!.Invoke(channel, null);
                return true;
            }
            catch (TargetInvocationException)
            {
                // The connection went away meanwhile: there is nothing left to tell the far side.
                return false;
            }
        }
    }
}
