namespace JumpHost;

/// <summary>What to do with a host key that no known_hosts file lists (OpenSSH's StrictHostKeyChecking).</summary>
public enum JumpHostKeyPolicy
{
    /// <summary>Refuse unknown keys (StrictHostKeyChecking yes). The default.</summary>
    Strict,

    /// <summary>Add unknown keys to the user's known_hosts file (StrictHostKeyChecking accept-new). Changed keys are still refused.</summary>
    AcceptNew,
}

/// <summary>How a hop's host key came to be trusted.</summary>
public enum JumpHostKeyStatus
{
    /// <summary>A known_hosts file already listed the key.</summary>
    Known,

    /// <summary>The key was unknown and was added under -HostKeyPolicy AcceptNew.</summary>
    AddedNew,
}
