namespace JumpHost;

/// <summary>Which way a forward carries connections, as ssh's -L, -R and -D.</summary>
public enum JumpForwardKind
{
    /// <summary>A local port forwards to a host and port seen from the session's target (ssh -L).</summary>
    Local,

    /// <summary>A port on the session's target forwards back to a host and port seen from this computer (ssh -R).</summary>
    Remote,

    /// <summary>A local SOCKS 4, 4a and 5 proxy whose connections leave from the session's target (ssh -D).</summary>
    Dynamic,
}

/// <summary>Whether a forward carries connections.</summary>
public enum JumpForwardState
{
    /// <summary>Accepting and forwarding connections.</summary>
    Running,

    /// <summary>Its session broke: connections to its port fail (and are counted) until it is stopped.</summary>
    Failed,

    /// <summary>Stopped: its port is closed.</summary>
    Stopped,
}
