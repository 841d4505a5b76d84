using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Text;

namespace JumpHost.Engine.Audit;

/// <summary>One line of a log as read back: the record, or why the line is not one.</summary>
internal sealed class AuditReadResult
{
    public AuditReadResult(AuditLine line, JumpAuditRecord? record, string? problem)
    {
        Line = line;
        Record = record;
        Problem = problem;
    }

    public AuditLine Line { get; }

    public JumpAuditRecord? Record { get; }

    public string? Problem { get; }
}

/// <summary>Reads the records of a log file, in file order, without verifying the chain (Test-JumpAuditLog does that).</summary>
internal static class AuditReader
{
    public static IEnumerable<AuditReadResult> Read(string fullPath)
    {
        var length = AuditFile.CommittedLength(fullPath);
        using var stream = AuditLines.OpenRead(fullPath);
        foreach (var line in AuditLines.Read(stream, length))
        {
            if (!line.Terminated)
            {
                yield return new AuditReadResult(line, null, $"Line {line.Number} of {fullPath} is unfinished: a write was cut off. Test-JumpAuditLog tells more.");
                continue;
            }

            JumpAuditRecord? record = null;
            string? problem = null;
            try
            {
                record = ToRecord(AuditJson.Parse(Encoding.UTF8.GetString(line.Bytes)), fullPath);
                if (record == null)
                {
                    problem = $"Line {line.Number} of {fullPath} is not a JumpHost audit record.";
                }
            }
            catch (FormatException ex)
            {
                problem = $"Line {line.Number} of {fullPath} is not a JumpHost audit record: {ex.Message}";
            }

            yield return new AuditReadResult(line, record, problem);
        }
    }

    private static JumpAuditRecord? ToRecord(object? parsed, string path)
    {
        if (parsed is not Dictionary<string, object?> json
            || !AuditRecordFormat.TryReadHeader(json, out var seq, out var kind, out _)
            || !AuditJson.TryParseTime(json[AuditRecordFormat.Time] as string, out var time))
        {
            return null;
        }

        string[]? via = null;
        if (json.TryGetValue(AuditRecordFormat.Via, out var hops) && hops is object?[] list)
        {
            via = Array.ConvertAll(list, h => Convert.ToString(h, CultureInfo.InvariantCulture) ?? string.Empty);
        }

        System.Collections.IDictionary? fields = null;
        if (json.TryGetValue(AuditRecordFormat.Fields, out var values) && values is Dictionary<string, object?> map)
        {
            fields = FreezeMap(map);
        }

        return new JumpAuditRecord(
            DateTime.SpecifyKind(time, DateTimeKind.Utc),
            kind,
            seq,
            Text(json, AuditRecordFormat.SessionId),
            Text(json, AuditRecordFormat.ChainId),
            Text(json, AuditRecordFormat.CommandId),
            Text(json, AuditRecordFormat.ForwardId),
            Text(json, AuditRecordFormat.Host),
            via,
            Text(json, AuditRecordFormat.User),
            Text(json, AuditRecordFormat.Machine),
            json.TryGetValue(AuditRecordFormat.Pid, out var pid) && pid is long id && id >= int.MinValue && id <= int.MaxValue ? (int)id : 0,
            json.TryGetValue(AuditRecordFormat.Redacted, out var redacted) && redacted is true,
            fields,
            path);
    }

    /// <summary>Nested objects become read-only dictionaries (PowerShell reads <c>$r.Fields.hops[0].host</c>), lists arrays.</summary>
    private static object? Freeze(object? value) => value switch
    {
        Dictionary<string, object?> map => FreezeMap(map),
        object?[] list => Array.ConvertAll(list, Freeze),
        _ => value,
    };

    private static ReadOnlyDictionary<string, object?> FreezeMap(Dictionary<string, object?> map)
    {
        // Case-insensitive, as PowerShell reads names: $r.Fields.ExitStatus finds exitStatus.
        var frozen = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in map)
        {
            frozen[pair.Key] = Freeze(pair.Value);
        }

        return new ReadOnlyDictionary<string, object?>(frozen);
    }

    private static string? Text(Dictionary<string, object?> json, string name) =>
        json.TryGetValue(name, out var value) && value != null ? Convert.ToString(value, CultureInfo.InvariantCulture) : null;
}
