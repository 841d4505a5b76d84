using System;

namespace JumpHost.Engine.Agent;

/// <summary>
/// An SSH agent that is configured could not be used: its socket or pipe is missing or dead, it refused a
/// request, it did not answer in time or its answer was not the agent protocol. The message names the agent
/// and says what to do; "no agent configured" is not an error and never raises this.
/// </summary>
internal sealed class SshAgentException : Exception
{
    public SshAgentException(SshAgentAddress agent, string message, Exception? inner = null)
        : base(message, inner)
    {
        Agent = agent;
    }

    public SshAgentAddress Agent { get; }
}
