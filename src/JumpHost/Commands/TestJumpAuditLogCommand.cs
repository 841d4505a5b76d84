using System;
using System.IO;
using System.Management.Automation;
using JumpHost.Engine.Audit;

namespace JumpHost.Commands;

/// <summary>Verifies the hash chain of audit logs and reports the first line where it breaks.</summary>
[Cmdlet(VerbsDiagnostic.Test, "JumpAuditLog")]
[OutputType(typeof(JumpAuditVerification))]
public sealed class TestJumpAuditLogCommand : JumpCmdlet
{
    /// <summary>The log files. Default: the current runspace's log.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [Alias("FullName")]
    public string[]? Path { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var file in AuditLogPaths.Resolve(this, Path))
        {
            try
            {
                var result = AuditVerifier.Verify(file);
                WriteVerbose(result.Valid
                    ? $"{file}: {result.RecordCount} records, chain intact; the last line's SHA-256 is {result.LastHash}."
                    : $"{file}: the chain breaks at line {result.FirstBrokenLine} ({result.Problem}).");
                WriteObject(result);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(AuditLogPaths.ReadError(file, ex));
            }
        }
    }
}
