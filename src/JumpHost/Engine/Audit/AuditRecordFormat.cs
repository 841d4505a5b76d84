using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace JumpHost.Engine.Audit;

/// <summary>
/// The layout of one record line, fixed so that the same record is always the same bytes:
/// <c>seq, time, kind, user, machine, pid, sessionId, chainId, commandId, forwardId, host, via, redacted, fields, prev</c>.
/// Ids, host, via and redacted are left out when they have no value; fields is left out when empty.
/// </summary>
internal static class AuditRecordFormat
{
    /// <summary>The format a log.start record names; a reader that does not know it says so.</summary>
    public const string Version = "jumphost-audit/1";

    public const string Seq = "seq";
    public const string Time = "time";
    public const string Kind = "kind";
    public const string User = "user";
    public const string Machine = "machine";
    public const string Pid = "pid";
    public const string SessionId = "sessionId";
    public const string ChainId = "chainId";
    public const string CommandId = "commandId";
    public const string ForwardId = "forwardId";
    public const string Host = "host";
    public const string Via = "via";
    public const string Redacted = "redacted";
    public const string Fields = "fields";
    public const string Prev = "prev";

    private static readonly Lazy<(string User, string Machine, int ProcessId)> Who = new(() =>
    {
        using var process = Process.GetCurrentProcess();
        return (SafeUserName(), SafeMachineName(), process.Id);
    });

    private static readonly string ModuleVersion =
        typeof(AuditRecordFormat).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(AuditRecordFormat).Assembly.GetName().Version?.ToString()
        ?? "unknown";

    /// <summary>One record as its line (without the line feed). Every string of the fields passes the redactor.</summary>
    public static string Line(long seq, AuditEvent record, AuditRedactor redactor, string prev)
    {
        var redacted = false;
        var fields = new StringBuilder();
        if (record.Fields.Count > 0)
        {
            AuditJson.WriteValue(fields, record.Fields, text =>
            {
                var clean = redactor.Apply(text, out var changed);
                redacted |= changed;
                return clean;
            });
        }

        var who = Who.Value;
        var json = new StringBuilder(256 + fields.Length);
        json.Append('{');
        Number(json, Seq, seq, first: true);
        Text(json, Time, AuditJson.FormatTime(record.Time));
        Text(json, Kind, record.Kind);
        Text(json, User, who.User);
        Text(json, Machine, who.Machine);
        Number(json, Pid, who.ProcessId);
        Text(json, SessionId, record.SessionId);
        Text(json, ChainId, record.ChainId);
        Text(json, CommandId, record.CommandId);
        Text(json, ForwardId, record.ForwardId);
        Text(json, Host, record.HostName);
        if (record.JumpHosts.Count > 0)
        {
            Name(json, Via);
            AuditJson.WriteValue(json, record.JumpHosts, s => s);
        }

        if (redacted)
        {
            Name(json, Redacted);
            json.Append("true");
        }

        if (fields.Length > 0)
        {
            Name(json, Fields);
            json.Append(fields);
        }

        Text(json, Prev, prev);
        json.Append('}');
        return json.ToString();
    }

    /// <summary>The first record of a file: the chain starts here, from the zero hash. Its time is that of the record it precedes, so that times never go back.</summary>
    public static AuditEvent StartEvent(string path, DateTime time) => new(AuditKinds.LogStart)
    {
        Time = time,
        Fields =
        {
            ["format"] = Version,
            ["path"] = path,
            ["module"] = ModuleVersion,
        },
    };

    /// <summary>
    /// Records a line that a writer left unfinished (a crash or a full disk mid-write): the bytes are taken out
    /// of the file so that the chain goes on unbroken, and kept here.
    /// </summary>
    public static AuditEvent RecoveredEvent(byte[] discarded, DateTime time)
    {
        const int keep = 65536;
        var text = Encoding.UTF8.GetString(discarded);
        return new AuditEvent(AuditKinds.LogRecovered)
        {
            Time = time,
            Fields =
            {
                ["reason"] = "The file ended in an unfinished line (a writer stopped mid-write); it was taken out and is kept here.",
                ["discardedBytes"] = discarded.Length,
                ["discardedSha256"] = AuditHash.OfLine(discarded),
                ["discardedText"] = text.Length > keep ? text.Substring(0, keep) : text,
            },
        };
    }

    /// <summary>The sequence number and kind of a parsed record line; false when it is not a record.</summary>
    public static bool TryReadHeader(Dictionary<string, object?> record, out long seq, out string kind, out string prev)
    {
        seq = 0;
        kind = string.Empty;
        prev = string.Empty;
        if (!record.TryGetValue(Seq, out var s) || s is not long number || number < 1
            || !record.TryGetValue(Kind, out var k) || k is not string name || name.Length == 0
            || !record.TryGetValue(Time, out var t) || t is not string time || !AuditJson.TryParseTime(time, out _)
            || !record.TryGetValue(Prev, out var p) || p is not string previous || !AuditHash.IsHash(previous))
        {
            return false;
        }

        seq = number;
        kind = name;
        prev = previous;
        return true;
    }

    private static void Name(StringBuilder json, string name, bool first = false)
    {
        if (!first)
        {
            json.Append(',');
        }

        json.Append('"').Append(name).Append("\":");
    }

    private static void Text(StringBuilder json, string name, string? value)
    {
        if (value == null)
        {
            return;
        }

        Name(json, name);
        AuditJson.WriteString(json, value);
    }

    private static void Number(StringBuilder json, string name, long value, bool first = false)
    {
        Name(json, name, first);
        json.Append(value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    private static string SafeUserName()
    {
        try
        {
            var domain = Environment.UserDomainName;
            var user = Environment.UserName;
            return System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows)
                && !string.IsNullOrEmpty(domain) && !string.Equals(domain, Environment.MachineName, StringComparison.OrdinalIgnoreCase)
                ? domain + "\\" + user
                : user;
        }
        catch (Exception ex) when (ex is InvalidOperationException || ex is PlatformNotSupportedException)
        {
            return Environment.GetEnvironmentVariable("USER") ?? Environment.GetEnvironmentVariable("USERNAME") ?? "unknown";
        }
    }

    private static string SafeMachineName()
    {
        try
        {
            return Environment.MachineName;
        }
        catch (InvalidOperationException)
        {
            return "unknown";
        }
    }
}
