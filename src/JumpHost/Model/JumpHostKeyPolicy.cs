namespace JumpHost;

/// <summary>What to do with a host key that no known_hosts file lists (OpenSSH's StrictHostKeyChecking).</summary>
public enum JumpHostKeyPolicy
{
    /// <summary>Refuse unknown keys (StrictHostKeyChecking yes). The default.</summary>
    Strict,

    /// <summary>Add unknown keys to the user's known_hosts file (StrictHostKeyChecking accept-new). Changed keys are still refused.</summary>
    AcceptNew,

    /// <summary>
    /// Ask whether to trust an unknown key (StrictHostKeyChecking ask), when PowerShell can ask; where it
    /// cannot (a non-interactive run), refuse as Strict does and say so. Changed keys are still refused.
    /// </summary>
    Ask,
}

/// <summary>How a hop's host key came to be trusted.</summary>
public enum JumpHostKeyStatus
{
    /// <summary>A known_hosts file already listed the key.</summary>
    Known,

    /// <summary>The key was unknown and was added under -HostKeyPolicy AcceptNew.</summary>
    AddedNew,

    /// <summary>The server showed a host certificate signed by an authority a @cert-authority line trusts.</summary>
    CertifiedByAuthority,
}

/// <summary>How a host key compares with the known_hosts files.</summary>
public enum JumpHostKeyMatch
{
    /// <summary>A known_hosts file lists this key for the host.</summary>
    Known,

    /// <summary>No known_hosts file lists a key of this type for the host.</summary>
    Unknown,

    /// <summary>A known_hosts file lists a different key of this type for the host: connections are refused.</summary>
    Changed,

    /// <summary>The key is marked @revoked: connections are refused.</summary>
    Revoked,
}
