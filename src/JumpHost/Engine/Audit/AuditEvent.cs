using System;
using System.Collections.Generic;
using System.Security.Cryptography;

namespace JumpHost.Engine.Audit;

/// <summary>The kinds of audit records. about_JumpHost_Audit documents the fields of each.</summary>
internal static class AuditKinds
{
    public const string LogStart = "log.start";
    public const string LogSettings = "log.settings";
    public const string LogRecovered = "log.recovered";
    public const string SessionOpened = "session.opened";
    public const string SessionFailed = "session.failed";
    public const string SessionClosed = "session.closed";
    public const string Command = "command";
    public const string ForwardStarted = "forward.started";
    public const string ForwardStopped = "forward.stopped";
    public const string Transfer = "transfer";
}

/// <summary>Why a session closed or a forward stopped: the <c>reason</c> field of session.closed and forward.stopped.</summary>
internal static class AuditReasons
{
    /// <summary>Closed by the code that opened it (a session that failed to start a forward, say).</summary>
    public const string Closed = "closed";

    /// <summary>Remove-JumpSession.</summary>
    public const string Removed = "removed";

    /// <summary>Stop-PortForward.</summary>
    public const string Stopped = "stopped";

    /// <summary>The session Invoke-JumpCommand -HostName opened for its command, closed after it.</summary>
    public const string CommandFinished = "command-finished";

    /// <summary>The session Start-PortForward -HostName opened for its forward, closed when the forward stopped.</summary>
    public const string ForwardStopped = "forward-stopped";

    /// <summary>A session closed because the -Via session it was opened through closed.</summary>
    public const string ViaClosed = "via-closed";

    /// <summary>A forward stopped because its session closed.</summary>
    public const string SessionClosed = "session-closed";

    public const string RunspaceClosed = "runspace-closed";

    public const string ModuleRemoved = "module-removed";

    /// <summary>Opened, but its session.opened record could not be written to the required log: no audit, no access.</summary>
    public const string NotAudited = "not-audited";
}

/// <summary>Correlation ids for audit records: random, so that they are unique across runspaces, processes and computers.</summary>
internal static class AuditIds
{
    /// <summary>A new id: 16 lowercase hex digits (64 random bits).</summary>
    public static string New()
    {
        var bytes = new byte[8];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(bytes);
        }

        return AuditHash.Hex(bytes);
    }
}

/// <summary>
/// What every record about one session shares: its ids, its target and its jump hosts. Keep one per session
/// and build each event from it, so that Get-JumpAuditLog -SessionId and -HostName find all of them.
/// </summary>
internal sealed class AuditContext
{
    public AuditContext(string sessionId, string? chainId, string? hostName, IEnumerable<string>? jumpHosts)
    {
        SessionId = sessionId;
        ChainId = chainId;
        HostName = hostName;
        JumpHosts = jumpHosts == null ? Array.Empty<string>() : new List<string>(jumpHosts).ToArray();
    }

    public string SessionId { get; }

    public string? ChainId { get; }

    /// <summary>The target's host name.</summary>
    public string? HostName { get; }

    /// <summary>The host names of the jump hosts, first hop first.</summary>
    public IReadOnlyList<string> JumpHosts { get; }
}

/// <summary>
/// One thing that happened, to be written as one audit record. The record adds who and where (local user,
/// computer, process), its sequence number and the hash chain.
/// <code>
/// audit.Record(new AuditEvent(AuditKinds.Command, context)
/// {
///     CommandId = AuditIds.New(),
///     Fields = { ["command"] = text, ["exitStatus"] = 0, ["durationMs"] = 812 },
/// });
/// </code>
/// </summary>
internal sealed class AuditEvent
{
    public AuditEvent(string kind)
    {
        if (string.IsNullOrEmpty(kind))
        {
            throw new ArgumentException("An audit event needs a kind.", nameof(kind));
        }

        Kind = kind;
    }

    /// <summary>An event about a session: its ids, target and jump hosts come from the context.</summary>
    public AuditEvent(string kind, AuditContext? context)
        : this(kind)
    {
        if (context != null)
        {
            SessionId = context.SessionId;
            ChainId = context.ChainId;
            HostName = context.HostName;
            JumpHosts.AddRange(context.JumpHosts);
        }
    }

    /// <summary>The kind, e.g. session.opened or command (see <see cref="AuditKinds"/>).</summary>
    public string Kind { get; }

    /// <summary>When it happened, in UTC. Default: when the event was built.</summary>
    public DateTime Time { get; init; } = DateTime.UtcNow;

    public string? SessionId { get; init; }

    public string? ChainId { get; init; }

    public string? CommandId { get; init; }

    public string? ForwardId { get; init; }

    /// <summary>The target's host name: Get-JumpAuditLog -HostName matches it and the jump hosts.</summary>
    public string? HostName { get; init; }

    /// <summary>The jump hosts' host names, first hop first: <c>JumpHosts = { "relay1", "relay2" }</c>.</summary>
    public List<string> JumpHosts { get; } = new();

    /// <summary>The kind-specific fields. Never put a password, passphrase, one-time password or key material here.</summary>
    public AuditFields Fields { get; } = new();
}
