using System;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine;
using JumpHost.Engine.Audit;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>What every JumpHost cmdlet shares: Ctrl+C cancellation, background-to-pipeline messages, error records.</summary>
public abstract class JumpCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    internal CancellationToken StopToken => _stopping.Token;

    internal PipelineBridge Bridge { get; } = new();

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (disposing)
        {
            _stopping.Dispose();
        }
    }

    protected override void StopProcessing()
    {
        _stopping.Cancel();
    }

    /// <summary>A verbose message from any thread; it is written on the pipeline thread.</summary>
    internal void Log(string message) => Bridge.Post(() => WriteVerbose(message));

    /// <summary>Waits for background work on the pipeline thread, writing its messages meanwhile; Ctrl+C stops it.</summary>
    internal T Await<T>(Task<T> work)
    {
        try
        {
            return Bridge.Wait(work, StopToken);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    internal void Await(Task work)
    {
        try
        {
            Bridge.Wait(work, StopToken);
        }
        catch (OperationCanceledException) when (StopToken.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Writes an audit record from any thread. A record that could not be written is a non-terminating error
    /// (written on the pipeline thread), also when the log is required: what it records has already happened.
    /// </summary>
    internal void RecordAudit(AuditLog audit, AuditEvent record)
    {
        JumpHostException? failure;
        try
        {
            failure = audit.Record(record);
        }
        catch (JumpHostException required)
        {
            failure = required;
        }

        if (failure != null)
        {
            Bridge.Post(() => WriteError(ToErrorRecord(failure, failure.Target)));
        }
    }

    /// <summary>Writes the errors of audit records that could not be written when sessions or forwards ended.</summary>
    internal static void ReportUnrecorded(Cmdlet cmdlet, AuditLog audit)
    {
        foreach (var failure in audit.TakeUnreported())
        {
            cmdlet.WriteError(ToErrorRecord(failure, failure.Target));
        }
    }

    /// <summary>A session that cannot carry the work: closed, broken, or built by a script rather than opened.</summary>
    internal static JumpHostException SessionNotOpen(JumpSession session, string remedy) =>
        new(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
            $"Session {session} is {(session.State == JumpSessionState.Opened ? "not a live session (it was built, not opened)" : session.State.ToString().ToLowerInvariant())}. {remedy}",
            session.ToString());

    internal static ErrorRecord ToErrorRecord(JumpHostException ex, object? target) =>
        new(ex, ex.ErrorId, CategoryOf(ex.Kind), target ?? ex.Target);

    internal static ErrorRecord ToErrorRecord(string errorId, ErrorCategory category, string message, object? target) =>
        new(new InvalidOperationException(message), errorId, category, target);

    private static ErrorCategory CategoryOf(JumpErrorKind kind) => kind switch
    {
        JumpErrorKind.InvalidArgument => ErrorCategory.InvalidArgument,
        JumpErrorKind.NotFound => ErrorCategory.ObjectNotFound,
        JumpErrorKind.Connection => ErrorCategory.ConnectionError,
        JumpErrorKind.Timeout => ErrorCategory.OperationTimeout,
        JumpErrorKind.Security => ErrorCategory.SecurityError,
        JumpErrorKind.Authentication => ErrorCategory.AuthenticationError,
        JumpErrorKind.InvalidData => ErrorCategory.InvalidData,
        JumpErrorKind.InvalidOperation => ErrorCategory.InvalidOperation,
        JumpErrorKind.WriteError => ErrorCategory.WriteError,
        JumpErrorKind.ResourceUnavailable => ErrorCategory.ResourceUnavailable,
        JumpErrorKind.ResourceExists => ErrorCategory.ResourceExists,
        JumpErrorKind.PermissionDenied => ErrorCategory.PermissionDenied,
        _ => ErrorCategory.NotSpecified,
    };
}
