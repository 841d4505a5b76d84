using System;
using System.Linq;

namespace JumpHost.Engine.Transfer;

/// <summary>POSIX paths on the target, and the checks that keep names from a server inside a local folder.</summary>
internal static class RemotePath
{
    public static string Combine(string directory, string name) =>
        directory.EndsWith("/", StringComparison.Ordinal) ? directory + name : directory + "/" + name;

    public static string Name(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? trimmed : trimmed.Substring(slash + 1);
    }

    public static string Parent(string path)
    {
        var trimmed = path.TrimEnd('/');
        var slash = trimmed.LastIndexOf('/');
        return slash < 0 ? "." : slash == 0 ? "/" : trimmed.Substring(0, slash);
    }

    /// <summary>A path as sftp reads it: relative to the remote home folder, ~ and ~/ meaning that folder.</summary>
    public static string Resolve(string home, string path) =>
        path == "~" || path == "." ? home
        : path.StartsWith("~/", StringComparison.Ordinal) ? Combine(home, path.Substring(2))
        : path.StartsWith("/", StringComparison.Ordinal) ? path
        : Combine(home, path);

    /// <summary>The path quoted for the remote user's POSIX shell.</summary>
    public static string ShellQuote(string path) => "'" + path.Replace("'", "'\\''") + "'";

    /// <summary>
    /// Whether a name a server sent is safe to create under a local folder: not empty, not . or .., without
    /// separators (or, on Windows, drive letters and reserved characters).
    /// </summary>
    public static bool IsSafeLocalName(string name) =>
        name.Length > 0 && name != "." && name != ".."
        && name.IndexOfAny(System.IO.Path.GetInvalidFileNameChars().Concat(new[] { '/' }).ToArray()) < 0;

    /// <summary>A glob (* and ?) matched against a remote name, case-sensitive as POSIX file names are.</summary>
    public static bool Matches(string name, string glob) => GlobMatch(name, 0, glob, 0);

    public static bool HasWildcard(string text) => text.IndexOfAny(new[] { '*', '?' }) >= 0;

    private static bool GlobMatch(string text, int t, string glob, int g)
    {
        while (g < glob.Length)
        {
            if (glob[g] == '*')
            {
                for (var start = t; start <= text.Length; start++)
                {
                    if (GlobMatch(text, start, glob, g + 1))
                    {
                        return true;
                    }
                }

                return false;
            }

            if (t == text.Length || (glob[g] != '?' && glob[g] != text[t]))
            {
                return false;
            }

            t++;
            g++;
        }

        return t == text.Length;
    }
}
