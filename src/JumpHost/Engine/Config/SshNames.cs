using System;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace JumpHost.Engine.Config;

/// <summary>Host and user names as ssh checks and normalises them.</summary>
internal static class SshNames
{
    /// <summary>valid_hostname: what ssh accepts as a host on its command line (no shell metacharacters).</summary>
    public static bool IsValidCommandLineHost(string host)
    {
        if (host.Length > 0 && host[0] == '-')
        {
            return false;
        }

        foreach (var c in host)
        {
            if ("'`\"$\\;&<>|(){},".IndexOf(c) >= 0 || char.IsWhiteSpace(c) || char.IsControl(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>valid_ruser: what ssh accepts as a user on its command line (-l, user@, -o User=, -J user@).</summary>
    public static bool IsValidCommandLineUser(string user)
    {
        if (user.Length > 0 && user[0] == '-')
        {
            return false;
        }

        for (var i = 0; i < user.Length; i++)
        {
            var c = user[i];
            var next = i + 1 < user.Length ? user[i + 1] : '\0';
            if (char.IsControl(c) || "'`\";&<>|(){}".IndexOf(c) >= 0
                || (char.IsWhiteSpace(c) && next == '-') || (c == '\\' && next == '\0'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// What ssh makes of the host to connect to once HostName is applied: a numeric address in its canonical
    /// form (1.2.3 is 1.2.0.3, 2001:DB8:0::1 is 2001:db8::1), anything else that looks like an address as it
    /// is, and a name in lower case.
    /// </summary>
    public static string Canonicalize(string host)
    {
        var address = CanonicalAddress(host);
        if (address != null)
        {
            return string.Equals(address, host, StringComparison.OrdinalIgnoreCase) ? host : address;
        }

        return LooksLikeAddress(host) ? host : SshConfigLexer.AsciiLower(host);
    }

    /// <summary>is_addr_fast: a scope, a colon or only digits and dots.</summary>
    private static bool LooksLikeAddress(string host)
    {
        if (host.IndexOf('%') >= 0 || host.IndexOf(':') >= 0)
        {
            return true;
        }

        foreach (var c in host)
        {
            if (c != '.' && (c < '0' || c > '9'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>getaddrinfo(AI_NUMERICHOST) then getnameinfo(NI_NUMERICHOST), or null when it is not an address.</summary>
    private static string? CanonicalAddress(string host)
    {
        if (host.IndexOf(':') < 0)
        {
            return ParseIPv4(host) is uint v4
                ? string.Join(".", (v4 >> 24).ToString(CultureInfo.InvariantCulture), ((v4 >> 16) & 0xff).ToString(CultureInfo.InvariantCulture),
                    ((v4 >> 8) & 0xff).ToString(CultureInfo.InvariantCulture), (v4 & 0xff).ToString(CultureInfo.InvariantCulture))
                : null;
        }

        foreach (var c in host)
        {
            if (c != ':' && c != '.' && !Uri.IsHexDigit(c))
            {
                // Scopes (fe80::1%eth0) name interfaces this machine may not have: left as written.
                return null;
            }
        }

        return IPAddress.TryParse(host, out var address) && address.AddressFamily == AddressFamily.InterNetworkV6
            ? FormatIPv6(address.GetAddressBytes())
            : null;
    }

    /// <summary>inet_aton: one to four parts, each decimal, octal (leading 0) or hex (0x); the last fills the rest.</summary>
    private static uint? ParseIPv4(string text)
    {
        var parts = text.Split('.');
        if (parts.Length > 4)
        {
            return null;
        }

        var values = new ulong[parts.Length];
        var anyDigit = false;
        for (var i = 0; i < parts.Length; i++)
        {
            var part = parts[i];
            if (part.Length == 0 || part[0] < '0' || part[0] > '9')
            {
                return null;
            }

            ulong value = 0;
            var numberBase = 10;
            var p = 0;
            if (part[0] == '0')
            {
                numberBase = 8;
                p = 1;
                if (p < part.Length && (part[p] == 'x' || part[p] == 'X'))
                {
                    numberBase = 16;
                    p++;
                }
                else
                {
                    anyDigit = true;
                }
            }

            for (; p < part.Length; p++)
            {
                var digit = Uri.IsHexDigit(part[p]) ? Convert.ToInt32(part[p].ToString(), 16) : 99;
                if (digit >= numberBase || (numberBase != 16 && !char.IsDigit(part[p])))
                {
                    return null;
                }

                anyDigit = true;
                value = (value * (ulong)numberBase) + (ulong)digit;
                if (value > uint.MaxValue)
                {
                    return null;
                }
            }

            values[i] = value;
        }

        if (!anyDigit)
        {
            return null;
        }

        var last = values[values.Length - 1];
        var lastLimit = values.Length switch { 1 => 0xffffffffUL, 2 => 0xffffffUL, 3 => 0xffffUL, _ => 0xffUL };
        if (last > lastLimit)
        {
            return null;
        }

        ulong result = last;
        for (var i = 0; i < values.Length - 1; i++)
        {
            if (values[i] > 0xff)
            {
                return null;
            }

            result |= values[i] << (24 - (8 * i));
        }

        return (uint)result;
    }

    /// <summary>glibc's inet_ntop: lower-case hex, the longest run of two or more zero groups as "::", embedded IPv4 kept.</summary>
    private static string FormatIPv6(byte[] bytes)
    {
        var words = new int[8];
        for (var i = 0; i < 8; i++)
        {
            words[i] = (bytes[2 * i] << 8) | bytes[(2 * i) + 1];
        }

        int bestBase = -1, bestLength = 0, runBase = -1, runLength = 0;
        for (var i = 0; i < 8; i++)
        {
            if (words[i] == 0)
            {
                if (runBase < 0)
                {
                    runBase = i;
                    runLength = 0;
                }

                runLength++;
                if (runLength > bestLength)
                {
                    bestBase = runBase;
                    bestLength = runLength;
                }
            }
            else
            {
                runBase = -1;
            }
        }

        if (bestLength < 2)
        {
            bestBase = -1;
        }

        var text = new StringBuilder();
        for (var i = 0; i < 8; i++)
        {
            if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength)
            {
                if (i == bestBase)
                {
                    text.Append(':');
                }

                continue;
            }

            if (i != 0)
            {
                text.Append(':');
            }

            if (i == 6 && bestBase == 0 && (bestLength == 6 || (bestLength == 5 && words[5] == 0xffff)))
            {
                text.Append(string.Join(".", bytes[12], bytes[13], bytes[14], bytes[15]));
                break;
            }

            text.Append(words[i].ToString("x", CultureInfo.InvariantCulture));
        }

        if (bestBase >= 0 && bestBase + bestLength == 8)
        {
            text.Append(':');
        }

        return text.ToString();
    }
}
