using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace JumpHost.Engine.Config;

/// <summary>
/// glob(3) with GLOB_TILDE as Include uses it: <c>*</c>, <c>?</c> and <c>[...]</c> in any path component,
/// names starting with '.' only matched by a pattern that starts with '.', results sorted by byte order,
/// and nothing (not an error) when nothing matches.
/// </summary>
internal static class SshGlob
{
    public static bool IsAbsolute(string path) =>
        path.StartsWith("/", StringComparison.Ordinal)
        || (RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && Path.IsPathRooted(path));

    public static IReadOnlyList<string> Expand(string pattern, SshConfigSources sources, SshConfigOrigin origin)
    {
        if (pattern.StartsWith("~", StringComparison.Ordinal))
        {
            pattern = SshTokens.ExpandTilde(pattern, sources, origin, "Include");
        }

        var rooted = pattern.StartsWith("/", StringComparison.Ordinal);
        var parts = pattern.Split('/');
        var matches = new List<string> { rooted ? "/" : string.Empty };
        for (var i = rooted ? 1 : 0; i < parts.Length; i++)
        {
            var part = parts[i];
            var last = i == parts.Length - 1;
            if (part.Length == 0)
            {
                continue;
            }

            var next = new List<string>();
            foreach (var directory in matches)
            {
                if (!HasWildcard(part))
                {
                    var path = Join(directory, part);
                    if (last ? File.Exists(path) || Directory.Exists(path) : Directory.Exists(path))
                    {
                        next.Add(path);
                    }

                    continue;
                }

                var listed = directory.Length == 0 ? "." : directory;
                if (!Directory.Exists(listed))
                {
                    continue;
                }

                foreach (var entry in Directory.EnumerateFileSystemEntries(listed).Select(Path.GetFileName))
                {
                    if (entry != null && (entry[0] != '.' || part[0] == '.') && Matches(entry, 0, part, 0))
                    {
                        var path = Join(directory, entry);
                        if (last || Directory.Exists(path))
                        {
                            next.Add(path);
                        }
                    }
                }
            }

            matches = next;
        }

        matches.Sort(string.CompareOrdinal);
        return matches;
    }

    private static bool HasWildcard(string part) => part.IndexOfAny(new[] { '*', '?', '[' }) >= 0;

    private static string Join(string directory, string name) =>
        directory.Length == 0 ? name : directory.EndsWith("/", StringComparison.Ordinal) ? directory + name : directory + "/" + name;

    /// <summary>fnmatch for one path component: '*', '?', and '[...]' with '!' and ranges; '\' quotes.</summary>
    private static bool Matches(string name, int n, string pattern, int p)
    {
        while (p < pattern.Length)
        {
            var c = pattern[p];
            switch (c)
            {
                case '*':
                    while (p < pattern.Length && pattern[p] == '*')
                    {
                        p++;
                    }

                    if (p == pattern.Length)
                    {
                        return true;
                    }

                    for (var start = n; start <= name.Length; start++)
                    {
                        if (Matches(name, start, pattern, p))
                        {
                            return true;
                        }
                    }

                    return false;
                case '?':
                    if (n == name.Length)
                    {
                        return false;
                    }

                    n++;
                    p++;
                    break;
                case '[':
                    if (n == name.Length)
                    {
                        return false;
                    }

                    var end = ClassEnd(pattern, p);
                    if (end < 0)
                    {
                        goto default;
                    }

                    if (!InClass(name[n], pattern, p + 1, end))
                    {
                        return false;
                    }

                    n++;
                    p = end + 1;
                    break;
                default:
                    if (c == '\\' && p + 1 < pattern.Length)
                    {
                        c = pattern[++p];
                    }

                    if (n == name.Length || name[n] != c)
                    {
                        return false;
                    }

                    n++;
                    p++;
                    break;
            }
        }

        return n == name.Length;
    }

    private static int ClassEnd(string pattern, int open)
    {
        var i = open + 1;
        if (i < pattern.Length && pattern[i] == '!')
        {
            i++;
        }

        if (i < pattern.Length && pattern[i] == ']')
        {
            i++;
        }

        return pattern.IndexOf(']', i);
    }

    private static bool InClass(char c, string pattern, int start, int end)
    {
        var negated = pattern[start] == '!';
        var i = negated ? start + 1 : start;
        var found = false;
        while (i < end)
        {
            var low = pattern[i];
            if (i + 2 < end && pattern[i + 1] == '-')
            {
                found |= c >= low && c <= pattern[i + 2];
                i += 3;
            }
            else
            {
                found |= c == low;
                i++;
            }
        }

        return found != negated;
    }
}
