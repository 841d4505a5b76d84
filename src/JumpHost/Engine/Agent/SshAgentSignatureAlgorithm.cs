using System;
using System.Collections.Generic;

namespace JumpHost.Engine.Agent;

/// <summary>
/// One way to use an agent key in a publickey request: the algorithm name to offer, the signature the agent
/// must make for it and the sign flags that ask for that signature.
/// </summary>
internal sealed class SshAgentSignatureAlgorithm
{
    public const string CertificateSuffix = "-cert-v01@openssh.com";

    private SshAgentSignatureAlgorithm(string name, string signatureName, SshAgentSignFlags flags)
    {
        Name = name;
        SignatureName = signatureName;
        Flags = flags;
    }

    /// <summary>The public key algorithm named in the request, e.g. rsa-sha2-512 or ssh-ed25519-cert-v01@openssh.com.</summary>
    public string Name { get; }

    /// <summary>The algorithm the signature blob must name: a certificate's key signs as the plain key does.</summary>
    public string SignatureName { get; }

    public SshAgentSignFlags Flags { get; }

    /// <summary>
    /// The algorithms to offer for an agent key type, best first; none for types not offered: DSA (SHA-1 only,
    /// gone from OpenSSH), security keys (sk-*: the agent would wait for a touch) and types unknown here.
    /// RSA is offered as rsa-sha2-512 and rsa-sha2-256, never as ssh-rsa (SHA-1), as ssh does.
    /// </summary>
    public static IReadOnlyList<SshAgentSignatureAlgorithm> For(string keyType)
    {
        var isCertificate = keyType.EndsWith(CertificateSuffix, StringComparison.Ordinal);
        var plainType = isCertificate ? keyType.Substring(0, keyType.Length - CertificateSuffix.Length) : keyType;
        var suffix = isCertificate ? CertificateSuffix : "";
        switch (plainType)
        {
            case "ssh-rsa":
                return new[]
                {
                    new SshAgentSignatureAlgorithm("rsa-sha2-512" + suffix, "rsa-sha2-512", SshAgentSignFlags.RsaSha2_512),
                    new SshAgentSignatureAlgorithm("rsa-sha2-256" + suffix, "rsa-sha2-256", SshAgentSignFlags.RsaSha2_256),
                };
            case "ssh-ed25519":
            case "ecdsa-sha2-nistp256":
            case "ecdsa-sha2-nistp384":
            case "ecdsa-sha2-nistp521":
                return new[] { new SshAgentSignatureAlgorithm(keyType, plainType, SshAgentSignFlags.None) };
            default:
                return Array.Empty<SshAgentSignatureAlgorithm>();
        }
    }
}
