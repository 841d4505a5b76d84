namespace JumpHost;

/// <summary>What breaks an audit log's hash chain first.</summary>
public enum JumpAuditProblem
{
    /// <summary>The chain verifies from the first line to the last.</summary>
    None,

    /// <summary>A record was changed after it was written.</summary>
    Edited,

    /// <summary>One or more records are missing.</summary>
    Removed,

    /// <summary>One or more lines were added, or a record was copied, between records.</summary>
    Inserted,

    /// <summary>The last line is unfinished: a write was cut off (a crash, a full disk). The lines before it verify.</summary>
    Truncated,

    /// <summary>The first line is not a JumpHost audit record.</summary>
    NotAnAuditLog,
}

/// <summary>The result of verifying one audit log's hash chain (Test-JumpAuditLog).</summary>
public sealed class JumpAuditVerification
{
    public JumpAuditVerification(string path, bool valid, long recordCount, long? firstBrokenLine, JumpAuditProblem problem, string? reason, string? lastHash)
    {
        Path = path;
        Valid = valid;
        RecordCount = recordCount;
        FirstBrokenLine = firstBrokenLine;
        Problem = problem;
        Reason = reason;
        LastHash = lastHash;
    }

    public string Path { get; }

    /// <summary>True when every line is a record that follows the one before it.</summary>
    public bool Valid { get; }

    /// <summary>How many records verify: all of them when Valid, else those before the break.</summary>
    public long RecordCount { get; }

    /// <summary>The first line that cannot be trusted; null when Valid.</summary>
    public long? FirstBrokenLine { get; }

    public JumpAuditProblem Problem { get; }

    /// <summary>Why the chain breaks there; null when Valid.</summary>
    public string? Reason { get; }

    /// <summary>
    /// The SHA-256 of the last verified line. Keep it elsewhere: a later check whose chain still passes through
    /// it shows that nothing up to it was removed from the end or rewritten since.
    /// </summary>
    public string? LastHash { get; }

    public override string ToString() => Valid ? $"{Path}: valid, {RecordCount} records" : $"{Path}: broken at line {FirstBrokenLine}: {Reason}";
}
