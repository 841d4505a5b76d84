using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using JumpHost.Engine;
using JumpHost.Engine.Audit;
using JumpHost.Runtime;
using WildcardPattern = System.Management.Automation.WildcardPattern;

namespace JumpHost.Commands;

/// <summary>Reads audit records back as objects, filtered by session, host, kind and time.</summary>
[Cmdlet(VerbsCommon.Get, "JumpAuditLog")]
[OutputType(typeof(JumpAuditRecord))]
public sealed class GetJumpAuditLogCommand : JumpCmdlet
{
    /// <summary>The log files. Default: the current runspace's log.</summary>
    [Parameter(Position = 0, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [Alias("FullName")]
    public string[]? Path { get; set; }

    /// <summary>Only the records of these sessions.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? SessionId { get; set; }

    /// <summary>Only the records whose target or jump hosts match.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [Alias("ComputerName")]
    public string[]? HostName { get; set; }

    /// <summary>Only the records of these kinds.</summary>
    [Parameter]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Kind { get; set; }

    /// <summary>Only the records written at or after this time.</summary>
    [Parameter]
    public DateTime? After { get; set; }

    /// <summary>Only the records written before this time.</summary>
    [Parameter]
    public DateTime? Before { get; set; }

    protected override void ProcessRecord()
    {
        var sessions = Patterns(SessionId);
        var hosts = Patterns(HostName);
        var kinds = Patterns(Kind);
        var after = After.HasValue ? (DateTime?)After.Value.ToUniversalTime() : null;
        var before = Before.HasValue ? (DateTime?)Before.Value.ToUniversalTime() : null;

        foreach (var file in AuditLogPaths.Resolve(this, Path))
        {
            try
            {
                foreach (var result in AuditReader.Read(file))
                {
                    if (result.Record == null)
                    {
                        if (!result.Line.Terminated)
                        {
                            WriteWarning(result.Problem);
                        }
                        else
                        {
                            WriteError(ToErrorRecord(new JumpHostException(JumpErrorIds.AuditRecordInvalid, JumpErrorKind.InvalidData,
                                result.Problem + " Test-JumpAuditLog shows whether the log was changed.", file), file));
                        }

                        continue;
                    }

                    var record = result.Record;
                    if ((after.HasValue && record.Time < after.Value)
                        || (before.HasValue && record.Time >= before.Value)
                        || (kinds != null && !kinds.Any(k => k.IsMatch(record.Kind)))
                        || (sessions != null && (record.SessionId == null || !sessions.Any(s => s.IsMatch(record.SessionId))))
                        || (hosts != null && !hosts.Any(h => (record.HostName != null && h.IsMatch(record.HostName)) || record.JumpHosts.Any(h.IsMatch))))
                    {
                        continue;
                    }

                    WriteObject(record);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(AuditLogPaths.ReadError(file, ex));
            }
        }
    }

    private static WildcardPattern[]? Patterns(string[]? values) =>
        values?.Select(v => new WildcardPattern(v, WildcardOptions.IgnoreCase | WildcardOptions.CultureInvariant)).ToArray();
}

/// <summary>The log files that Get-JumpAuditLog and Test-JumpAuditLog read: those given (wildcards allowed), else the runspace's log.</summary>
internal static class AuditLogPaths
{
    public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string[]? paths)
    {
        if (paths == null || paths.Length == 0)
        {
            var current = SessionRegistry.Current.Audit.Settings.Path;
            if (File.Exists(current))
            {
                yield return current;
            }
            else
            {
                cmdlet.WriteError(NotFound(current,
                    $"The audit log {current} does not exist: nothing has been recorded there yet. Set-JumpAuditLog -PassThru shows where records go; give another log with -Path."));
            }

            yield break;
        }

        foreach (var path in paths)
        {
            var files = new List<string>();
            try
            {
                if (WildcardPattern.ContainsWildcardCharacters(path))
                {
                    files.AddRange(cmdlet.GetResolvedProviderPathFromPSPath(path, out var provider)
                        .Where(_ => provider.ImplementingType == typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
                        .Where(File.Exists));
                }
                else
                {
                    var file = cmdlet.GetUnresolvedProviderPathFromPSPath(path);
                    if (File.Exists(file))
                    {
                        files.Add(file);
                    }
                }
            }
            catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException || ex is ArgumentException)
            {
                // Reported below as not found.
            }

            if (files.Count == 0)
            {
                cmdlet.WriteError(NotFound(path, $"No audit log was found at '{path}'."));
            }

            foreach (var file in files)
            {
                yield return file;
            }
        }
    }

    public static ErrorRecord ReadError(string file, Exception ex) =>
        JumpCmdlet.ToErrorRecord(new JumpHostException(JumpErrorIds.AuditLogReadFailed, JumpErrorKind.ResourceUnavailable,
            $"The audit log {file} could not be read: {ex.Message}", file, ex), file);

    private static ErrorRecord NotFound(string path, string message) =>
        JumpCmdlet.ToErrorRecord(new JumpHostException(JumpErrorIds.AuditLogNotFound, JumpErrorKind.NotFound, message, path), path);
}
