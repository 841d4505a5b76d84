using System;
using System.Collections.Generic;
using System.IO;

namespace JumpHost.Engine.Audit;

/// <summary>One line of a log file, as its exact bytes (the line feed not included).</summary>
internal sealed class AuditLine
{
    public AuditLine(long number, byte[] bytes, bool terminated)
    {
        Number = number;
        Bytes = bytes;
        Terminated = terminated;
    }

    /// <summary>1 for the first line.</summary>
    public long Number { get; }

    public byte[] Bytes { get; }

    /// <summary>False for a last line with no line feed: a write that was cut off.</summary>
    public bool Terminated { get; }

    public string Hash => AuditHash.OfLine(Bytes);
}

/// <summary>Reading log files as bytes, forwards line by line and backwards from the end.</summary>
internal static class AuditLines
{
    private const int BlockSize = 64 * 1024;

    /// <summary>Opens a log for reading while writers append to it (and may rename it).</summary>
    public static FileStream OpenRead(string path) =>
        new(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, BlockSize);

    /// <summary>The lines of the first <paramref name="length"/> bytes of the stream.</summary>
    public static IEnumerable<AuditLine> Read(Stream stream, long length)
    {
        var block = new byte[BlockSize];
        var pending = new MemoryStream();
        long number = 0;
        long consumed = 0;
        while (consumed < length)
        {
            var read = stream.Read(block, 0, (int)Math.Min(block.Length, length - consumed));
            if (read <= 0)
            {
                break;
            }

            consumed += read;
            var start = 0;
            for (var i = 0; i < read; i++)
            {
                if (block[i] != (byte)'\n')
                {
                    continue;
                }

                pending.Write(block, start, i - start);
                yield return new AuditLine(++number, pending.ToArray(), terminated: true);
                pending.SetLength(0);
                start = i + 1;
            }

            pending.Write(block, start, read - start);
        }

        if (pending.Length > 0)
        {
            yield return new AuditLine(++number, pending.ToArray(), terminated: false);
        }
    }

    /// <summary>
    /// The end of a log: its last complete line (null when there is none) and what follows it without a line
    /// feed (an unfinished write; null when the file ends with one). Reads backwards, so a long log costs no more
    /// than a short one.
    /// </summary>
    public static (byte[]? LastLine, byte[]? Unfinished, long UnfinishedStart) ReadTail(Stream stream)
    {
        var length = stream.Length;
        if (length == 0)
        {
            return (null, null, 0);
        }

        // Where the last complete line ends: the last line feed of the file.
        var lastFeed = FindLineFeedBefore(stream, length);
        byte[]? unfinished = null;
        var unfinishedStart = length;
        if (lastFeed != length - 1)
        {
            unfinishedStart = lastFeed + 1;
            unfinished = ReadRange(stream, unfinishedStart, length - unfinishedStart);
        }

        if (lastFeed < 0)
        {
            return (null, unfinished, unfinishedStart);
        }

        var start = FindLineFeedBefore(stream, lastFeed) + 1;
        return (ReadRange(stream, start, lastFeed - start), unfinished, unfinishedStart);
    }

    /// <summary>The position of the last line feed before <paramref name="end"/>, or -1.</summary>
    private static long FindLineFeedBefore(Stream stream, long end)
    {
        var block = new byte[Math.Min(BlockSize, Math.Max(1, end))];
        var position = end;
        while (position > 0)
        {
            var size = (int)Math.Min(block.Length, position);
            position -= size;
            stream.Position = position;
            ReadExactly(stream, block, size);
            for (var i = size - 1; i >= 0; i--)
            {
                if (block[i] == (byte)'\n')
                {
                    return position + i;
                }
            }
        }

        return -1;
    }

    private static byte[] ReadRange(Stream stream, long start, long count)
    {
        if (count > int.MaxValue)
        {
            throw new IOException("a line of the log is longer than 2 GB");
        }

        var bytes = new byte[count];
        stream.Position = start;
        ReadExactly(stream, bytes, (int)count);
        return bytes;
    }

    private static void ReadExactly(Stream stream, byte[] buffer, int count)
    {
        if (StreamFill.Fill(stream, buffer, count) < count)
        {
            throw new EndOfStreamException("the log became shorter while it was read");
        }
    }
}
