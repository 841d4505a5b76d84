using System.Security.Cryptography;
using System.Text;

namespace JumpHost.Engine.Audit;

/// <summary>The hashes of the audit chain: SHA-256 as 64 lowercase hex digits.</summary>
internal static class AuditHash
{
    /// <summary>The <c>prev</c> of a file's first record (log.start): there is no record before it.</summary>
    public static readonly string Zero = new('0', 64);

    /// <summary>The hash of one line's exact bytes (UTF-8, without its line feed).</summary>
    public static string OfLine(byte[] buffer, int offset, int count)
    {
        using var sha = SHA256.Create();
        return Hex(sha.ComputeHash(buffer, offset, count));
    }

    public static string OfLine(byte[] line) => OfLine(line, 0, line.Length);

    public static string OfText(string text) => OfLine(Encoding.UTF8.GetBytes(text));

    public static bool IsHash(string? value)
    {
        if (value == null || value.Length != 64)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            {
                return false;
            }
        }

        return true;
    }

    public static string Hex(byte[] bytes)
    {
        const string digits = "0123456789abcdef";
        var chars = new char[bytes.Length * 2];
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[2 * i] = digits[bytes[i] >> 4];
            chars[(2 * i) + 1] = digits[bytes[i] & 0xF];
        }

        return new string(chars);
    }
}
