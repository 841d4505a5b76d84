using System;
using System.Reflection;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine.Transfer;

/// <summary>
/// SFTP over an open session's own SSH connection, like scp over a ControlMaster: no second login through
/// the jump hosts, no second one-time password. SSH.NET's SftpClient always opens a connection of its own,
/// so its (private) session is set to the target's by reflection, tied to SSH.NET 2026.0.0: if the members
/// change, <see cref="Open"/> says so plainly. Disposing closes the SFTP channel and leaves the session open.
/// </summary>
internal sealed class SessionSftp : IDisposable
{
    private static readonly PropertyInfo? SessionProperty = SshNetSession.Property;
    private static readonly MethodInfo? OnConnected = typeof(SftpClient).GetMethod("OnConnected", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly MethodInfo? OnDisconnecting = typeof(SftpClient).GetMethod("OnDisconnecting", BindingFlags.NonPublic | BindingFlags.Instance);

    private SessionSftp(SftpClient client)
    {
        Client = client;
    }

    public SftpClient Client { get; }

    public static SessionSftp Open(ChainHop target)
    {
        if (SessionProperty?.SetMethod == null || OnConnected == null || OnDisconnecting == null)
        {
            throw new JumpHostException(JumpErrorIds.TransferFailed, JumpErrorKind.InvalidOperation,
                "File transfer needs SSH.NET 2026.0.0's client internals, which the loaded SSH.NET does not have. Load the SSH.NET that ships with JumpHost.");
        }

        var client = new SftpClient(target.Client.ConnectionInfo) { BufferSize = 64 * 1024 };
        try
        {
            SessionProperty.SetValue(client, SessionProperty.GetValue(target.Client));
            OnConnected.Invoke(client, null);
            return new SessionSftp(client);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is SshException || ex.InnerException is InvalidOperationException)
        {
            SessionProperty.SetValue(client, null);
            client.Dispose();
            throw new JumpHostException(JumpErrorIds.TransferFailed, JumpErrorKind.Connection,
                $"{target.Description} did not start SFTP: {ex.InnerException.Message}. The server must offer the sftp subsystem (Subsystem sftp in sshd_config).", target.Description, ex.InnerException);
        }
    }

    public void Dispose()
    {
        try
        {
            OnDisconnecting!.Invoke(Client, null);
        }
        catch (TargetInvocationException)
        {
            // The session is already gone, and the SFTP channel with it.
        }

        // Detached first, so that disposing the client leaves the shared session open.
        SessionProperty!.SetValue(Client, null);
        Client.Dispose();
    }
}
