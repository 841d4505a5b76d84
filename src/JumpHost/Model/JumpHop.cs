namespace JumpHost;

/// <summary>One hop of a session's route (a jump host or the target) and how its host key was trusted.</summary>
public sealed class JumpHop
{
    public JumpHop(string hostName, int port, string userName, string hostKeyType, string hostKeyFingerprint, JumpHostKeyStatus hostKeyStatus)
    {
        HostName = hostName;
        Port = port;
        UserName = userName;
        HostKeyType = hostKeyType;
        HostKeyFingerprint = hostKeyFingerprint;
        HostKeyStatus = hostKeyStatus;
    }

    public string HostName { get; }

    public int Port { get; }

    public string UserName { get; }

    /// <summary>The key type the server proved it holds, e.g. ssh-ed25519.</summary>
    public string HostKeyType { get; }

    /// <summary>The key's fingerprint as ssh-keygen -l prints it, e.g. SHA256:...</summary>
    public string HostKeyFingerprint { get; }

    public JumpHostKeyStatus HostKeyStatus { get; }

    /// <summary>The hop in ssh -J form: user@host:port.</summary>
    public override string ToString() => Port == 22 ? $"{UserName}@{HostName}" : $"{UserName}@{HostName}:{Port}";
}
