using System;
using System.Security.Cryptography;
using System.Text;

namespace JumpHost.Engine;

/// <summary>Facts read from an SSH public key blob (RFC 4253 section 6.6).</summary>
internal static class SshKeyBlob
{
    /// <summary>The key type string at the start of the blob, e.g. <c>ssh-ed25519</c>.</summary>
    public static string KeyType(byte[] blob) =>
        TryKeyType(blob) ?? throw new ArgumentException("The data is not an SSH public key blob.", nameof(blob));

    public static string? TryKeyType(byte[] blob)
    {
        if (blob.Length < 4)
        {
            return null;
        }

        var length = (blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3];
        if (length <= 0 || length > 64 || length > blob.Length - 4)
        {
            return null;
        }

        var type = Encoding.ASCII.GetString(blob, 4, length);
        foreach (var c in type)
        {
            if (c <= ' ' || c > '~')
            {
                return null;
            }
        }

        return type;
    }

    /// <summary>The fingerprint as <c>ssh-keygen -l</c> prints it: <c>SHA256:</c> and unpadded base64.</summary>
    public static string Sha256Fingerprint(byte[] blob)
    {
        using var sha = SHA256.Create();
        return "SHA256:" + Convert.ToBase64String(sha.ComputeHash(blob)).TrimEnd('=');
    }

    /// <summary>The short name OpenSSH prints for a key type: ED25519, ECDSA, RSA, DSA.</summary>
    public static string DisplayType(string keyType)
    {
        if (keyType.StartsWith("ssh-ed25519", StringComparison.Ordinal))
        {
            return "ED25519";
        }

        if (keyType.StartsWith("ecdsa-", StringComparison.Ordinal) || keyType.StartsWith("sk-ecdsa-", StringComparison.Ordinal))
        {
            return "ECDSA";
        }

        if (keyType.StartsWith("ssh-rsa", StringComparison.Ordinal))
        {
            return "RSA";
        }

        if (keyType.StartsWith("ssh-dss", StringComparison.Ordinal))
        {
            return "DSA";
        }

        return keyType;
    }

    public static bool FixedTimeEquals(byte[] left, byte[] right)
    {
        if (left.Length != right.Length)
        {
            return false;
        }

        var difference = 0;
        for (var i = 0; i < left.Length; i++)
        {
            difference |= left[i] ^ right[i];
        }

        return difference == 0;
    }
}
