using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Security.Cryptography;
using System.Text;

namespace JumpHost.Engine.Config;

/// <summary>
/// ssh's expansions: <c>%x</c> tokens (percent_expand), <c>${NAME}</c> environment variables (dollar_expand)
/// and a leading <c>~</c> (tilde_expand_filename). Each keyword gets only the ones ssh applies to it.
/// </summary>
internal static class SshTokens
{
    /// <summary>percent_dollar_expand: tokens from <paramref name="tokens"/> (none when null), ${NAME} when <paramref name="environment"/> is given.</summary>
    public static string Expand(string text, IReadOnlyDictionary<char, string>? tokens, Func<string, string?>? environment, SshConfigOrigin origin, string keyword)
    {
        var result = new StringBuilder(text.Length);
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (environment != null && c == '$' && i + 1 < text.Length && text[i + 1] == '{')
            {
                var close = text.IndexOf('}', i + 2);
                if (close < 0)
                {
                    throw new SshConfigException(origin, $"{keyword}: environment variable '{text.Substring(i + 2)}' is missing its closing '}}'.");
                }

                var name = text.Substring(i + 2, close - i - 2);
                if (name.Length == 0)
                {
                    throw new SshConfigException(origin, $"{keyword}: '${{}}' names no environment variable.");
                }

                var value = environment(name) ?? throw new SshConfigException(origin,
                    $"{keyword}: environment variable ${{{name}}} has no value. Set it, or write the path without it.");
                result.Append(value);
                i = close;
                continue;
            }

            if (c != '%' || tokens == null)
            {
                result.Append(c);
                continue;
            }

            if (++i == text.Length)
            {
                throw new SshConfigException(origin, $"{keyword}: '%' at the end of '{text}' is not a token; write %% for a literal '%'.");
            }

            if (text[i] == '%')
            {
                result.Append('%');
            }
            else if (tokens.TryGetValue(text[i], out var replacement))
            {
                result.Append(replacement);
            }
            else
            {
                throw new SshConfigException(origin,
                    $"{keyword}: unknown token %{text[i]} in '{text}'. ssh_config(5) (TOKENS) lists the tokens {keyword} accepts; write %% for a literal '%'.");
            }
        }

        return result.ToString();
    }

    /// <summary>
    /// The tokens of IdentityFile, CertificateFile, IdentityAgent, UserKnownHostsFile and forwards' socket
    /// paths: %C %d %h %i %k %L %l %n %p %r %u. %i is missing where there is no numeric user id.
    /// </summary>
    public static IReadOnlyDictionary<char, string> ForPaths(SshConfigSources sources, string host, int port, string user, string? hostKeyAlias, string originalHost)
    {
        var portText = port.ToString(CultureInfo.InvariantCulture);
        var localHost = sources.LocalHostName;
        var dot = localHost.IndexOf('.');
        var tokens = new Dictionary<char, string>
        {
            ['C'] = ConnectionHash(localHost + host + portText + user),
            ['L'] = dot < 0 ? localHost : localHost.Substring(0, dot),
            ['k'] = hostKeyAlias ?? originalHost,
            ['l'] = localHost,
            ['n'] = originalHost,
            ['p'] = portText,
            ['d'] = sources.HomeDirectory,
            ['h'] = host,
            ['r'] = user,
            ['u'] = sources.LocalUser,
        };
        if (sources.UserId != null)
        {
            tokens['i'] = sources.UserId;
        }

        return tokens;
    }

    /// <summary>The tokens ProxyCommand (and the hops ProxyJump turns into one) accept: %h, %k, %n, %p and %r.</summary>
    public static IReadOnlyDictionary<char, string> ForProxy(string host, string? hostKeyAlias, string originalHost, int port, string user) =>
        new Dictionary<char, string>
        {
            ['h'] = host,
            ['k'] = hostKeyAlias ?? originalHost,
            ['n'] = originalHost,
            ['p'] = port.ToString(CultureInfo.InvariantCulture),
            ['r'] = user,
        };

    /// <summary>%C: the SHA-1 of local host name, host, port and user, in hex, as ssh_connection_hash computes it.</summary>
    private static string ConnectionHash(string text)
    {
        using var sha1 = SHA1.Create();
        return string.Concat(sha1.ComputeHash(Encoding.UTF8.GetBytes(text)).Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
    }

    /// <summary>
    /// tilde_expand_filename: "~" and "~/path" become the home directory (always followed by one '/');
    /// "~user/path" is only understood for the local user.
    /// </summary>
    public static string ExpandTilde(string path, SshConfigSources sources, SshConfigOrigin origin, string keyword)
    {
        if (path.Length == 0 || path[0] != '~')
        {
            return path;
        }

        var rest = path.Substring(1);
        var slash = rest.IndexOf('/');
        var user = slash < 0 ? rest : rest.Substring(0, slash);
        var tail = (slash < 0 ? string.Empty : rest.Substring(slash)).TrimStart('/');
        if (user.Length > 0 && user != sources.LocalUser)
        {
            throw new SshConfigException(origin,
                $"{keyword}: '{path}' names the home directory of user '{user}'; only ~ and ~{sources.LocalUser} are understood here. Write the full path instead.");
        }

        var home = sources.HomeDirectory;
        return home + (home.EndsWith("/", StringComparison.Ordinal) ? string.Empty : "/") + tail;
    }
}
