using System;
using System.Security.Cryptography;

namespace JumpHost.Tests.Infrastructure;

/// <summary>
/// TOTP codes (RFC 6238: HMAC-SHA1, 30 s steps, 6 digits) for the lab's pam_oath. pam_oath accepts a code only
/// for a step later than the last one it accepted (up to 5 steps ahead), so each code is for a fresh step.
/// </summary>
public static class OneTimePassword
{
    private static readonly object Gate = new();
    private static long _lastStep;

    public static string Next(string secretHex)
    {
        long step;
        lock (Gate)
        {
            step = Math.Max(DateTimeOffset.UtcNow.ToUnixTimeSeconds() / 30, _lastStep + 1);
            _lastStep = step;
        }

        var counter = BitConverter.GetBytes(step);
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(counter);
        }

        var hash = HMACSHA1.HashData(Convert.FromHexString(secretHex), counter);
        var offset = hash[^1] & 0x0f;
        var code = ((hash[offset] & 0x7f) << 24) | (hash[offset + 1] << 16) | (hash[offset + 2] << 8) | hash[offset + 3];
        return (code % 1_000_000).ToString("D6");
    }
}
