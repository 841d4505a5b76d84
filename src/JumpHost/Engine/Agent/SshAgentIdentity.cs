using System;
using System.Collections.Generic;
using System.Text;

namespace JumpHost.Engine.Agent;

/// <summary>A key the agent holds: its public key blob and comment, and how it can be offered.</summary>
internal sealed class SshAgentIdentity
{
    public SshAgentIdentity(byte[] keyBlob, string comment)
    {
        KeyBlob = keyBlob;
        Comment = comment;
        KeyType = SshKeyBlob.TryKeyType(keyBlob) ?? "unknown";
        IsCertificate = KeyType.EndsWith(SshAgentSignatureAlgorithm.CertificateSuffix, StringComparison.Ordinal);
        Algorithms = SshAgentSignatureAlgorithm.For(KeyType);
        Fingerprint = SshKeyBlob.Sha256Fingerprint(IsCertificate ? CertifiedKeyBlob() : keyBlob);
    }

    /// <summary>The public key (or certificate) blob, as sent in the publickey request.</summary>
    public byte[] KeyBlob { get; }

    /// <summary>What ssh-add recorded with the key, usually its file name or user@host.</summary>
    public string Comment { get; }

    /// <summary>The blob's type, e.g. ssh-ed25519 or ssh-rsa-cert-v01@openssh.com.</summary>
    public string KeyType { get; }

    public bool IsCertificate { get; }

    /// <summary>
    /// <c>SHA256:</c> and unpadded base64, of the certified key for a certificate: what ssh-add -l prints
    /// and what sshd logs on "Accepted publickey".
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>The algorithms the key is offered as, best first; empty for a key type that is not offered.</summary>
    public IReadOnlyList<SshAgentSignatureAlgorithm> Algorithms { get; }

    /// <summary>As OpenSSH names keys in its messages: "ED25519 SHA256:... (comment)", "RSA-CERT ...".</summary>
    public override string ToString() =>
        $"{SshKeyBlob.DisplayType(KeyType)}{(IsCertificate ? "-CERT" : "")} {Fingerprint}{(Comment.Length > 0 ? $" ({Comment})" : "")}";

    /// <summary>
    /// The plain public key inside a certificate: its type without the suffix, then the key fields that follow
    /// the nonce (the key for Ed25519, curve and point for ECDSA, e and n for RSA; OpenSSH's PROTOCOL.certkeys).
    /// </summary>
    private byte[] CertifiedKeyBlob()
    {
        if (Algorithms.Count == 0)
        {
            // A certificate type not offered (DSA, security keys): its fields are not taken apart here.
            return KeyBlob;
        }

        var plainType = Encoding.ASCII.GetBytes(KeyType.Substring(0, KeyType.Length - SshAgentSignatureAlgorithm.CertificateSuffix.Length));
        try
        {
            var reader = new SshAgentReply(KeyBlob);
            reader.ReadString(); // type
            reader.ReadString(); // nonce
            var start = reader.Offset;
            var fieldCount = KeyType.StartsWith("ssh-ed25519", StringComparison.Ordinal) ? 1 : 2;
            for (var i = 0; i < fieldCount; i++)
            {
                reader.ReadString();
            }

            var fieldsLength = reader.Offset - start;
            var blob = new byte[4 + plainType.Length + fieldsLength];
            blob[0] = (byte)(plainType.Length >> 24);
            blob[1] = (byte)(plainType.Length >> 16);
            blob[2] = (byte)(plainType.Length >> 8);
            blob[3] = (byte)plainType.Length;
            Buffer.BlockCopy(plainType, 0, blob, 4, plainType.Length);
            Buffer.BlockCopy(KeyBlob, start, blob, 4 + plainType.Length, fieldsLength);
            return blob;
        }
        catch (FormatException)
        {
            // A damaged certificate: the agent may still sign with it; name it by its whole blob.
            return KeyBlob;
        }
    }
}
