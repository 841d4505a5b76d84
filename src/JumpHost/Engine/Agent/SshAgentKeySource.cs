using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;
using Renci.SshNet.Security;

namespace JumpHost.Engine.Agent;

/// <summary>
/// The keys of an SSH agent, for <see cref="PrivateKeyAuthenticationMethod"/>. The key list is read once, when
/// opened; each signature then asks the agent afresh. Safe to share between sessions connecting in parallel.
/// </summary>
internal sealed class SshAgentKeySource : IPrivateKeySource
{
    private readonly SshAgentHostAlgorithm[] _algorithms;

    private SshAgentKeySource(SshAgentClient client, IReadOnlyList<SshAgentIdentity> identities)
    {
        Agent = client.Agent;
        Identities = identities;
        _algorithms = identities
            .SelectMany(identity => identity.Algorithms.Select(algorithm => new SshAgentHostAlgorithm(client, identity, algorithm)))
            .ToArray();
    }

    public SshAgentAddress Agent { get; }

    /// <summary>Every key the agent listed, in its order, including those of types not offered (empty Algorithms).</summary>
    public IReadOnlyList<SshAgentIdentity> Identities { get; }

    /// <summary>
    /// One entry per key and algorithm, in the agent's key order. Empty when the agent holds no usable key:
    /// then leave the source out, as SSH.NET would report a publickey failure without trying anything.
    /// </summary>
    public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms => _algorithms;

    /// <summary>
    /// Opens the agent named by <paramref name="identityAgent"/> (as ssh_config's IdentityAgent: "none",
    /// "SSH_AUTH_SOCK", "$VARIABLE" or a path), or without it the agent of SSH_AUTH_SOCK (on Windows the
    /// OpenSSH agent service's pipe when that is unset), and lists its keys. Returns null when no agent is
    /// configured, so the caller goes on without agent keys; throws <see cref="SshAgentException"/> when one
    /// is configured but cannot be used.
    /// </summary>
    public static SshAgentKeySource? TryOpen(string? identityAgent = null, TimeSpan? timeout = null)
    {
        var agent = SshAgentAddress.Resolve(identityAgent);
        if (agent == null)
        {
            return null;
        }

        var client = new SshAgentClient(agent, timeout ?? SshAgentClient.DefaultTimeout);
        return new SshAgentKeySource(client, client.RequestIdentities());
    }
}
