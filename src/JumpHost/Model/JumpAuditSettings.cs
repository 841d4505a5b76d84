namespace JumpHost;

/// <summary>The audit settings of the current runspace (Set-JumpAuditLog -PassThru).</summary>
public sealed class JumpAuditSettings
{
    public JumpAuditSettings(bool enabled, string path, bool required, string[] redact, string[] builtInRedact)
    {
        Enabled = enabled;
        Path = path;
        Required = required;
        Redact = (string[])redact.Clone();
        BuiltInRedact = (string[])builtInRedact.Clone();
    }

    /// <summary>Whether records are written.</summary>
    public bool Enabled { get; }

    /// <summary>The log file: where records go, and what Get-JumpAuditLog and Test-JumpAuditLog read without -Path.</summary>
    public string Path { get; }

    /// <summary>No audit, no access: an operation whose record cannot be written fails.</summary>
    public bool Required { get; }

    /// <summary>Your redaction patterns.</summary>
    public string[] Redact { get; }

    /// <summary>The patterns that always apply.</summary>
    public string[] BuiltInRedact { get; }
}
