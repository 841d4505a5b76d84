using System;
using System.Collections.Concurrent;
using System.Collections.Generic;

namespace JumpHost.Engine.Audit;

/// <summary>
/// The audit log of one runspace: its settings (Set-JumpAuditLog changes them) and the methods that record
/// events. Thread-safe: background threads may record while the pipeline changes the settings; each record
/// is written under one settings object.
/// <para>
/// Call sites use <see cref="Record"/>: it returns null when the record was written (or auditing is off),
/// returns the error to report (a non-terminating error) when it was not, and throws that error instead when
/// the settings say the log is required, so that the operation stops:
/// </para>
/// <code>
/// var failure = audit.Record(AuditEvents.Command(chain.Trace.Context, commandId, text, outcome, null, elapsed));
/// if (failure != null) WriteError(ToErrorRecord(failure, failure.Target));
/// </code>
/// </summary>
internal sealed class AuditLog
{
    private readonly ConcurrentQueue<JumpHostException> _unreported = new();
    private volatile AuditSettings _settings;

    public AuditLog(AuditSettings settings)
    {
        _settings = settings;
    }

    /// <summary>A log with the settings a new runspace starts with (see <see cref="AuditSettings.FromEnvironment"/>).</summary>
    public static AuditLog CreateDefault() => new(AuditSettings.FromEnvironment());

    public AuditSettings Settings
    {
        get => _settings;
        set => _settings = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Writes the event under the given settings; nothing when they turn auditing off. Throws <see cref="AuditWriteException"/>.</summary>
    public static void Write(AuditEvent record, AuditSettings settings)
    {
        if (record == null)
        {
            throw new ArgumentNullException(nameof(record));
        }

        if (settings.Enabled)
        {
            AuditFile.Append(settings.Path, record, settings.Redactor);
        }
    }

    /// <summary>
    /// Writes the event. Returns null when it was written or auditing is off; returns an AuditWriteFailed error
    /// to report when it could not be written; throws that error when the log is required (Set-JumpAuditLog
    /// -Required), so that the caller's operation stops.
    /// </summary>
    public JumpHostException? Record(AuditEvent record) => Record(record, _settings);

    /// <summary>As <see cref="Record(AuditEvent)"/>, under the given settings.</summary>
    public static JumpHostException? Record(AuditEvent record, AuditSettings settings)
    {
        try
        {
            Write(record, settings);
            return null;
        }
        catch (AuditWriteException ex)
        {
            return Fail(ex, settings, record.Kind);
        }
    }

    /// <summary>
    /// Writes the record of something that cannot be stopped any more (a session or forward closing, perhaps on a
    /// background thread): never throws, even when the log is required; a failure waits in
    /// <see cref="TakeUnreported"/> for the next cmdlet to report it.
    /// </summary>
    public void RecordLater(AuditEvent record)
    {
        var settings = _settings;
        try
        {
            Write(record, settings);
        }
        catch (AuditWriteException ex)
        {
            _unreported.Enqueue(Fail(ex, settings.With(required: false), record.Kind)!);
        }
    }

    /// <summary>The failures of <see cref="RecordLater"/> not reported yet; each is returned once.</summary>
    public IReadOnlyList<JumpHostException> TakeUnreported()
    {
        var failures = new List<JumpHostException>();
        while (_unreported.TryDequeue(out var failure))
        {
            failures.Add(failure);
        }

        return failures;
    }

    /// <summary>
    /// For an operation whose record can only be written after it (a command's exit status): whether the log can
    /// be written now, with the same contract as <see cref="Record(AuditEvent)"/>. A required log that cannot be
    /// written then refuses the operation before it starts: no audit, no access.
    /// </summary>
    public JumpHostException? Check()
    {
        var settings = _settings;
        if (!settings.Enabled)
        {
            return null;
        }

        try
        {
            AuditFile.Check(settings.Path);
            return null;
        }
        catch (AuditWriteException ex)
        {
            return Fail(ex, settings, kind: null);
        }
    }

    /// <summary>The error for a record that could not be written: returned, or thrown when the log is required.</summary>
    public static JumpHostException? Fail(AuditWriteException ex, AuditSettings settings, string? kind)
    {
        var what = kind == null ? "The audit log cannot be written" : $"The {kind} audit record was not written";
        var error = settings.Required
            ? new JumpHostException(JumpErrorIds.AuditWriteFailed, JumpErrorKind.WriteError,
                $"{what}, and the audit log is required (Set-JumpAuditLog -Required), so the operation is stopped: {ex.Message}", ex.Path, ex)
            : new JumpHostException(JumpErrorIds.AuditWriteFailed, JumpErrorKind.WriteError,
                $"{what}: {ex.Message} The audit log is not required, so the operation is not stopped; give a path that can be written with Set-JumpAuditLog -Path.", ex.Path, ex);
        if (settings.Required)
        {
            throw error;
        }

        return error;
    }
}
