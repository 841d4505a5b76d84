using System.IO;
using Renci.SshNet.Sftp;

namespace JumpHost.Engine.Transfer;

/// <summary>Permission bits (rwxrwxrwx) of local and remote files, to carry them over with a copy.</summary>
internal static class Modes
{
    public static int? OfLocal(string path)
    {
#if NET8_0_OR_GREATER
        return System.OperatingSystem.IsWindows() ? null : (int)File.GetUnixFileMode(path) & 0x1FF;
#else
        return null;
#endif
    }

    public static int OfRemote(ISftpFile file) =>
        (file.OwnerCanRead ? 0x100 : 0) | (file.OwnerCanWrite ? 0x80 : 0) | (file.OwnerCanExecute ? 0x40 : 0)
        | (file.GroupCanRead ? 0x20 : 0) | (file.GroupCanWrite ? 0x10 : 0) | (file.GroupCanExecute ? 0x8 : 0)
        | (file.OthersCanRead ? 0x4 : 0) | (file.OthersCanWrite ? 0x2 : 0) | (file.OthersCanExecute ? 0x1 : 0);

    public static void SetLocal(string path, int? mode)
    {
#if NET8_0_OR_GREATER
        if (mode != null && !System.OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, (UnixFileMode)mode.Value);
        }
#endif
    }

    /// <summary>As ls -l shows it: the type, then rwx for owner, group and others.</summary>
    public static string Describe(ISftpFile file)
    {
        var mode = OfRemote(file);
        var type = file.IsDirectory ? 'd' : file.IsSymbolicLink ? 'l' : '-';
        var text = new char[10];
        text[0] = type;
        const string letters = "rwxrwxrwx";
        for (var i = 0; i < 9; i++)
        {
            text[i + 1] = (mode & (0x100 >> i)) != 0 ? letters[i] : '-';
        }

        return new string(text);
    }
}
