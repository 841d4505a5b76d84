using System;
using System.Reflection;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Messages;
using Renci.SshNet.Messages.Connection;

namespace JumpHost.Engine;

/// <summary>
/// The channel messages JumpHost sends on SSH.NET channels itself (EOF, window adjusts), sent only while the
/// channel is open, checked under the channel's own messaging lock. SSH.NET checks openness outside that lock, so
/// a message can follow the CLOSE that its receive thread sends when the server closes the channel first (a
/// command that ends at once, a server that hangs up); sshd then drops the whole connection, every channel on it,
/// for "packet referred to nonexistent channel". Reached by reflection: SSH.NET 2026.0.0's lock is a plain monitor
/// object in the builds JumpHost ships.
/// </summary>
internal static class ChannelMessages
{
    private static readonly Type? ChannelType = typeof(BaseClient).Assembly.GetType("Renci.SshNet.Channels.Channel");
    private static readonly FieldInfo? MessagingLockField = ChannelType?.GetField("_messagingLock", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly PropertyInfo? IsOpenProperty = ChannelType?.GetProperty("IsOpen");
    private static readonly PropertyInfo? RemoteChannelNumberProperty = ChannelType?.GetProperty("RemoteChannelNumber");
    private static readonly MethodInfo? SendEofMethod = ChannelType?.GetMethod("SendEof", Type.EmptyTypes);
    private static readonly MethodInfo? SendMessageMethod = ChannelType?.GetMethod("SendMessage", BindingFlags.NonPublic | BindingFlags.Instance, null, new[] { typeof(Message) }, null);

    /// <summary>True when this SSH.NET has the members these messages need.</summary>
    public static bool IsSupported =>
        MessagingLockField != null && IsOpenProperty != null && RemoteChannelNumberProperty != null && SendEofMethod != null && SendMessageMethod != null;

    /// <summary>Sends EOF if the channel is still open; false when it had closed (or this SSH.NET lacks the members).</summary>
    public static bool TrySendEof(object channel) => Send(channel, wait: true, () => SendEofMethod!.Invoke(channel, null)) == Outcome.Sent;

    /// <summary>
    /// Gives the server <paramref name="bytes"/> more of the channel's window. Returns false only when
    /// <paramref name="wait"/> is false and the channel's lock is held elsewhere; the caller then sends it from a
    /// thread that may wait. The session's receive thread must not wait for that lock: whoever closes the channel
    /// holds it until the server's reply, which only the receive thread can read.
    /// </summary>
    public static bool TryGiveWindow(object channel, uint bytes, bool wait) =>
        Send(channel, wait, () => SendMessageMethod!.Invoke(channel, new object[] { new ChannelWindowAdjustMessage((uint)RemoteChannelNumberProperty!.GetValue(channel)!, bytes) })) != Outcome.Busy;

    private static Outcome Send(object channel, bool wait, Action send)
    {
        var gate = IsSupported ? MessagingLockField!.GetValue(channel) : null;
        if (gate == null)
        {
            return Outcome.Closed;
        }

        if (wait)
        {
            Monitor.Enter(gate);
        }
        else if (!Monitor.TryEnter(gate))
        {
            return Outcome.Busy;
        }

        try
        {
            if (!(bool)IsOpenProperty!.GetValue(channel)!)
            {
                return Outcome.Closed;
            }

            send();
            return Outcome.Sent;
        }
        catch (TargetInvocationException)
        {
            // The connection went away meanwhile: there is nothing left to tell the far side.
            return Outcome.Closed;
        }
        finally
        {
            Monitor.Exit(gate);
        }
    }

    private enum Outcome
    {
        Sent,
        Closed,
        Busy,
    }
}
