using System;
using System.Collections.Generic;
using System.Linq;
using JumpHost.Engine.Forwarding;

namespace JumpHost.Engine.Audit;

/// <summary>
/// The events that JumpHost records, built from what the engine knows. about_JumpHost_Audit documents each kind
/// with an example; keep the two in step. Nothing here takes a secret: only names, addresses, fingerprints,
/// method names, figures and command text (which the log's redactor cleans when it is written).
/// </summary>
internal static class AuditEvents
{
    public static AuditEvent SessionOpened(ChainTrace trace)
    {
        var record = Session(AuditKinds.SessionOpened, trace);
        var hops = trace.Hops;
        record.Fields["auth"] = string.Join("+", hops[hops.Count - 1].Auth);
        record.Fields["connectMs"] = Milliseconds((trace.OpenedTime ?? DateTime.UtcNow) - trace.StartTime);
        return record;
    }

    /// <summary>A session that could not be opened: the hops as far as they got, and the error with its stable id.</summary>
    public static AuditEvent SessionFailed(ChainTrace trace, Exception error)
    {
        var record = Session(AuditKinds.SessionFailed, trace);
        var failure = error as JumpHostException;
        record.Fields["error"] = failure?.ErrorId ?? (error is OperationCanceledException ? "Canceled" : error.GetType().Name);
        record.Fields["hop"] = failure?.Target;
        record.Fields["message"] = error.Message;
        record.Fields["connectMs"] = Milliseconds(DateTime.UtcNow - trace.StartTime);
        return record;
    }

    /// <summary>A session closed: why (removed, runspace closed...), how long it was open, and why it had broken if it had.</summary>
    public static AuditEvent SessionClosed(ChainTrace trace, string reason, string? failure) => new(AuditKinds.SessionClosed, trace.Context)
    {
        Fields =
        {
            ["reason"] = reason,
            ["broken"] = failure,
            ["openMs"] = Milliseconds(DateTime.UtcNow - (trace.OpenedTime ?? trace.StartTime)),
        },
    };

    /// <summary>A command that ran (<paramref name="outcome"/>) or could not run or finish (<paramref name="error"/>).</summary>
    public static AuditEvent Command(AuditContext session, string commandId, string commandText, CommandOutcome? outcome, Exception? error, TimeSpan duration)
    {
        var record = new AuditEvent(AuditKinds.Command, session)
        {
            CommandId = commandId,
            Fields =
            {
                ["command"] = commandText,
                ["exitStatus"] = outcome?.ExitStatus,
                ["exitSignal"] = outcome?.ExitSignal,
                ["durationMs"] = Milliseconds(outcome?.Duration ?? duration),
                ["stdoutBytes"] = outcome?.OutputBytes,
                ["stderrBytes"] = outcome?.ErrorBytes,
            },
        };
        if (error != null)
        {
            record.Fields["error"] = (error as JumpHostException)?.ErrorId ?? (error is OperationCanceledException ? "Canceled" : error.GetType().Name);
            record.Fields["message"] = error.Message;
        }

        return record;
    }

    public static AuditEvent ForwardStarted(AuditContext session, Forward forward) => new(AuditKinds.ForwardStarted, session)
    {
        ForwardId = forward.AuditId,
        Fields =
        {
            ["type"] = KindName(forward.Kind),
            ["localEndpoint"] = forward.LocalEndpoint,
            ["remoteEndpoint"] = forward.RemoteEndpoint,
        },
    };

    /// <summary>A forward stopped, with its final figures. The endpoints are those recorded when it started.</summary>
    public static AuditEvent ForwardStopped(AuditContext session, Forward forward, string localEndpoint, string remoteEndpoint, string reason) =>
        new(AuditKinds.ForwardStopped, session)
        {
            ForwardId = forward.AuditId,
            Fields =
            {
                ["type"] = KindName(forward.Kind),
                ["localEndpoint"] = localEndpoint,
                ["remoteEndpoint"] = remoteEndpoint,
                ["reason"] = reason,
                ["connections"] = forward.Counters.TotalConnections,
                ["failedConnections"] = forward.Counters.FailedConnections,
                ["bytesSent"] = forward.Counters.BytesSent,
                ["bytesReceived"] = forward.Counters.BytesReceived,
                ["durationMs"] = Milliseconds(DateTime.Now - forward.StartTime),
                ["lastError"] = forward.Counters.LastError,
            },
        };

    /// <summary>
    /// A file copied to (upload) or from (download) a session's target. <paramref name="sha256"/> is the content's
    /// SHA-256 as 64 hex digits when it was computed; <paramref name="length"/> the bytes copied, when known;
    /// <paramref name="error"/> null when the copy succeeded.
    /// </summary>
    public static AuditEvent Transfer(
        AuditContext session,
        TransferDirection direction,
        string sourcePath,
        string destinationPath,
        long? length,
        string? sha256,
        TimeSpan duration,
        Exception? error)
    {
        var record = new AuditEvent(AuditKinds.Transfer, session)
        {
            Fields =
            {
                ["direction"] = direction == TransferDirection.Upload ? "upload" : "download",
                ["source"] = sourcePath,
                ["destination"] = destinationPath,
                ["length"] = length,
                ["sha256"] = sha256,
                ["durationMs"] = Milliseconds(duration),
                ["outcome"] = error == null ? "completed" : "failed",
            },
        };
        if (error != null)
        {
            record.Fields["error"] = (error as JumpHostException)?.ErrorId ?? (error is OperationCanceledException ? "Canceled" : error.GetType().Name);
            record.Fields["message"] = error.Message;
        }

        return record;
    }

    private static AuditEvent Session(string kind, ChainTrace trace)
    {
        var target = trace.Target;
        var record = new AuditEvent(kind, trace.Context)
        {
            Fields =
            {
                ["target"] = new AuditFields { ["name"] = target.Name, ["host"] = target.Host, ["port"] = target.Port, ["user"] = target.User },
                ["hops"] = trace.Hops.Select(Hop).ToList(),
            },
        };
        if (trace.Via != null)
        {
            record.Fields["viaSessionId"] = trace.Via.SessionId;
        }

        return record;
    }

    private static AuditFields Hop(HopFacts hop)
    {
        var fields = new AuditFields
        {
            ["name"] = hop.Name,
            ["host"] = hop.Host,
            ["port"] = hop.Port,
            ["user"] = hop.User,
            ["address"] = hop.Address,
            ["through"] = hop.Through,
            ["hostKeyType"] = hop.HostKeyType,
            ["hostKeyFingerprint"] = hop.HostKeyFingerprint,
            ["trust"] = hop.Trust,
            ["trustSource"] = hop.TrustSource,
            ["policy"] = PolicyName(hop.Policy),
            ["auth"] = (IEnumerable<string>)hop.Auth,
        };
        if (hop.Reused)
        {
            fields["reused"] = true;
        }

        return fields;
    }

    private static string KindName(JumpForwardKind kind) => kind switch
    {
        JumpForwardKind.Remote => "remote",
        JumpForwardKind.Dynamic => "dynamic",
        _ => "local",
    };

    /// <summary>The policy as ssh_config's StrictHostKeyChecking names it.</summary>
    private static string PolicyName(JumpHostKeyPolicy policy) => policy switch
    {
        JumpHostKeyPolicy.AcceptNew => "accept-new",
        JumpHostKeyPolicy.Ask => "ask",
        _ => "strict",
    };

    private static long Milliseconds(TimeSpan duration) => (long)Math.Round(Math.Max(0, duration.TotalMilliseconds));
}

/// <summary>Which way a transfer copied: to the session's target, or from it.</summary>
internal enum TransferDirection
{
    Upload,
    Download,
}
