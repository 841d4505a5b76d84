using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Linq;

namespace JumpHost;

/// <summary>One record of a JumpHost audit log, as Get-JumpAuditLog reads it. about_JumpHost_Audit describes the fields of each kind.</summary>
public sealed class JumpAuditRecord
{
    private static readonly IReadOnlyDictionary<string, object?> NoFields =
        new ReadOnlyDictionary<string, object?>(new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase));

    public JumpAuditRecord(
        DateTime time,
        string kind,
        long sequence,
        string? sessionId,
        string? chainId,
        string? commandId,
        string? forwardId,
        string? hostName,
        string[]? jumpHosts,
        string? user,
        string? machine,
        int processId,
        bool redacted,
        IDictionary? fields,
        string? path)
    {
        Time = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
        Kind = kind ?? throw new ArgumentNullException(nameof(kind));
        Sequence = sequence;
        SessionId = sessionId;
        ChainId = chainId;
        CommandId = commandId;
        ForwardId = forwardId;
        HostName = hostName;
        JumpHosts = jumpHosts == null ? Array.Empty<string>() : (string[])jumpHosts.Clone();
        User = user;
        Machine = machine;
        ProcessId = processId;
        Redacted = redacted;
        Fields = fields == null ? NoFields : Copy(fields);
        Path = path;
    }

    /// <summary>When it happened, in UTC.</summary>
    public DateTime Time { get; }

    /// <summary>session.opened, session.failed, session.closed, command, forward.started, forward.stopped, transfer, log.start, log.settings or log.recovered.</summary>
    public string Kind { get; }

    /// <summary>The record's number in its file: 1 for the log.start record, and the line number in a file that verifies.</summary>
    public long Sequence { get; }

    public string? SessionId { get; }

    public string? ChainId { get; }

    public string? CommandId { get; }

    public string? ForwardId { get; }

    /// <summary>The target of the session the record is about.</summary>
    public string? HostName { get; }

    /// <summary>The jump hosts of that session, first hop first.</summary>
    public string[] JumpHosts { get; }

    /// <summary>The local user who ran the module.</summary>
    public string? User { get; }

    /// <summary>The local computer's name.</summary>
    public string? Machine { get; }

    /// <summary>The id of the PowerShell process that wrote the record.</summary>
    public int ProcessId { get; }

    /// <summary>True when redaction patterns replaced text of the fields with [REDACTED].</summary>
    public bool Redacted { get; }

    /// <summary>The kind-specific fields: strings, numbers (Int64 or Double), booleans, null, object[] and nested dictionaries.</summary>
    public IReadOnlyDictionary<string, object?> Fields { get; }

    /// <summary>The log file the record was read from.</summary>
    public string? Path { get; }

    /// <summary>One line on what happened, from the fields of the record's kind.</summary>
    public string Summary => Kind switch
    {
        "command" => Join(Text("command"), Field("exitStatus") is { } status ? $"(exit {status})" : Text("exitSignal") is { } signal ? $"(signal {signal})" : null),
        "session.opened" => Join(Route(), Text("auth") is { } auth ? $"({auth})" : null),
        "session.failed" => Join(Route(), Text("error") is { } error ? $"({error})" : null),
        "session.closed" => Join(Route(), Text("reason") is { } reason ? $"({reason})" : null),
        "forward.started" or "forward.stopped" => Text("type") == "remote"
            ? Join(Text("type"), Text("remoteEndpoint"), "->", Text("localEndpoint"))
            : Join(Text("type"), Text("localEndpoint"), "->", Text("remoteEndpoint")),
        "transfer" => Join(
            Text("direction"),
            Text("source"),
            "->",
            Text("destination"),
            Field("length") is { } length ? $"({length} bytes)" : null,
            Text("outcome") == "failed" ? "(failed)" : null),
        "log.settings" => Field("enabled") is false ? "auditing disabled" : Join(Text("path"), Field("required") is true ? "(required)" : null),
        "log.start" => Text("path") ?? string.Empty,
        "log.recovered" => Field("discardedBytes") is { } bytes ? $"{bytes} bytes of an unfinished line recovered" : string.Empty,
        _ => string.Empty,
    };

    public override string ToString() => $"{Time.ToString("u", CultureInfo.InvariantCulture)} {Kind} {Summary}".TrimEnd();

    /// <summary>Case-insensitive, as PowerShell reads names: <c>$r.Fields.ExitStatus</c> finds exitStatus.</summary>
    private static IReadOnlyDictionary<string, object?> Copy(IDictionary fields)
    {
        var copy = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (DictionaryEntry pair in fields)
        {
            copy[Convert.ToString(pair.Key, CultureInfo.InvariantCulture) ?? string.Empty] = pair.Value;
        }

        return new ReadOnlyDictionary<string, object?>(copy);
    }

    private object? Field(string name) => Fields.TryGetValue(name, out var value) ? value : null;

    private string? Text(string name) => Field(name) is { } value ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;

    private string? Route() =>
        HostName == null ? null : JumpHosts.Length == 0 ? HostName : $"{HostName} via {string.Join(",", JumpHosts)}";

    private static string Join(params string?[] parts) => string.Join(" ", parts.Where(p => !string.IsNullOrEmpty(p)));
}
