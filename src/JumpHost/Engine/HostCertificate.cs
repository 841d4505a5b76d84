using System;
using System.Collections.Generic;

namespace JumpHost.Engine;

/// <summary>What a server's host certificate says, read off SSH.NET's certificate so the checks need no SSH.NET type.</summary>
internal sealed class HostCertificate
{
    public HostCertificate(byte[] authorityKey, bool isHostCertificate, IReadOnlyList<string> principals, DateTimeOffset validAfter, DateTimeOffset validBefore, string keyId)
    {
        AuthorityKey = authorityKey;
        IsHostCertificate = isHostCertificate;
        Principals = principals;
        ValidAfter = validAfter;
        ValidBefore = validBefore;
        KeyId = keyId;
    }

    /// <summary>The public key of the certificate authority that signed it.</summary>
    public byte[] AuthorityKey { get; }

    public bool IsHostCertificate { get; }

    /// <summary>The host names it is valid for.</summary>
    public IReadOnlyList<string> Principals { get; }

    public DateTimeOffset ValidAfter { get; }

    public DateTimeOffset ValidBefore { get; }

    public string KeyId { get; }

    public static HostCertificate From(Renci.SshNet.Security.Certificate certificate) => new(
        certificate.CertificateAuthorityKey,
        certificate.Type == Renci.SshNet.Security.Certificate.CertificateType.Host,
        new List<string>(certificate.ValidPrincipals),
        certificate.ValidAfter,
        certificate.ValidBefore,
        certificate.KeyId);
}
