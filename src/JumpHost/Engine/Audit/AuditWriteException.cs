using System;

namespace JumpHost.Engine.Audit;

/// <summary>An audit record could not be written: the path cannot be created or written, the disk is full, the lock was not had.</summary>
internal sealed class AuditWriteException : Exception
{
    public AuditWriteException(string path, string reason, Exception? inner = null)
        : base($"The audit log {path} could not be written: {reason}", inner)
    {
        Path = path;
        Reason = reason;
    }

    public string Path { get; }

    /// <summary>Why, in a few words (the system's message).</summary>
    public string Reason { get; }
}
