using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace JumpHost.Engine.Config;

/// <summary>ssh's number parsers (a2port, atoi_err, convtime), which accept exactly what libc's do.</summary>
internal static class SshNumbers
{
    private static readonly Lazy<Dictionary<string, int>> Services = new(ReadServices);

    /// <summary>a2port: 0-65535 in decimal, or a TCP service name from the services file; -1 otherwise.</summary>
    public static int ParsePort(string text)
    {
        if (StrToNum(text, 0, 65535, out var port) == null)
        {
            return (int)port;
        }

        return Services.Value.TryGetValue(text, out var service) ? service : -1;
    }

    /// <summary>atoi_err: null on success, else ssh's reason ("missing", "invalid", "too small", "too large").</summary>
    public static string? ParseCount(string? text, out int value)
    {
        value = 0;
        if (string.IsNullOrEmpty(text))
        {
            return "missing";
        }

        var error = StrToNum(text!, 0, int.MaxValue, out var number);
        if (error == null)
        {
            value = (int)number;
        }

        return error;
    }

    /// <summary>convtime: "90", "1m30s", "1h", "2d", "1w" and sums of them, in seconds; -1 when invalid.</summary>
    public static int ParseTime(string text)
    {
        if (text.Length == 0)
        {
            return -1;
        }

        long total = 0;
        var p = 0;
        while (p < text.Length)
        {
            if (!StrToLong(text, ref p, out var seconds) || seconds < 0)
            {
                return -1;
            }

            long multiplier = 1;
            if (p < text.Length)
            {
                switch (text[p++])
                {
                    case 's':
                    case 'S':
                        break;
                    case 'm':
                    case 'M':
                        multiplier = 60;
                        break;
                    case 'h':
                    case 'H':
                        multiplier = 60 * 60;
                        break;
                    case 'd':
                    case 'D':
                        multiplier = 24 * 60 * 60;
                        break;
                    case 'w':
                    case 'W':
                        multiplier = 7 * 24 * 60 * 60;
                        break;
                    default:
                        return -1;
                }
            }

            if (seconds > int.MaxValue / multiplier)
            {
                return -1;
            }

            seconds *= multiplier;
            if (total > int.MaxValue - seconds)
            {
                return -1;
            }

            total += seconds;
        }

        return (int)total;
    }

    /// <summary>OpenBSD strtonum over strtoll: leading whitespace and a sign allowed, nothing after the digits.</summary>
    private static string? StrToNum(string text, long min, long max, out long value)
    {
        value = 0;
        var p = 0;
        if (!StrToLong(text, ref p, out var number) || p != text.Length)
        {
            return "invalid";
        }

        if (number < min)
        {
            return "too small";
        }

        if (number > max)
        {
            return "too large";
        }

        value = number;
        return null;
    }

    /// <summary>strtol in base 10: false when no digit was read (then <paramref name="p"/> is unchanged).</summary>
    private static bool StrToLong(string text, ref int p, out long value)
    {
        value = 0;
        var i = p;
        while (i < text.Length && (text[i] == ' ' || (text[i] >= '\t' && text[i] <= '\r')))
        {
            i++;
        }

        var negative = false;
        if (i < text.Length && (text[i] == '+' || text[i] == '-'))
        {
            negative = text[i] == '-';
            i++;
        }

        var digits = i;
        decimal number = 0;
        while (i < text.Length && text[i] >= '0' && text[i] <= '9')
        {
            if (number <= long.MaxValue)
            {
                number = (number * 10) + (text[i] - '0');
            }

            i++;
        }

        if (i == digits)
        {
            return false;
        }

        number = negative ? -number : number;
        value = number > long.MaxValue ? long.MaxValue : number < long.MinValue ? long.MinValue : (long)number;
        p = i;
        return true;
    }

    /// <summary>getservbyname(name, "tcp") from the services file, which is all libc consults by default.</summary>
    private static Dictionary<string, int> ReadServices()
    {
        var services = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.System), @"drivers\etc\services")
            : "/etc/services";
        if (!File.Exists(path))
        {
            return services;
        }

        foreach (var raw in File.ReadAllLines(path))
        {
            var hash = raw.IndexOf('#');
            var fields = (hash >= 0 ? raw.Substring(0, hash) : raw).Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 2 || !fields[1].EndsWith("/tcp", StringComparison.Ordinal)
                || !int.TryParse(fields[1].Substring(0, fields[1].Length - 4), out var port))
            {
                continue;
            }

            for (var i = 0; i < fields.Length; i++)
            {
                if (i != 1 && !services.ContainsKey(fields[i]))
                {
                    services.Add(fields[i], port);
                }
            }
        }

        return services;
    }
}
