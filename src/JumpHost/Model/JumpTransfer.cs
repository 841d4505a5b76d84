using System;

namespace JumpHost;

/// <summary>Which way a file went.</summary>
public enum JumpTransferDirection
{
    /// <summary>From this computer to the session's target.</summary>
    Upload,

    /// <summary>From the session's target to this computer.</summary>
    Download,
}

/// <summary>One file copied by Copy-JumpItem.</summary>
public sealed class JumpTransfer
{
    public JumpTransfer(JumpTransferDirection direction, string source, string destination, long length, TimeSpan duration, long resumedFrom, string? sha256)
    {
        Direction = direction;
        Source = source;
        Destination = destination;
        Length = length;
        Duration = duration;
        ResumedFrom = resumedFrom;
        Sha256 = sha256;
    }

    public JumpTransferDirection Direction { get; }

    public string Source { get; }

    public string Destination { get; }

    /// <summary>The file's length in bytes.</summary>
    public long Length { get; }

    public TimeSpan Duration { get; }

    /// <summary>Bytes per second actually moved (a resumed copy counts only what it sent).</summary>
    public double BytesPerSecond => Duration.TotalSeconds > 0 ? (Length - ResumedFrom) / Duration.TotalSeconds : 0;

    /// <summary>Where a resumed copy started (0 when the whole file was copied).</summary>
    public long ResumedFrom { get; }

    /// <summary>With -Verify: the SHA-256 (hex) both sides computed and found equal.</summary>
    public string? Sha256 { get; }

    public override string ToString() => $"{Source} -> {Destination}";
}

/// <summary>A file or directory on a session's target, as Get-JumpChildItem lists it.</summary>
public sealed class JumpRemoteItem
{
    public JumpRemoteItem(string name, string fullName, long length, string mode, DateTime lastWriteTime, bool isDirectory, bool isSymbolicLink)
    {
        Name = name;
        FullName = fullName;
        Length = length;
        Mode = mode;
        LastWriteTime = lastWriteTime;
        IsDirectory = isDirectory;
        IsSymbolicLink = isSymbolicLink;
    }

    public string Name { get; }

    /// <summary>The absolute path on the target.</summary>
    public string FullName { get; }

    public long Length { get; }

    /// <summary>Type and permission bits as ls -l shows them, e.g. -rw-r--r--.</summary>
    public string Mode { get; }

    public DateTime LastWriteTime { get; }

    public bool IsDirectory { get; }

    public bool IsSymbolicLink { get; }

    public override string ToString() => FullName;
}
