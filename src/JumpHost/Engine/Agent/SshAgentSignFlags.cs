using System;

namespace JumpHost.Engine.Agent;

/// <summary>The flags of a sign request (draft-miller-ssh-agent, section 3.6.1).</summary>
[Flags]
internal enum SshAgentSignFlags : uint
{
    None = 0,

    /// <summary>SSH_AGENT_RSA_SHA2_256: an RSA key signs as rsa-sha2-256.</summary>
    RsaSha2_256 = 2,

    /// <summary>SSH_AGENT_RSA_SHA2_512: an RSA key signs as rsa-sha2-512.</summary>
    RsaSha2_512 = 4,
}
