using System;
using System.Collections.Generic;
using System.Linq;
using Renci.SshNet;
using Renci.SshNet.Sftp;

namespace JumpHost.Engine.Transfer;

/// <summary>What a remote folder holds, as listings and recursive copies walk it.</summary>
internal static class RemoteFolder
{
    /// <summary>The folder's entries without . and .., by name (ordinal, as POSIX names compare), read at once.</summary>
    public static List<ISftpFile> Entries(SftpClient sftp, string directory) =>
        sftp.ListDirectory(directory).Where(e => e.Name != "." && e.Name != "..").OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
}
