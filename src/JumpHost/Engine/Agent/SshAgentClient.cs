using System;
using System.Collections.Generic;
using System.Text;

namespace JumpHost.Engine.Agent;

/// <summary>
/// The two requests an SSH client makes of an agent: list its keys, and sign with one of them. Holds no
/// connection (each request opens its own), so one instance serves any number of threads.
/// </summary>
internal sealed class SshAgentClient
{
    /// <summary>Long enough for an agent that asks the user to confirm a signature, short of a hung connect.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private readonly TimeSpan _timeout;

    public SshAgentClient(SshAgentAddress agent, TimeSpan timeout)
    {
        if (timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "The agent timeout must be positive.");
        }

        Agent = agent;
        _timeout = timeout;
    }

    public SshAgentAddress Agent { get; }

    /// <summary>SSH2_AGENTC_REQUEST_IDENTITIES: the agent's keys in its order, which is the order ssh offers them in.</summary>
    public IReadOnlyList<SshAgentIdentity> RequestIdentities()
    {
        var reply = Send(new SshAgentRequest(SshAgentMessage.RequestIdentities), SshAgentMessage.IdentitiesAnswer,
            () => $"The SSH agent at {Agent} refused to list its keys. {Agent.Advice}");
        try
        {
            var count = reply.ReadUInt32();

            // Each key is at least two empty strings: a count beyond that is a lie, not a reason to allocate.
            if (count > (uint)reply.Remaining / 8)
            {
                throw new FormatException($"it claims {count} keys in {reply.Remaining} bytes");
            }

            var identities = new List<SshAgentIdentity>((int)count);
            for (var i = 0; i < count; i++)
            {
                var blob = reply.ReadString();
                var comment = Encoding.UTF8.GetString(reply.ReadString());
                identities.Add(new SshAgentIdentity(blob, comment));
            }

            return identities;
        }
        catch (FormatException ex)
        {
            throw NotAgentProtocol("list of keys", ex);
        }
    }

    /// <summary>
    /// SSH2_AGENTC_SIGN_REQUEST: the signature blob (algorithm name and signature) over <paramref name="data"/>,
    /// checked to be of the algorithm asked for, so an agent that ignores the SHA-2 flags is named as the cause
    /// and not left for the server to reject as a bad signature.
    /// </summary>
    public byte[] Sign(SshAgentIdentity identity, SshAgentSignatureAlgorithm algorithm, byte[] data)
    {
        var request = new SshAgentRequest(SshAgentMessage.SignRequest)
            .WriteString(identity.KeyBlob)
            .WriteString(data)
            .WriteUInt32((uint)algorithm.Flags);
        var reply = Send(request, SshAgentMessage.SignResponse,
            () => $"The SSH agent at {Agent} refused to sign with {identity} as {algorithm.Name}. Check that the key is still in the agent (ssh-add -l), " +
                  "that the agent is not locked (ssh-add -X) and that no confirmation was declined; add the key again with ssh-add if it is gone.");
        string signedAs;
        byte[] signature;
        try
        {
            signature = reply.ReadString();
            signedAs = Encoding.ASCII.GetString(new SshAgentReply(signature).ReadString());
        }
        catch (FormatException ex)
        {
            throw NotAgentProtocol("signature", ex);
        }

        if (!string.Equals(signedAs, algorithm.SignatureName, StringComparison.Ordinal))
        {
            throw new SshAgentException(Agent,
                $"The SSH agent at {Agent} signed with {identity} as {signedAs} where {algorithm.SignatureName} was asked for: the agent is too old for this " +
                "signature type (OpenSSH's agent makes SHA-2 RSA signatures since 7.2). Update the agent, or use the key file with -KeyFile.");
        }

        return signature;
    }

    private SshAgentReply Send(SshAgentRequest request, byte expectedType, Func<string> refusal)
    {
        var reply = new SshAgentReply(SshAgentConnection.Exchange(Agent, request.ToArray(), _timeout));

        // Exchange returns at least one byte: the message number.
        var type = reply.ReadByte();
        if (SshAgentMessage.IsFailure(type))
        {
            throw new SshAgentException(Agent, refusal());
        }

        if (type != expectedType)
        {
            throw new SshAgentException(Agent,
                $"The SSH agent at {Agent} answered with message {type} where {expectedType} was expected: it is not an SSH agent, or it is broken. {Agent.Advice}");
        }

        return reply;
    }

    private SshAgentException NotAgentProtocol(string what, FormatException ex) =>
        new(Agent, $"The SSH agent at {Agent} sent a {what} that cannot be read ({ex.Message}): it is not an SSH agent, or it is broken. {Agent.Advice}", ex);
}
