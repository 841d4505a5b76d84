using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using JumpHost.Engine;
using JumpHost.Engine.Audit;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Sets where the current runspace's audit records go, whether they are required, and what is redacted; or turns auditing off.</summary>
[Cmdlet(VerbsCommon.Set, "JumpAuditLog", DefaultParameterSetName = EnableSet, SupportsShouldProcess = true)]
[OutputType(typeof(JumpAuditSettings))]
public sealed class SetJumpAuditLogCommand : JumpCmdlet
{
    private const string EnableSet = "Enable";
    private const string DisableSet = "Disable";

    /// <summary>The log file. Default: the current one (at first JUMPHOST_AUDIT_LOG, else the per-user default).</summary>
    [Parameter(Position = 0, ParameterSetName = EnableSet)]
    [ValidateNotNullOrEmpty]
    public string? Path { get; set; }

    /// <summary>No audit, no access: an operation whose record cannot be written fails.</summary>
    [Parameter(ParameterSetName = EnableSet)]
    public SwitchParameter Required { get; set; }

    /// <summary>Regular expressions for secrets to take out of records, added to the built-in ones; replaces the previous list.</summary>
    [Parameter(ParameterSetName = EnableSet)]
    [AllowEmptyCollection]
    [ValidateNotNull]
    public string[]? Redact { get; set; }

    /// <summary>Turns auditing off in this runspace.</summary>
    [Parameter(Mandatory = true, ParameterSetName = DisableSet)]
    public SwitchParameter Disable { get; set; }

    /// <summary>Returns the settings.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void EndProcessing()
    {
        var audit = SessionRegistry.Current.Audit;
        var old = audit.Settings;
        AuditSettings next;
        if (Disable)
        {
            next = old.With(enabled: false, required: false);
        }
        else
        {
            var path = old.Path;
            if (Path != null)
            {
                path = ResolvePath(Path);
            }

            if (Redact != null)
            {
                foreach (var pattern in Redact)
                {
                    if ((pattern == null ? "a pattern is null" : AuditRedactor.Validate(pattern)) is { } problem)
                    {
                        ThrowTerminatingError(ToErrorRecord(new JumpHostException(JumpErrorIds.AuditRedactPatternInvalid, JumpErrorKind.InvalidArgument,
                            $"The redaction pattern '{pattern}' is not a valid regular expression: {problem}", pattern), pattern));
                    }
                }
            }

            var required = MyInvocation.BoundParameters.ContainsKey(nameof(Required)) ? Required.IsPresent : old.Required;
            next = new AuditSettings(true, path, required, Redact ?? old.Redact);
        }

        var action = !next.Enabled ? "Turn auditing off" : next.Required ? "Write audit records (required)" : "Write audit records";
        if (!ShouldProcess(next.Path, action))
        {
            return;
        }

        audit.Settings = next;

        // The change is itself a record: in the log that receives records now, and in the log that stops
        // receiving them (turned off, or moved) when that log exists, so that its history shows the gap; a log
        // never written to is not created for that. The new settings apply either way. A failure to write the old
        // log is a non-terminating error (its settings no longer govern anything); a failure to write the new log
        // is a terminating one when the new log is required.
        var record = SettingsEvent(old, next);
        var moved = next.Enabled && !SamePath(old.Path, next.Path);
        if (old.Enabled && (!next.Enabled || moved) && File.Exists(old.Path))
        {
            Report(record, old.Required ? old.With(required: false) : old);
        }

        var stop = next.Enabled ? Report(record, next) : null;

        WriteVerbose(next.Enabled
            ? $"Audit records of this runspace go to {next.Path}{(next.Required ? "; an operation whose record cannot be written fails" : string.Empty)}."
            : $"Auditing is off in this runspace; {next.Path} is kept for Get-JumpAuditLog and Test-JumpAuditLog.");
        if (PassThru)
        {
            WriteObject(ToModel(next));
        }

        if (stop != null)
        {
            ThrowTerminatingError(ToErrorRecord(stop, stop.Target));
        }
    }

    internal static JumpAuditSettings ToModel(AuditSettings settings) =>
        new(settings.Enabled, settings.Path, settings.Required, settings.Redact.ToArray(), AuditRedactor.BuiltInPatterns.ToArray());

    /// <summary>Writes the record; a failure is written as an error, or returned when it must stop the command.</summary>
    private JumpHostException? Report(AuditEvent record, AuditSettings settings)
    {
        try
        {
            if (AuditLog.Record(record, settings) is { } failure)
            {
                WriteError(ToErrorRecord(failure, failure.Target));
            }

            return null;
        }
        catch (JumpHostException required)
        {
            return required;
        }
    }

    /// <summary>
    /// A log.settings record: who changed auditing (the record's user, computer and process) and to what. The
    /// redaction patterns are counted, not written: a pattern may be a literal secret.
    /// </summary>
    private static AuditEvent SettingsEvent(AuditSettings old, AuditSettings next)
    {
        var record = new AuditEvent(AuditKinds.LogSettings)
        {
            Fields =
            {
                ["enabled"] = next.Enabled,
                ["path"] = next.Path,
                ["required"] = next.Required,
                ["redactPatterns"] = next.Redact.Count,
                ["previousEnabled"] = old.Enabled,
            },
        };
        if (!SamePath(old.Path, next.Path))
        {
            record.Fields["previousPath"] = old.Path;
        }

        return record;
    }

    private static bool SamePath(string a, string b) =>
        string.Equals(a, b, RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    private string ResolvePath(string path)
    {
        string resolved;
        ProviderInfo provider;
        try
        {
            resolved = SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _);
        }
        catch (Exception ex) when (ex is ItemNotFoundException || ex is System.Management.Automation.DriveNotFoundException || ex is ProviderNotFoundException || ex is NotSupportedException || ex is ArgumentException)
        {
            ThrowTerminatingError(PathError(path, ex.Message, ex));
            throw;
        }

        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            ThrowTerminatingError(PathError(path, $"it is a {provider.Name} path, not a file system path", null));
        }

        if (Directory.Exists(resolved))
        {
            ThrowTerminatingError(PathError(path, "it is a folder; give the path of a file in it, e.g. " + System.IO.Path.Combine(resolved, "audit.jsonl"), null));
        }

        return resolved;
    }

    private static ErrorRecord PathError(string path, string reason, Exception? inner) =>
        ToErrorRecord(new JumpHostException(JumpErrorIds.AuditPathInvalid, JumpErrorKind.InvalidArgument,
            $"'{path}' cannot be an audit log: {reason}.", path, inner), path);
}
