namespace JumpHost.Engine.Agent;

/// <summary>The agent protocol's message numbers this client sends or expects (draft-miller-ssh-agent, section 6.1).</summary>
internal static class SshAgentMessage
{
    public const byte RequestIdentities = 11;
    public const byte IdentitiesAnswer = 12;
    public const byte SignRequest = 13;
    public const byte SignResponse = 14;

    /// <summary>
    /// An agent refuses with SSH_AGENT_FAILURE (5); OpenSSH's client also takes SSH_AGENT_EXTENSION_FAILURE (28)
    /// and the older SSH2_AGENT_FAILURE (30) and SSH_COM_AGENT2_FAILURE (102) as refusals, so does this one.
    /// </summary>
    public static bool IsFailure(byte type) => type == 5 || type == 28 || type == 30 || type == 102;
}
