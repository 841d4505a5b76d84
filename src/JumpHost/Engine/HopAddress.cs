using System;
using System.Collections.Generic;
using System.Globalization;

namespace JumpHost.Engine;

/// <summary>One hop as written on a command line: <c>[user@]host[:port]</c>, like ssh's -J.</summary>
internal sealed class HopAddress
{
    public const int DefaultPort = 22;

    public HopAddress(string host, int? port, string? user)
    {
        Host = host;
        Port = port;
        User = user;
    }

    public string Host { get; }

    /// <summary>The port written in the hop string, or null when it gave none.</summary>
    public int? Port { get; }

    /// <summary>The user written in the hop string, or null when it gave none.</summary>
    public string? User { get; }

    /// <summary>Parses <c>[user@]host[:port]</c>; IPv6 literals go in brackets when a port follows: <c>[::1]:2222</c>.</summary>
    public static HopAddress Parse(string? text)
    {
        text ??= string.Empty;
        var spec = text.Trim();
        if (spec.Length == 0)
        {
            throw Invalid(text, "the host name is empty");
        }

        if (spec.StartsWith("ssh://", StringComparison.OrdinalIgnoreCase))
        {
            spec = spec.Substring("ssh://".Length).TrimEnd('/');
        }

        string? user = null;
        var at = spec.LastIndexOf('@');
        if (at >= 0)
        {
            user = spec.Substring(0, at);
            spec = spec.Substring(at + 1);
            if (user.Length == 0)
            {
                throw Invalid(text, "the user name before '@' is empty");
            }
        }

        string host;
        int? port = null;
        if (spec.StartsWith("[", StringComparison.Ordinal))
        {
            var close = spec.IndexOf(']');
            if (close < 0)
            {
                throw Invalid(text, "'[' has no matching ']'");
            }

            host = spec.Substring(1, close - 1);
            var rest = spec.Substring(close + 1);
            if (rest.Length > 0)
            {
                if (rest[0] != ':')
                {
                    throw Invalid(text, "only ':port' may follow ']'");
                }

                port = ParsePort(text, rest.Substring(1));
            }
        }
        else
        {
            var colon = spec.IndexOf(':');
            if (colon >= 0 && colon == spec.LastIndexOf(':'))
            {
                host = spec.Substring(0, colon);
                port = ParsePort(text, spec.Substring(colon + 1));
            }
            else
            {
                // No colon, or several: an IPv6 literal without a port.
                host = spec;
            }
        }

        if (host.Length == 0)
        {
            throw Invalid(text, "the host name is empty");
        }

        foreach (var c in host)
        {
            if (char.IsWhiteSpace(c) || c == '/' || c == '@' || c == ',' || char.IsControl(c))
            {
                throw Invalid(text, $"the host name contains '{c}'");
            }
        }

        return new HopAddress(host, port, user);
    }

    /// <summary>Parses several hops; each item may itself be a comma-separated list, as in <c>ssh -J a,b,c</c>.</summary>
    public static IReadOnlyList<HopAddress> ParseList(IEnumerable<string>? items)
    {
        var hops = new List<HopAddress>();
        if (items == null)
        {
            return hops;
        }

        foreach (var item in items)
        {
            foreach (var part in (item ?? string.Empty).Split(','))
            {
                if (part.Trim().Length > 0)
                {
                    hops.Add(Parse(part));
                }
            }
        }

        return hops;
    }

    private static int ParsePort(string text, string value)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port < 1 || port > 65535)
        {
            throw Invalid(text, $"'{value}' is not a port number between 1 and 65535");
        }

        return port;
    }

    private static JumpHostException Invalid(string text, string why) =>
        new(JumpErrorIds.InvalidHostSpec, JumpErrorKind.InvalidArgument,
            $"'{text}' is not a valid host: {why}. Write hosts as [user@]host[:port], for example admin@bastion.example.com:2222.");
}
