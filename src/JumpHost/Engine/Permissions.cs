using System.IO;

namespace JumpHost.Engine;

/// <summary>Keeps files that hold trust decisions private to their owner, as OpenSSH does.</summary>
internal static class Permissions
{
    public static void RestrictToOwner(string path, bool isDirectory)
    {
#if NET8_0_OR_GREATER
        if (!System.OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, isDirectory
                ? UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
#endif
    }

    /// <summary>Gives a replacement file the permissions of the file it replaces, or owner-only for a new file.</summary>
    public static void CopyOrRestrict(string original, string replacement)
    {
#if NET8_0_OR_GREATER
        if (!System.OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(replacement, File.Exists(original)
                ? File.GetUnixFileMode(original)
                : UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
#endif
    }
}
