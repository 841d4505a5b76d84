using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace JumpHost.Engine.Transfer;

/// <summary>One file to copy: where from, where to, and what to carry over.</summary>
internal sealed class PlannedFile
{
    public PlannedFile(string source, string destination, long length, DateTime lastWriteTimeUtc, int? mode)
    {
        Source = source;
        Destination = destination;
        Length = length;
        LastWriteTimeUtc = lastWriteTimeUtc;
        Mode = mode;
    }

    public string Source { get; }

    public string Destination { get; }

    public long Length { get; }

    public DateTime LastWriteTimeUtc { get; }

    /// <summary>Permission bits (rwxrwxrwx) to give the copy, when known.</summary>
    public int? Mode { get; }
}

/// <summary>
/// What a copy will do, worked out before any byte moves: the folders to create and the files to copy, with
/// the entries it skips and why (a folder without -Recurse, a symbolic link in a recursive download, a name a
/// server sent that would leave the local folder).
/// </summary>
internal sealed class TransferPlan
{
    private const int MaxDepth = 64;

    public List<string> Directories { get; } = new();

    public List<PlannedFile> Files { get; } = new();

    public List<JumpHostException> Skipped { get; } = new();

    public long TotalBytes => Files.Sum(f => f.Length);

    /// <summary>Local files and folders (already resolved from PowerShell paths and wildcards) to a remote destination.</summary>
    public static TransferPlan ForUpload(SftpClient sftp, IReadOnlyList<string> sources, string destination, bool recurse)
    {
        var plan = new TransferPlan();
        var destinationIsDirectory = RemoteDirectoryExists(sftp, destination);
        RequireDirectoryForMany(sources.Count, destinationIsDirectory, destination);
        foreach (var source in sources)
        {
            var target = destinationIsDirectory ? RemotePath.Combine(destination, Path.GetFileName(source.TrimEnd(Path.DirectorySeparatorChar))) : destination;
            if (File.Exists(source))
            {
                plan.Files.Add(LocalFile(source, target));
            }
            else if (!recurse)
            {
                plan.Skipped.Add(IsDirectory(source));
            }
            else if (!destinationIsDirectory && RemoteExists(sftp, destination))
            {
                plan.Skipped.Add(NotDirectory(source, destination));
            }
            else
            {
                plan.AddLocalTree(source, target, 0);
            }
        }

        return plan;
    }

    /// <summary>Remote files and folders (globs allowed in the last part) to a local destination folder or file.</summary>
    public static TransferPlan ForDownload(SftpClient sftp, IReadOnlyList<string> patterns, string destination, bool recurse)
    {
        var plan = new TransferPlan();
        var matches = patterns.SelectMany(pattern => Expand(sftp, pattern, plan)).ToList();
        var destinationIsDirectory = Directory.Exists(destination);
        RequireDirectoryForMany(matches.Count, destinationIsDirectory, destination);
        var root = Path.GetFullPath(destinationIsDirectory ? destination : Path.GetDirectoryName(Path.GetFullPath(destination))!);
        foreach (var match in matches)
        {
            if (destinationIsDirectory && !RemotePath.IsSafeLocalName(match.Name))
            {
                plan.Skipped.Add(Unsafe(match.FullName, $"the server named it '{match.Name}', which cannot be a file name under '{root}'"));
                continue;
            }

            var target = destinationIsDirectory ? Path.Combine(destination, match.Name) : destination;
            if (!match.IsDirectory)
            {
                plan.Files.Add(RemoteFile(match, Path.GetFullPath(target)));
            }
            else if (!recurse)
            {
                plan.Skipped.Add(IsDirectory(match.FullName));
            }
            else if (!destinationIsDirectory && File.Exists(destination))
            {
                plan.Skipped.Add(NotDirectory(match.FullName, destination));
            }
            else
            {
                plan.AddRemoteTree(sftp, match.FullName, Path.GetFullPath(target), root, 0);
            }
        }

        return plan;
    }

    private static IEnumerable<ISftpFile> Expand(SftpClient sftp, string pattern, TransferPlan plan)
    {
        try
        {
            if (!RemotePath.HasWildcard(RemotePath.Name(pattern)))
            {
                return new[] { sftp.Get(pattern) };
            }

            var matches = sftp.ListDirectory(RemotePath.Parent(pattern))
                .Where(f => f.Name != "." && f.Name != ".." && RemotePath.Matches(f.Name, RemotePath.Name(pattern)))
                .ToList();
            if (matches.Count == 0)
            {
                plan.Skipped.Add(NotFound(pattern));
            }

            return matches;
        }
        catch (SftpPathNotFoundException)
        {
            plan.Skipped.Add(NotFound(pattern));
            return Enumerable.Empty<ISftpFile>();
        }
        catch (SftpPermissionDeniedException)
        {
            plan.Skipped.Add(Refused(pattern));
            return Enumerable.Empty<ISftpFile>();
        }
    }

    private void AddLocalTree(string directory, string target, int depth)
    {
        Directories.Add(target);
        if (depth >= MaxDepth)
        {
            return;
        }

        FileSystemInfo[] entries;
        try
        {
            entries = new DirectoryInfo(directory).GetFileSystemInfos();
        }
        catch (UnauthorizedAccessException ex)
        {
            Skipped.Add(new JumpHostException(JumpErrorIds.LocalPermissionDenied, JumpErrorKind.PermissionDenied,
                $"The folder '{directory}' cannot be read here ({ex.Message}), so what it holds was not uploaded.", directory, ex));
            return;
        }

        foreach (var entry in entries.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            var entryTarget = RemotePath.Combine(target, entry.Name);
            if (entry.Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                Skipped.Add(new JumpHostException(JumpErrorIds.SymbolicLinkSkipped, JumpErrorKind.InvalidOperation,
                    $"'{entry.FullName}' is a symbolic link: links are not followed in a recursive copy, so it was skipped. Copy what it points to by its own path.", entry.FullName));
            }
            else if (entry is DirectoryInfo)
            {
                AddLocalTree(entry.FullName, entryTarget, depth + 1);
            }
            else
            {
                Files.Add(LocalFile(entry.FullName, entryTarget));
            }
        }
    }

    private void AddRemoteTree(SftpClient sftp, string directory, string target, string root, int depth)
    {
        if (!IsInside(target, root))
        {
            Skipped.Add(Unsafe(directory, $"it would be written to '{target}', outside '{root}'"));
            return;
        }

        Directories.Add(target);
        if (depth >= MaxDepth)
        {
            return;
        }

        List<ISftpFile> entries;
        try
        {
            entries = RemoteFolder.Entries(sftp, directory);
        }
        catch (SftpPermissionDeniedException)
        {
            Skipped.Add(Refused(directory));
            return;
        }

        foreach (var entry in entries)
        {
            if (!RemotePath.IsSafeLocalName(entry.Name))
            {
                Skipped.Add(Unsafe(RemotePath.Combine(directory, entry.Name), $"the server named it '{entry.Name}', which cannot be a file name under '{root}'"));
                continue;
            }

            var entryTarget = Path.Combine(target, entry.Name);
            if (entry.IsSymbolicLink)
            {
                // A link the server lists may point anywhere, outside the folder being copied included.
                Skipped.Add(new JumpHostException(JumpErrorIds.SymbolicLinkSkipped, JumpErrorKind.Security,
                    $"'{entry.FullName}' is a symbolic link on the target: links are not followed in a recursive download, so it was skipped. Download what it points to by its own path.", entry.FullName));
            }
            else if (entry.IsDirectory)
            {
                AddRemoteTree(sftp, entry.FullName, entryTarget, root, depth + 1);
            }
            else if (entry.IsRegularFile)
            {
                Files.Add(RemoteFile(entry, entryTarget));
            }
        }
    }

    private static PlannedFile LocalFile(string path, string target)
    {
        var info = new FileInfo(path);
        return new PlannedFile(path, target, info.Length, info.LastWriteTimeUtc, Modes.OfLocal(path));
    }

    private static PlannedFile RemoteFile(ISftpFile file, string target) =>
        new(file.FullName, target, file.Length, file.LastWriteTimeUtc, Modes.OfRemote(file));

    private static bool RemoteDirectoryExists(SftpClient sftp, string path)
    {
        try
        {
            return sftp.Get(path).IsDirectory;
        }
        catch (SftpPathNotFoundException)
        {
            return false;
        }
    }

    private static bool RemoteExists(SftpClient sftp, string path)
    {
        try
        {
            sftp.Get(path);
            return true;
        }
        catch (SftpPathNotFoundException)
        {
            return false;
        }
    }

    /// <summary>Inside the root, and never through a symbolic link that already exists below it.</summary>
    private static bool IsInside(string path, string root)
    {
        var full = Path.GetFullPath(path);
        var prefix = root.EndsWith(Path.DirectorySeparatorChar.ToString(), StringComparison.Ordinal) ? root : root + Path.DirectorySeparatorChar;
        if (full != root && !full.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        for (var current = full; current.Length > root.Length; current = Path.GetDirectoryName(current)!)
        {
            if ((File.Exists(current) || Directory.Exists(current)) && new FileInfo(current).Attributes.HasFlag(FileAttributes.ReparsePoint))
            {
                return false;
            }
        }

        return true;
    }

    private static void RequireDirectoryForMany(int count, bool destinationIsDirectory, string destination)
    {
        if (count > 1 && !destinationIsDirectory)
        {
            throw new JumpHostException(JumpErrorIds.DestinationNotDirectory, JumpErrorKind.InvalidArgument,
                $"'{destination}' is not an existing folder, and several items are to be copied into it. Create the folder first, or copy one item.", destination);
        }
    }

    private static JumpHostException IsDirectory(string path) =>
        new(JumpErrorIds.SourceIsDirectory, JumpErrorKind.InvalidArgument, $"'{path}' is a folder: add -Recurse to copy folders and what they hold.", path);

    private static JumpHostException NotDirectory(string folder, string destination) =>
        new(JumpErrorIds.DestinationNotDirectory, JumpErrorKind.InvalidArgument,
            $"'{folder}' is a folder but '{destination}' is a file, so the folder cannot be copied there. Give a folder, or a name that does not exist yet.", folder);

    private static JumpHostException NotFound(string path) =>
        new(JumpErrorIds.SourceNotFound, JumpErrorKind.NotFound, $"Nothing on the target matches '{path}'.", path);

    private static JumpHostException Refused(string path) =>
        new(JumpErrorIds.RemotePermissionDenied, JumpErrorKind.PermissionDenied, $"The target refused to read '{path}' (permission denied), so it was not downloaded.", path);

    private static JumpHostException Unsafe(string path, string why) =>
        new(JumpErrorIds.UnsafeRemoteName, JumpErrorKind.Security, $"'{path}' was not downloaded: {why}.", path);
}
