using System;
using System.Collections.Generic;
using System.Text;
using System.Text.RegularExpressions;

namespace JumpHost.Engine.Audit;

/// <summary>
/// Removes secrets from the text of audit records (a command line can carry one) before it is written. Each
/// pattern is a .NET regular expression: where it has capturing groups, only what they captured is replaced
/// by <see cref="Marker"/>, so <c>--password=(\S+)</c> keeps <c>--password=</c>; without groups the whole
/// match is. The built-in patterns always apply, case-insensitively; the user's patterns are added to them.
/// </summary>
internal sealed class AuditRedactor
{
    public const string Marker = "[REDACTED]";

    private static readonly TimeSpan MatchTimeout = TimeSpan.FromSeconds(1);

    // A value: a quoted string (kept whole) or a run of non-space characters.
    private const string Value = @"('[^']*'|""[^""]*""|[^\s'""]\S*)";

    /// <summary>The patterns that always apply. about_JumpHost_Audit lists them with examples.</summary>
    public static readonly IReadOnlyList<string> BuiltInPatterns = new[]
    {
        // sshpass -p secret, sshpass -psecret
        @"\bsshpass\b[^|;&\n]*?\s(?-i:-p)\s*" + Value,
        // --password secret, --password=secret, -password secret, --db-pass=..., --api-key ..., --token ...
        // (the name starts the option or follows a - or _: --bypass and --password-file are left alone)
        @"(?<![\w-])--?(?:[\w-]*[-_])?(?:password|passwd|passphrase|pass|pwd|secret|token|api-?key|access-?key|private-?key|credentials?)(?:=|\s+)" + Value,
        // PASSWORD=secret, MYSQL_PWD=..., export AWS_SECRET_ACCESS_KEY=..., password: secret, "password": "secret"
        @"\b[\w.-]*(?:password|passwd|passphrase|secret|token|api_?key|access_?key|private_?key|mysql_pwd|pgpassword)[""']?\s*[=:]\s*" + Value,
        // mysql -psecret, mysqldump -u root -psecret (the password glued to -p)
        @"\b(?:mysql|mysqldump|mysqladmin|mariadb|mariadb-dump)\b[^|;&\n]*?\s(?-i:-p)([^\s-]\S*)",
        // scheme://user:secret@host
        @"\b[a-z][a-z0-9+.-]*://[^/\s:@]+:([^/\s@]+)@",
        // curl -u user:secret, --user user:secret
        @"(?<![\w-])(?:-u|--user)\s+[^\s:]+:" + Value,
        // Authorization: Bearer ..., Basic ..., Token ...
        @"\bauthorization:\s*(?:bearer|basic|token|digest)\s+([^\s'""]+)",
        // PEM private keys pasted into a command
        @"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?(?:-----END [A-Z ]*PRIVATE KEY-----|$)",
    };

    private static readonly Regex[] BuiltIn = Compile(BuiltInPatterns, RegexOptions.IgnoreCase);

    private readonly Regex[] _patterns;

    public AuditRedactor(IEnumerable<string> userPatterns)
    {
        var patterns = new List<string>(userPatterns);
        UserPatterns = patterns.ToArray();
        var all = new List<Regex>(BuiltIn);
        all.AddRange(Compile(patterns, RegexOptions.None));
        _patterns = all.ToArray();
    }

    public static AuditRedactor Default { get; } = new(Array.Empty<string>());

    public IReadOnlyList<string> UserPatterns { get; }

    /// <summary>Checks a pattern; returns null when it is a valid regular expression, else why not.</summary>
    public static string? Validate(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.CultureInvariant, MatchTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The text with every secret replaced; <paramref name="redacted"/> says whether anything was.</summary>
    public string Apply(string text, out bool redacted)
    {
        redacted = false;
        foreach (var pattern in _patterns)
        {
            try
            {
                var changed = false;
                var result = pattern.Replace(text, match =>
                {
                    changed = true;
                    return Replace(pattern, match);
                });
                if (changed)
                {
                    redacted = true;
                    text = result;
                }
            }
            catch (RegexMatchTimeoutException)
            {
                // A pattern too slow for this text: keep none of it rather than risk keeping a secret.
                redacted = true;
                return Marker;
            }
        }

        return text;
    }

    private static string Replace(Regex pattern, Match match)
    {
        var groups = new List<Group>();
        for (var i = 1; i < match.Groups.Count; i++)
        {
            if (match.Groups[i].Success && match.Groups[i].Length > 0)
            {
                groups.Add(match.Groups[i]);
            }
        }

        if (pattern.GetGroupNumbers().Length <= 1)
        {
            return Marker;
        }

        if (groups.Count == 0)
        {
            return match.Value;
        }

        // Replace the captured spans, outermost first, left to right; nested or overlapping groups are covered by the outer one.
        groups.Sort((a, b) => a.Index != b.Index ? a.Index.CompareTo(b.Index) : b.Length.CompareTo(a.Length));
        var result = new StringBuilder();
        var position = match.Index;
        foreach (var group in groups)
        {
            if (group.Index < position)
            {
                continue;
            }

            result.Append(match.Value, position - match.Index, group.Index - position);
            result.Append(Marker);
            position = group.Index + group.Length;
        }

        result.Append(match.Value, position - match.Index, match.Index + match.Length - position);
        return result.ToString();
    }

    private static Regex[] Compile(IEnumerable<string> patterns, RegexOptions options)
    {
        var compiled = new List<Regex>();
        foreach (var pattern in patterns)
        {
            compiled.Add(new Regex(pattern, options | RegexOptions.CultureInvariant, MatchTimeout));
        }

        return compiled.ToArray();
    }
}
