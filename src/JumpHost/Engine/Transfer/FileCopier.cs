using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Security.Cryptography;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine.Audit;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace JumpHost.Engine.Transfer;

/// <summary>How to copy: overwrite, resume a partial copy, check SHA-256 on both sides.</summary>
internal sealed class CopyOptions
{
    public CopyOptions(bool force, bool resume, bool verify)
    {
        Force = force;
        Resume = resume;
        Verify = verify;
    }

    public bool Force { get; }

    public bool Resume { get; }

    public bool Verify { get; }
}

/// <summary>What one copied file came to.</summary>
internal sealed class CopyOutcome
{
    public CopyOutcome(PlannedFile file, TimeSpan duration, long resumedFrom, string? sha256)
    {
        File = file;
        Duration = duration;
        ResumedFrom = resumedFrom;
        Sha256 = sha256;
    }

    public PlannedFile File { get; }

    public TimeSpan Duration { get; }

    public long ResumedFrom { get; }

    public string? Sha256 { get; }
}

/// <summary>
/// Copies one file over SFTP. The bytes go to a hidden partial file beside the destination, which is renamed
/// over the destination only once complete (with its times and permission bits), so the destination is never
/// half-written. With -Resume a partial file left by a cut copy is continued, and kept when the copy is cut
/// again; without it, a cut copy removes its partial file.
/// </summary>
internal static class FileCopier
{
    private const string PartialSuffix = ".jumphost-partial";

    /// <summary>
    /// A resumed upload writes this many chunks at once, each through its own handle: SftpFileStream waits for
    /// each write's reply, which one handle alone would pay per write. It writes in waves, so a cut leaves the
    /// partial file whole up to the start of its last wave, and the next resume starts a wave's length back.
    /// </summary>
    private const int ResumeHandles = 16;

    private const int ResumeChunk = 1 << 20;

    private const long ResumeRewind = (long)ResumeHandles * ResumeChunk;

    /// <summary>A write that failed with less than this left in its file system failed for want of space.</summary>
    private const ulong DiskFullBelow = 1 << 20;

    private enum RemoteRole
    {
        Source,
        Destination,
    }

    public static async Task<CopyOutcome> UploadAsync(SftpClient sftp, SshClient shell, PlannedFile file, CopyOptions options, Action<long> progress, CancellationToken cancellationToken)
    {
        var partial = RemotePath.Combine(RemotePath.Parent(file.Destination), "." + RemotePath.Name(file.Destination) + PartialSuffix);
        await RemoteGuard(sftp, file.Destination, RemoteRole.Destination, () =>
        {
            if (!options.Force && sftp.Exists(file.Destination))
            {
                throw Exists(file.Destination);
            }

            return Task.CompletedTask;
        }).ConfigureAwait(false);

        var clock = Stopwatch.StartNew();
        var offset = options.Resume ? Math.Max(0, RemoteLength(sftp, partial) - ResumeRewind) : 0;
        if (offset > file.Length)
        {
            offset = 0;
        }

        try
        {
            await RemoteGuard(sftp, file.Destination, RemoteRole.Destination, async () =>
            {
                using var input = new FileStream(file.Source, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: true);
                if (offset == 0)
                {
                    // SSH.NET pipelines the writes of a whole-file upload.
                    await sftp.UploadFileAsync(input, partial, canOverride: true, new Progress(progress, 0), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    await ResumeUploadAsync(sftp, input, partial, offset, file.Length, progress, cancellationToken).ConfigureAwait(false);
                }

                var attributes = sftp.GetAttributes(partial);
                attributes.LastWriteTimeUtc = file.LastWriteTimeUtc;
                if (file.Mode != null)
                {
                    attributes.SetPermissions(short.Parse(Convert.ToString(file.Mode.Value, 8), CultureInfo.InvariantCulture));
                }

                sftp.SetAttributes(partial, attributes);

                // posix-rename replaces an existing destination in one step: it is never missing or half-written.
                sftp.RenameFile(partial, file.Destination, isPosix: true);
            }).ConfigureAwait(false);
        }
        catch when (!options.Resume)
        {
            TryDeleteRemote(sftp, partial);
            throw;
        }

        string? sha256 = null;
        if (options.Verify)
        {
            sha256 = await VerifyAsync(file.Source, shell, file.Destination, cancellationToken).ConfigureAwait(false);
        }

        return new CopyOutcome(file, clock.Elapsed, offset, sha256);
    }

    public static async Task<CopyOutcome> DownloadAsync(SftpClient sftp, SshClient shell, PlannedFile file, CopyOptions options, Action<long> progress, CancellationToken cancellationToken)
    {
        if (!options.Force && File.Exists(file.Destination))
        {
            throw Exists(file.Destination);
        }

        if (Directory.Exists(file.Destination))
        {
            throw new JumpHostException(JumpErrorIds.DestinationExists, JumpErrorKind.InvalidArgument,
                $"'{file.Destination}' is a folder, so the file '{file.Source}' cannot be written there. Give the folder as the destination, or another file name.", file.Destination);
        }

        var partial = Path.Combine(Path.GetDirectoryName(file.Destination)!, "." + Path.GetFileName(file.Destination) + PartialSuffix);
        var clock = Stopwatch.StartNew();
        var offset = options.Resume && File.Exists(partial) ? new FileInfo(partial).Length : 0;
        if (offset > file.Length)
        {
            offset = 0;
        }

        try
        {
            await RemoteGuard(sftp, file.Source, RemoteRole.Source, async () =>
            {
                using var output = new FileStream(partial, offset == 0 ? FileMode.Create : FileMode.Open, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true);
                if (offset == 0)
                {
                    // SSH.NET pipelines the reads of a whole-file download.
                    await sftp.DownloadFileAsync(file.Source, output, new DownloadProgress(progress), cancellationToken).ConfigureAwait(false);
                }
                else
                {
                    output.Seek(offset, SeekOrigin.Begin);
                    using var input = sftp.OpenRead(file.Source);
                    input.Seek(offset, SeekOrigin.Begin);
                    await CopyAsync(input, output, offset, progress, cancellationToken).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);

            File.SetLastWriteTimeUtc(partial, file.LastWriteTimeUtc);
            Modes.SetLocal(partial, file.Mode);
            Replace(partial, file.Destination);
        }
        catch when (!options.Resume)
        {
            TryDeleteLocal(partial);
            throw;
        }

        string? sha256 = null;
        if (options.Verify)
        {
            sha256 = await VerifyAsync(file.Destination, shell, file.Source, cancellationToken).ConfigureAwait(false);
        }

        return new CopyOutcome(file, clock.Elapsed, offset, sha256);
    }

    /// <summary>Creates a remote folder (and its parents) unless it exists.</summary>
    public static Task CreateRemoteDirectoryAsync(SftpClient sftp, string path) => RemoteGuard(sftp, path, RemoteRole.Destination, async () =>
    {
        if (!sftp.Exists(path))
        {
            await CreateRemoteDirectoryAsync(sftp, RemotePath.Parent(path)).ConfigureAwait(false);
            sftp.CreateDirectory(path);
        }
    });

    private static async Task ResumeUploadAsync(SftpClient sftp, Stream input, string partial, long offset, long length, Action<long> progress, CancellationToken cancellationToken)
    {
        var slots = (int)Math.Min(ResumeHandles, (length - offset + ResumeChunk - 1) / ResumeChunk);
        var handles = new List<SftpFileStream>(slots);
        try
        {
            var buffers = new byte[slots][];
            for (var i = 0; i < slots; i++)
            {
                handles.Add(sftp.Open(partial, FileMode.Open, FileAccess.Write));
                buffers[i] = new byte[ResumeChunk];
            }

            var position = offset;
            while (position < length)
            {
                var writes = new List<Task>();
                for (var i = 0; i < slots && position < length; i++)
                {
                    var count = (int)Math.Min(ResumeChunk, length - position);
                    input.Seek(position, SeekOrigin.Begin);
                    if (await StreamFill.FillAsync(input, buffers[i], count, cancellationToken).ConfigureAwait(false) < count)
                    {
                        throw new EndOfStreamException("The source file became shorter while it was being copied.");
                    }

                    writes.Add(WriteChunkAsync(handles[i], position, buffers[i], count, cancellationToken));
                    position += count;
                }

                await Task.WhenAll(writes).ConfigureAwait(false);
                progress(position);
            }
        }
        finally
        {
            foreach (var handle in handles)
            {
                handle.Dispose();
            }
        }
    }

    private static async Task WriteChunkAsync(SftpFileStream handle, long position, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        handle.Seek(position, SeekOrigin.Begin);
        await handle.WriteAsync(buffer, 0, count, cancellationToken).ConfigureAwait(false);
        await handle.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task CopyAsync(Stream input, Stream output, long offset, Action<long> progress, CancellationToken cancellationToken)
    {
        var buffer = new byte[1 << 16];
        var done = offset;
        int read;
        while ((read = await input.ReadAsync(buffer, 0, buffer.Length, cancellationToken).ConfigureAwait(false)) > 0)
        {
            await output.WriteAsync(buffer, 0, read, cancellationToken).ConfigureAwait(false);
            done += read;
            progress(done);
        }
    }

    /// <summary>
    /// Compares the local file's SHA-256 with sha256sum's on the target; returns the hash, or throws when they
    /// differ. Both sides hash at the same time, so verifying takes as long as the slower of them.
    /// </summary>
    private static async Task<string> VerifyAsync(string localPath, SshClient shell, string remotePath, CancellationToken cancellationToken)
    {
        using var command = shell.CreateCommand("sha256sum -- " + RemotePath.ShellQuote(remotePath));
        var remoteHashing = command.ExecuteAsync(cancellationToken);
        var local = await Task.Run(() => Sha256OfLocal(localPath, cancellationToken), cancellationToken).ConfigureAwait(false);
        await remoteHashing.ConfigureAwait(false);
        var remote = command.Result.Split(' ')[0].Trim();
        if (command.ExitStatus != 0 || remote.Length != 64)
        {
            throw new JumpHostException(JumpErrorIds.VerificationFailed, JumpErrorKind.InvalidOperation,
                $"The SHA-256 of '{remotePath}' could not be computed on the target (sha256sum: {command.Error.Trim()}). The copy was made but not verified.", remotePath);
        }

        if (!string.Equals(local, remote, StringComparison.OrdinalIgnoreCase))
        {
            throw new JumpHostException(JumpErrorIds.VerificationFailed, JumpErrorKind.InvalidData,
                $"'{remotePath}' has SHA-256 {remote} on the target but {local} here: the copy is not identical.", remotePath);
        }

        return local;
    }

    private static string Sha256OfLocal(string path, CancellationToken cancellationToken)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
        var buffer = new byte[1 << 20];
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            sha.AppendData(buffer, 0, read);
        }

        return AuditHash.Hex(sha.GetHashAndReset());
    }

    private static long RemoteLength(SftpClient sftp, string path)
    {
        try
        {
            return sftp.GetAttributes(path).Size;
        }
        catch (SftpPathNotFoundException)
        {
            return 0;
        }
    }

    private static void Replace(string partial, string destination)
    {
#if NET8_0_OR_GREATER
        File.Move(partial, destination, overwrite: true);
#else
        if (File.Exists(destination))
        {
            File.Replace(partial, destination, null);
        }
        else
        {
            File.Move(partial, destination);
        }
#endif
    }

    /// <summary>Runs SFTP work and turns the server's refusals into errors that name the path and the cause.</summary>
    private static async Task RemoteGuard(SftpClient sftp, string path, RemoteRole role, Func<Task> work)
    {
        try
        {
            await work().ConfigureAwait(false);
        }
        catch (SftpPathNotFoundException ex) when (role == RemoteRole.Source)
        {
            throw new JumpHostException(JumpErrorIds.SourceNotFound, JumpErrorKind.NotFound, $"'{path}' does not exist on the target ({ex.Message}).", path, ex);
        }
        catch (SftpPathNotFoundException ex)
        {
            throw new JumpHostException(JumpErrorIds.DestinationNotFound, JumpErrorKind.NotFound,
                $"The folder '{RemotePath.Parent(path)}' does not exist on the target, so '{RemotePath.Name(path)}' cannot be written in it. Create the folder first, or copy into one that exists.", path, ex);
        }
        catch (SftpPermissionDeniedException ex)
        {
            throw new JumpHostException(JumpErrorIds.RemotePermissionDenied, JumpErrorKind.PermissionDenied,
                $"The target refused access to '{path}' ({ex.Message}). Check the remote user's permissions on it and its folder.", path, ex);
        }
        catch (SftpException ex) when (role == RemoteRole.Destination && FreeBytes(sftp, RemotePath.Parent(path)) is { } free && free < DiskFullBelow)
        {
            // SFTP version 3 reports a full disk as a bare "Failure"; the file system's free space says why.
            throw new JumpHostException(JumpErrorIds.RemoteDiskFull, JumpErrorKind.ResourceUnavailable,
                $"The target's file system ran out of space writing '{path}' ({free / 1024} KiB left). Free space there, or copy somewhere else.", path, ex);
        }
        catch (SshException ex) when (ex is not SshConnectionException)
        {
            throw new JumpHostException(JumpErrorIds.TransferFailed, JumpErrorKind.InvalidOperation, $"'{path}' could not be copied: {ex.Message}", path, ex);
        }
        catch (SshConnectionException ex)
        {
            throw new JumpHostException(JumpErrorIds.ConnectionLost, JumpErrorKind.Connection, $"The connection was lost while copying '{path}': {ex.Message}", path, ex);
        }
    }

    /// <summary>What an unprivileged user may still write in the folder's file system, when the server says (statvfs@openssh.com).</summary>
    private static ulong? FreeBytes(SftpClient sftp, string folder)
    {
        try
        {
            var information = sftp.GetStatus(folder);
            return information.AvailableBlocks * information.BlockSize;
        }
        catch (Exception ex) when (ex is SshException || ex is NotSupportedException)
        {
            return null;
        }
    }

    private static void TryDeleteRemote(SftpClient sftp, string path)
    {
        try
        {
            sftp.DeleteFile(path);
        }
        catch (Exception ex) when (ex is SshException || ex is ObjectDisposedException || ex is InvalidOperationException)
        {
            // Gone with the connection, or never created.
        }
    }

    private static void TryDeleteLocal(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Still held by a stream being torn down; it is hidden and the next copy replaces it.
        }
    }

    private static JumpHostException Exists(string path) =>
        new(JumpErrorIds.DestinationExists, JumpErrorKind.ResourceExists, $"'{path}' already exists. Add -Force to overwrite it.", path);

    private sealed class Progress : IProgress<UploadFileProgressReport>
    {
        private readonly Action<long> _report;
        private readonly long _offset;

        public Progress(Action<long> report, long offset)
        {
            _report = report;
            _offset = offset;
        }

        public void Report(UploadFileProgressReport value) => _report(_offset + (long)value.TotalBytesUploaded);
    }

    private sealed class DownloadProgress : IProgress<DownloadFileProgressReport>
    {
        private readonly Action<long> _report;

        public DownloadProgress(Action<long> report)
        {
            _report = report;
        }

        public void Report(DownloadFileProgressReport value) => _report((long)value.TotalBytesDownloaded);
    }
}
