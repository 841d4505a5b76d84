namespace JumpHost.Engine;

/// <summary>OpenSSH's <c>match_pattern</c>: <c>*</c> and <c>?</c> wildcards, case-insensitive.</summary>
internal static class WildcardPattern
{
    public static bool IsMatch(string text, string pattern) => Match(text.ToLowerInvariant(), 0, pattern.ToLowerInvariant(), 0);

    private static bool Match(string text, int t, string pattern, int p)
    {
        while (p < pattern.Length)
        {
            var c = pattern[p];
            if (c == '*')
            {
                // Collapse runs of '*', then try every split point.
                while (p < pattern.Length && pattern[p] == '*')
                {
                    p++;
                }

                if (p == pattern.Length)
                {
                    return true;
                }

                for (var start = t; start <= text.Length; start++)
                {
                    if (Match(text, start, pattern, p))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (t == text.Length || (c != '?' && c != text[t]))
            {
                return false;
            }

            t++;
            p++;
        }

        return t == text.Length;
    }
}
