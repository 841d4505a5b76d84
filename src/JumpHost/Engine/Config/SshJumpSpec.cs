using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace JumpHost.Engine.Config;

/// <summary>
/// A ProxyJump (or -J) value: "none", or hops <c>[user@]host[:port]</c> and <c>ssh://[user@]host[:port]</c>
/// separated by commas. Like ssh 9.2 (Debian), only the first word counts and a '#' ends it.
/// </summary>
internal sealed class SshJumpSpec
{
    private SshJumpSpec(string written, IReadOnlyList<HopAddress> hops)
    {
        Written = written;
        Hops = hops;
    }

    /// <summary>The hops as written, outermost first; empty for "none".</summary>
    public IReadOnlyList<HopAddress> Hops { get; }

    /// <summary>The value ssh uses ("none", or the comma list), before any % expansion.</summary>
    public string Written { get; }

    public bool IsNone => Hops.Count == 0;

    /// <summary>
    /// Everything before the last hop, as written: ssh passes it to the last hop's own ssh as <c>-J</c>.
    /// Null when there is a single hop.
    /// </summary>
    public string? Extra
    {
        get
        {
            var comma = Written.LastIndexOf(',');
            return comma > 0 ? Written.Substring(0, comma) : null;
        }
    }

    /// <summary>
    /// parse_jump on the text after the keyword. Returns null when ssh would call it invalid; the reason is
    /// <paramref name="why"/>. On the command line ssh also refuses shell metacharacters in names.
    /// </summary>
    public static SshJumpSpec? Parse(string text, bool commandLine, out string why)
    {
        why = string.Empty;
        if (string.Equals(text, "none", StringComparison.OrdinalIgnoreCase))
        {
            return new SshJumpSpec("none", Array.Empty<HopAddress>());
        }

        var word = text;
        var hash = word.IndexOf('#');
        if (hash >= 0)
        {
            word = word.Substring(0, hash);
        }

        var space = word.IndexOfAny(new[] { ' ', '\t', '\r', '\n' });
        if (space >= 0)
        {
            word = word.Substring(0, space);
        }

        var hops = new List<HopAddress>();
        foreach (var part in word.Split(','))
        {
            var hop = ParseHop(part);
            if (hop == null)
            {
                why = $"'{part}' is not [user@]host[:port]";
                return null;
            }

            if (commandLine && !SshNames.IsValidCommandLineHost(hop.Host))
            {
                why = $"invalid hostname \"{hop.Host}\"";
                return null;
            }

            if (commandLine && hop.User != null && !SshNames.IsValidCommandLineUser(hop.User))
            {
                why = $"invalid username \"{hop.User}\"";
                return null;
            }

            hops.Add(hop);
        }

        return new SshJumpSpec(word, hops);
    }

    /// <summary>The ProxyJump line as <c>ssh -G</c> prints it: numeric hosts of the last hop in brackets.</summary>
    public string Format()
    {
        if (IsNone)
        {
            return "none";
        }

        var last = Hops[Hops.Count - 1];
        var numeric = last.Host.IndexOf(':') >= 0 || last.Host.Trim("1234567890.".ToCharArray()).Length == 0;
        var text = new StringBuilder();
        if (Extra != null)
        {
            text.Append(Extra).Append(',');
        }

        if (last.User != null)
        {
            text.Append(last.User).Append('@');
        }

        text.Append(numeric ? $"[{last.Host}]" : last.Host);
        if (last.Port != null)
        {
            text.Append(':').Append(last.Port.Value.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    /// <summary>parse_ssh_uri, else parse_user_host_port.</summary>
    private static HopAddress? ParseHop(string text)
    {
        if (text.StartsWith("ssh://", StringComparison.Ordinal))
        {
            return ParseUri(text.Substring("ssh://".Length));
        }

        string? user = null;
        var rest = text;
        var at = rest.LastIndexOf('@');
        if (at >= 0)
        {
            user = rest.Substring(0, at);
            rest = rest.Substring(at + 1);
            if (user.Length == 0)
            {
                return null;
            }
        }

        return SplitHostPort(rest, out _, user, uri: false);
    }

    /// <summary>parse_ssh_uri without the scheme: [user[;params]@]host[:port][/]; null when invalid.</summary>
    public static HopAddress? ParseUri(string text)
    {
        string? user = null;
        var rest = text;
        var at = rest.IndexOf('@');
        if (at >= 0)
        {
            var info = rest.Substring(0, at);
            var semicolon = info.IndexOf(';');
            user = UrlDecode(semicolon >= 0 ? info.Substring(0, semicolon) : info);
            if (user == null || user.Length == 0)
            {
                return null;
            }

            rest = rest.Substring(at + 1);
        }

        return SplitHostPort(rest, out _, user, uri: true);
    }

    /// <summary>hpdelim (hpdelim2 in a URI, where '/' may follow the host) then cleanhostname, then the optional port.</summary>
    private static HopAddress? SplitHostPort(string text, out char delimiter, string? user, bool uri)
    {
        delimiter = '\0';
        int end;
        if (text.StartsWith("[", StringComparison.Ordinal))
        {
            end = text.IndexOf(']');
            if (end < 0)
            {
                return null;
            }

            end++;
        }
        else
        {
            end = text.IndexOfAny(new[] { ':', '/' });
            if (end < 0)
            {
                end = text.Length;
            }
        }

        string? tail = null;
        if (end < text.Length)
        {
            delimiter = text[end];
            if ((delimiter != ':' && delimiter != '/') || (!uri && delimiter == '/'))
            {
                return null;
            }

            tail = text.Substring(end + 1);
        }

        var host = text.Substring(0, end);
        if (host.Length == 0)
        {
            return null;
        }

        if (host.Length > 1 && host[0] == '[' && host[host.Length - 1] == ']')
        {
            host = host.Substring(1, host.Length - 2);
        }

        if (uri && !IsValidDomain(host))
        {
            return null;
        }

        int? port = null;
        if (!string.IsNullOrEmpty(tail))
        {
            if (uri && delimiter == '/')
            {
                // A path after the host: ProxyJump has no use for one.
                return null;
            }

            var slash = uri ? tail!.IndexOf('/') : -1;
            var portText = slash >= 0 ? tail!.Substring(0, slash) : tail!;
            var value = SshNumbers.ParsePort(portText);
            if (value <= 0 || (slash >= 0 && slash + 1 < tail!.Length))
            {
                return null;
            }

            port = value;
        }

        return new HopAddress(host, port, user);
    }

    /// <summary>valid_domain without lower-casing: letters, digits, '-', '_' and single dots, starting with a letter or digit.</summary>
    private static bool IsValidDomain(string name)
    {
        if (name.Length == 0 || !char.IsLetterOrDigit(name[0]) || name[0] > 127)
        {
            return false;
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if ((c == '.' && i > 0 && name[i - 1] == '.') || (c != '.' && c != '-' && c != '_' && (c > 127 || !char.IsLetterOrDigit(c))))
            {
                return false;
            }
        }

        return true;
    }

    private static string? UrlDecode(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '+')
            {
                bytes.Add((byte)' ');
            }
            else if (c == '%')
            {
                if (i + 2 >= text.Length || !Uri.IsHexDigit(text[i + 1]) || !Uri.IsHexDigit(text[i + 2]))
                {
                    return null;
                }

                var value = Convert.ToByte(text.Substring(i + 1, 2), 16);
                if (value == 0)
                {
                    return null;
                }

                bytes.Add(value);
                i += 2;
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(c.ToString()));
            }
        }

        return Encoding.UTF8.GetString(bytes.ToArray());
    }
}
