namespace JumpHost.Engine.Config;

/// <summary>
/// ssh's match.c: <c>*</c> and <c>?</c> wildcards compared character by character (case-sensitive), and
/// comma-separated pattern lists where a matching <c>!pattern</c> vetoes the whole list.
/// </summary>
internal static class SshPattern
{
    /// <summary>ssh truncates nothing: a sub-pattern of 1023 characters or more makes the whole list fail.</summary>
    private const int MaxSubPattern = 1023;

    /// <summary>match_pattern: the whole text against one pattern, case-sensitive.</summary>
    public static bool Matches(string text, string pattern) => Matches(text, 0, pattern, 0);

    /// <summary>
    /// match_pattern_list: 1 when a pattern matches, 0 when none does, -1 when a negated one matches.
    /// With <paramref name="lowerPatterns"/> the patterns (not the text) are lower-cased first.
    /// </summary>
    public static int MatchList(string text, string patterns, bool lowerPatterns)
    {
        var positive = false;
        var i = 0;
        while (i < patterns.Length)
        {
            var negated = patterns[i] == '!';
            if (negated)
            {
                i++;
            }

            var end = patterns.IndexOf(',', i);
            if (end < 0)
            {
                end = patterns.Length;
            }

            if (end - i >= MaxSubPattern)
            {
                return 0;
            }

            var sub = patterns.Substring(i, end - i);
            i = end < patterns.Length ? end + 1 : end;
            if (Matches(text, lowerPatterns ? SshConfigLexer.AsciiLower(sub) : sub))
            {
                if (negated)
                {
                    return -1;
                }

                positive = true;
            }
        }

        return positive ? 1 : 0;
    }

    /// <summary>match_hostname: a host name against a pattern list, both lower-cased.</summary>
    public static bool MatchesHostList(string host, string patterns) =>
        MatchList(SshConfigLexer.AsciiLower(host), patterns, lowerPatterns: true) == 1;

    private static bool Matches(string text, int t, string pattern, int p)
    {
        while (p < pattern.Length)
        {
            if (pattern[p] == '*')
            {
                while (p < pattern.Length && pattern[p] == '*')
                {
                    p++;
                }

                if (p == pattern.Length)
                {
                    return true;
                }

                for (; t < text.Length; t++)
                {
                    if (Matches(text, t, pattern, p))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (t == text.Length || (pattern[p] != '?' && pattern[p] != text[t]))
            {
                return false;
            }

            t++;
            p++;
        }

        return t == text.Length;
    }
}
