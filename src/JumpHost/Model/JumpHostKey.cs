namespace JumpHost;

/// <summary>A host key fetched from a server (Get-JumpHostKey), and how it compares with known_hosts.</summary>
public sealed class JumpHostKey
{
    public JumpHostKey(string hostName, int port, string keyType, string fingerprint, string knownHostsLine, JumpHostKeyMatch status)
    {
        HostName = hostName;
        Port = port;
        KeyType = keyType;
        Fingerprint = fingerprint;
        KnownHostsLine = knownHostsLine;
        Status = status;
    }

    public string HostName { get; }

    public int Port { get; }

    /// <summary>The key type, e.g. ssh-ed25519.</summary>
    public string KeyType { get; }

    /// <summary>As ssh-keygen -l prints it: SHA256:...</summary>
    public string Fingerprint { get; }

    /// <summary>The line that trusts this key, ready to add to a known_hosts file.</summary>
    public string KnownHostsLine { get; }

    /// <summary>What the known_hosts files in use say about this key.</summary>
    public JumpHostKeyMatch Status { get; }

    public override string ToString() => KnownHostsLine;
}
