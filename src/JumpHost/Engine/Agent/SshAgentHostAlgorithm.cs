using System;
using Renci.SshNet.Security;

namespace JumpHost.Engine.Agent;

/// <summary>
/// An agent key as SSH.NET's publickey authentication uses it: Name and Data go into the request, Sign asks
/// the agent. Immutable; the client opens a connection per signature, so parallel sessions may share it.
/// </summary>
internal sealed class SshAgentHostAlgorithm : HostAlgorithm
{
    private readonly SshAgentClient _client;
    private readonly SshAgentSignatureAlgorithm _algorithm;

    public SshAgentHostAlgorithm(SshAgentClient client, SshAgentIdentity identity, SshAgentSignatureAlgorithm algorithm)
        : base(algorithm.Name)
    {
        _client = client;
        _algorithm = algorithm;
        Identity = identity;
    }

    public SshAgentIdentity Identity { get; }

    public override byte[] Data => Identity.KeyBlob;

    /// <summary>The signature blob (algorithm name and signature), as the publickey request carries it.</summary>
    public override byte[] Sign(byte[] data) => _client.Sign(Identity, _algorithm, data);

    /// <summary>SSH.NET verifies signatures of server host keys only; the server checks a client key's signature.</summary>
    public override bool VerifySignature(byte[] data, byte[] signature) =>
        throw new NotSupportedException("An SSH agent key signs for client authentication; its signatures are verified by the server.");
}
