using System;
using System.Collections.Generic;
using System.IO;
using System.Security;
using System.Text;
using System.Threading;

namespace JumpHost.Engine.Audit;

/// <summary>
/// Appends records to a log file. Under the lock that every writer on this computer shares: read the last line
/// (from the end of the file), chain the new record to its hash, write the new line with one write, flush it to
/// disk. A file that does not exist, or is empty, starts with a log.start record; a file that ends in an
/// unfinished line (a writer stopped mid-write) has it taken out and recorded in a log.recovered record first.
/// </summary>
internal static class AuditFile
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);
    private static readonly byte[] RecordStart = Encoding.UTF8.GetBytes("{\"" + AuditRecordFormat.Seq + "\":");

    /// <summary>Appends one record; returns its sequence number. Throws <see cref="AuditWriteException"/>.</summary>
    public static long Append(string path, AuditEvent record, AuditRedactor redactor) =>
        Guard(path, fullPath =>
        {
            EnsureDirectory(fullPath);
            using (AuditLock.Acquire(fullPath, LockTimeout))
            using (var stream = OpenWrite(fullPath))
            {
                var tail = AuditLines.ReadTail(stream);
                long seq;
                string prev;
                if (tail.LastLine == null)
                {
                    if (tail.Unfinished != null && !StartsWith(tail.Unfinished, RecordStart))
                    {
                        throw new InvalidDataException("it is not a JumpHost audit log (it has no complete line, and does not begin like a record)");
                    }

                    seq = 0;
                    prev = AuditHash.Zero;
                }
                else
                {
                    seq = LastSequence(tail.LastLine);
                    prev = AuditHash.OfLine(tail.LastLine);
                }

                var lines = new StringBuilder();
                if (seq == 0)
                {
                    prev = AddLine(lines, ++seq, AuditRecordFormat.StartEvent(fullPath, record.Time), AuditRedactor.Default, prev);
                }

                if (tail.Unfinished != null)
                {
                    prev = AddLine(lines, ++seq, AuditRecordFormat.RecoveredEvent(tail.Unfinished, record.Time), AuditRedactor.Default, prev);
                }

                AddLine(lines, ++seq, record, redactor, prev);
                Write(stream, tail.UnfinishedStart, tail.Unfinished, Encoding.UTF8.GetBytes(lines.ToString()));
                return seq;
            }
        });

    /// <summary>
    /// Whether a record could be appended now, without writing one: the folder exists or can be made, the file
    /// opens for writing, and its last line is a record. Throws <see cref="AuditWriteException"/>.
    /// </summary>
    public static void Check(string path) =>
        Guard(path, fullPath =>
        {
            EnsureDirectory(fullPath);
            using (AuditLock.Acquire(fullPath, LockTimeout))
            {
                if (!File.Exists(fullPath))
                {
                    // Create nothing: a probe of the folder's write access instead.
                    var probe = Path.Combine(Path.GetDirectoryName(fullPath)!, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.probe");
                    using (new FileStream(probe, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose))
                    {
                    }

                    return 0;
                }

                using var stream = OpenWrite(fullPath);
                var tail = AuditLines.ReadTail(stream);
                if (tail.LastLine != null)
                {
                    LastSequence(tail.LastLine);
                }

                return 0;
            }
        });

    /// <summary>
    /// How many bytes of the file are whole records: its length taken under the lock, so that a reader leaves out
    /// a line being written at that moment. When the lock does not come quickly, the length as it is.
    /// </summary>
    public static long CommittedLength(string fullPath)
    {
        using (AuditLock.TryAcquire(fullPath, TimeSpan.FromSeconds(5)))
        {
            return new FileInfo(fullPath).Length;
        }
    }

    private static long Guard(string path, Func<string, long> write)
    {
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception ex) when (ex is ArgumentException || ex is NotSupportedException || ex is PathTooLongException || ex is SecurityException)
        {
            throw new AuditWriteException(path, ex.Message, ex);
        }

        try
        {
            return write(fullPath);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is SecurityException
            || ex is NotSupportedException || ex is TimeoutException || ex is WaitHandleCannotBeOpenedException || ex is InvalidDataException)
        {
            throw new AuditWriteException(fullPath, ex.Message, ex);
        }
    }

    private static string AddLine(StringBuilder lines, long seq, AuditEvent record, AuditRedactor redactor, string prev)
    {
        var line = AuditRecordFormat.Line(seq, record, redactor, prev);
        lines.Append(line).Append('\n');
        return AuditHash.OfText(line);
    }

    private static long LastSequence(byte[] lastLine)
    {
        Dictionary<string, object?>? parsed;
        try
        {
            parsed = AuditJson.Parse(Encoding.UTF8.GetString(lastLine)) as Dictionary<string, object?>;
        }
        catch (FormatException)
        {
            parsed = null;
        }

        if (parsed == null || !AuditRecordFormat.TryReadHeader(parsed, out var seq, out _, out _))
        {
            throw new InvalidDataException(
                "its last line is not a JumpHost audit record: it is not an audit log, or it was changed (Test-JumpAuditLog shows where). Nothing was written to it");
        }

        return seq;
    }

    /// <summary>
    /// Writes the new lines over an unfinished one (or at the end) with one write and flushes them to disk. If the
    /// write fails (a full disk), the file is put back as it was, so that no half line is left behind.
    /// </summary>
    private static void Write(FileStream stream, long position, byte[]? unfinished, byte[] bytes)
    {
        try
        {
            stream.Position = position;
            stream.Write(bytes, 0, bytes.Length);
            stream.SetLength(position + bytes.Length);
            stream.Flush(flushToDisk: true);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            try
            {
                stream.SetLength(position);
                if (unfinished != null)
                {
                    stream.Position = position;
                    stream.Write(unfinished, 0, unfinished.Length);
                }

                stream.Flush(flushToDisk: true);
            }
            catch (Exception undo) when (undo is IOException || undo is UnauthorizedAccessException)
            {
                // The next append finds what is left as an unfinished line and records it.
            }

            throw;
        }
    }

    private static FileStream OpenWrite(string fullPath)
    {
#if NET8_0_OR_GREATER
        var options = new FileStreamOptions
        {
            Mode = FileMode.OpenOrCreate,
            Access = FileAccess.ReadWrite,
            Share = FileShare.ReadWrite | FileShare.Delete,
            BufferSize = 0,
        };
        if (!OperatingSystem.IsWindows())
        {
            // A new log is its owner's alone, as ~/.ssh files are: it names hosts and holds command lines.
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        return new FileStream(fullPath, options);
#else
        return new FileStream(fullPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 1);
#endif
    }

    private static void EnsureDirectory(string fullPath)
    {
        var directory = Path.GetDirectoryName(fullPath);
        if (string.IsNullOrEmpty(directory) || Directory.Exists(directory))
        {
            return;
        }

        Directory.CreateDirectory(directory);
        Permissions.RestrictToOwner(directory, isDirectory: true);
    }

    private static bool StartsWith(byte[] bytes, byte[] prefix)
    {
        if (bytes.Length < prefix.Length)
        {
            // A cut-off start record may be shorter than the prefix: it must at least begin like it.
            for (var i = 0; i < bytes.Length; i++)
            {
                if (bytes[i] != prefix[i])
                {
                    return false;
                }
            }

            return true;
        }

        for (var i = 0; i < prefix.Length; i++)
        {
            if (bytes[i] != prefix[i])
            {
                return false;
            }
        }

        return true;
    }
}
