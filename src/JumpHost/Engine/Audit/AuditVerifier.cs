using System;
using System.Collections.Generic;
using System.Text;

namespace JumpHost.Engine.Audit;

/// <summary>
/// Verifies a log's hash chain from its first line: line 1 is a log.start record with sequence 1 and the zero
/// hash as prev; every later line n has sequence n and, as prev, the SHA-256 of line n-1's exact bytes. The
/// first line where that fails is reported, with what most likely happened there (a line changed, removed or
/// inserted, or an unfinished last line).
/// </summary>
internal static class AuditVerifier
{
    // How far back an inserted block of lines can be traced to where it starts.
    private const int Remembered = 256;

    public static JumpAuditVerification Verify(string fullPath)
    {
        var length = AuditFile.CommittedLength(fullPath);
        using var stream = AuditLines.OpenRead(fullPath);
        using var lines = AuditLines.Read(stream, length).GetEnumerator();
        AuditLine? Next() => lines.MoveNext() ? lines.Current : null;

        var recent = new Dictionary<long, string> { [0] = AuditHash.Zero };
        var previousHash = AuditHash.Zero;
        long verified = 0;
        JumpAuditVerification Broken(JumpAuditProblem problem, long line, string reason) =>
            new(fullPath, false, line - 1, line, problem, reason, problem == JumpAuditProblem.Truncated && line > 1 ? previousHash : null);

        for (var line = Next(); line != null; line = Next())
        {
            var n = line.Number;
            if (!line.Terminated)
            {
                return Broken(JumpAuditProblem.Truncated, n,
                    $"Line {n} is unfinished (the file does not end with a line feed): a write was cut off, by a crash or a full disk. " +
                    (n > 1 ? $"Lines 1 to {n - 1} verify. " : string.Empty) +
                    "The next record written to the log takes the unfinished line out and keeps it in a log.recovered record.");
            }

            var hash = line.Hash;
            var record = Header.Parse(line);
            if (n == 1)
            {
                if (record == null)
                {
                    return Broken(JumpAuditProblem.NotAnAuditLog, 1,
                        "Line 1 is not a JumpHost audit record: this is not an audit log, or its first line was changed.");
                }

                if (record.Seq > 1)
                {
                    return Broken(JumpAuditProblem.Removed, 1,
                        $"Line 1 has sequence {record.Seq}: the first {Records(record.Seq - 1)} of the log, its log.start record among them, were removed.");
                }

                if (record.Kind != AuditKinds.LogStart || record.Seq != 1 || record.Prev != AuditHash.Zero)
                {
                    return Broken(JumpAuditProblem.Edited, 1,
                        "Line 1 was changed: a log begins with a log.start record with sequence 1 and the zero hash as prev.");
                }
            }
            else if (record == null)
            {
                var next = Next();
                var after = next == null ? null : Header.Parse(next);
                return after != null && next!.Terminated && after.Seq == n && after.Prev == previousHash
                    ? Broken(JumpAuditProblem.Inserted, n, $"Line {n} is not a JumpHost audit record, and line {n + 1} follows line {n - 1}: line {n} was inserted.")
                    : Broken(JumpAuditProblem.Edited, n, $"Line {n} is not a JumpHost audit record: it was changed.");
            }
            else if (record.Seq > n)
            {
                return record.Prev == previousHash
                    ? Broken(JumpAuditProblem.Edited, n, $"Line {n} was changed: it follows line {n - 1} but its sequence number is {record.Seq}, not {n}.")
                    : Broken(JumpAuditProblem.Removed, n,
                        $"{Records(record.Seq - n)} {(record.Seq - n == 1 ? "is" : "are")} missing before line {n}: line {n - 1} has sequence {n - 1}, and line {n} has sequence {record.Seq}.");
            }
            else if (record.Seq < n)
            {
                if (recent.TryGetValue(record.Seq, out var same) && same == hash)
                {
                    return Broken(JumpAuditProblem.Inserted, n, $"Line {n} repeats line {record.Seq}: it was copied there.");
                }

                if (recent.TryGetValue(record.Seq - 1, out var before) && before == record.Prev)
                {
                    var first = record.Seq;
                    return Broken(JumpAuditProblem.Inserted, first,
                        first == n - 1
                            ? $"Line {first} was inserted: line {n} (sequence {record.Seq}) follows line {first - 1}."
                            : $"Lines {first} to {n - 1} were inserted: line {n} (sequence {record.Seq}) follows line {first - 1}"
                              + (first == 1 ? ", or a second log begins at line " + n + "." : "."));
                }

                return record.Prev == previousHash
                    ? Broken(JumpAuditProblem.Edited, n, $"Line {n} was changed: it follows line {n - 1} but its sequence number is {record.Seq}, not {n}.")
                    : Broken(JumpAuditProblem.Inserted, n, $"Line {n} has sequence {record.Seq}, which belongs earlier in the log, and does not follow line {n - 1}: it was inserted.");
            }
            else if (record.Prev != previousHash)
            {
                // Either line n-1 was changed (its hash is no longer what line n recorded), or line n's prev was:
                // then line n+1 does not follow line n either.
                var next = Next();
                var after = next == null ? null : Header.Parse(next);
                if (after != null && next!.Terminated && after.Seq == n + 1 && after.Prev != hash)
                {
                    return Broken(JumpAuditProblem.Edited, n, $"Line {n} was changed: it does not follow line {n - 1}, and line {n + 1} does not follow it.");
                }

                return Broken(JumpAuditProblem.Edited, n - 1, $"Line {n - 1} was changed: line {n} records a different hash for it.");
            }

            verified++;
            previousHash = hash;
            recent[n] = hash;
            recent.Remove(n - Remembered);
        }

        return new JumpAuditVerification(fullPath, true, verified, null, JumpAuditProblem.None, null, verified == 0 ? null : previousHash);
    }

    private static string Records(long count) => count == 1 ? "1 record" : $"{count} records";

    private sealed class Header
    {
        private Header(long seq, string kind, string prev)
        {
            Seq = seq;
            Kind = kind;
            Prev = prev;
        }

        public long Seq { get; }

        public string Kind { get; }

        public string Prev { get; }

        public static Header? Parse(AuditLine line)
        {
            try
            {
                if (AuditJson.Parse(Encoding.UTF8.GetString(line.Bytes)) is Dictionary<string, object?> record
                    && AuditRecordFormat.TryReadHeader(record, out var seq, out var kind, out var prev))
                {
                    return new Header(seq, kind, prev);
                }
            }
            catch (FormatException)
            {
            }

            return null;
        }
    }
}
