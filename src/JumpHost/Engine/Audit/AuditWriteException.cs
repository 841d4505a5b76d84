using System;

namespace JumpHost.Engine.Audit;

/// <summary>An audit record could not be written: the path cannot be created or written, the disk is full, the lock was not had.</summary>
internal sealed class AuditWriteException : Exception
{
    public AuditWriteException(string path, string reason, Exception? inner = null)
        : base($"The audit log {path} could not be written: {reason}", inner)
    {
        Path = path;
    }

    public string Path { get; }
}
