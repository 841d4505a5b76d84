using System.Net.Sockets;
using System.Reflection;

namespace JumpHost.Engine;

/// <summary>
/// Lets .NET's socket engine (Linux, macOS) handle a socket's readiness events on its own thread, for sockets
/// that from now on only see blocking calls. A socket that has had one asynchronous operation (SSH.NET connects
/// asynchronously; forwards and tunnels start with asynchronous reads) stays registered with the engine for
/// good, and its blocking calls are emulated on top of it. Left alone, the engine hands every event that no
/// blocking call is waiting for (a window adjust arriving while the session's receive thread is busy, send
/// buffer space freeing between sends) to a pool thread, which finds nothing to do and spins before it sleeps:
/// about a thousand events a second on a session's socket in a bulk forward, and some 15% of this 2-core
/// machine's CPU spent spinning, taken from the sshd's on the same machine.
/// </summary>
/// <remarks>
/// Socket.PreferInlineCompletions is internal; the runtime keeps its setter for reflection (it is meant as an
/// experimental switch). Where it is missing (Windows, .NET Framework) nothing changes. The continuations of a
/// socket's asynchronous operations then run on the engine's thread, so only for sockets whose remaining
/// asynchronous work never blocks (a <see cref="Forwarding.ChannelDelivery"/>'s writes).
/// </remarks>
internal static class InlineSocketEvents
{
    private static readonly PropertyInfo? PreferInlineCompletions =
        typeof(Socket).GetProperty("PreferInlineCompletions", BindingFlags.NonPublic | BindingFlags.Instance);

    public static void Enable(Socket? socket)
    {
        if (socket == null || PreferInlineCompletions?.SetMethod == null)
        {
            return;
        }

        try
        {
            PreferInlineCompletions.SetValue(socket, true);
        }
        catch (TargetInvocationException)
        {
            // The socket was closed meanwhile: nothing left to tune.
        }
    }
}
