using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Runtime.Loader;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>
/// The audit log: Set-, Get- and Test-JumpAuditLog, the hash chain, concurrent writers, write failures and
/// redaction. No lab: records come from Set-JumpAuditLog (log.settings) and from the engine API that the
/// session, command, forward and transfer call sites use (AuditLog.Record of the runspace's registry).
/// </summary>
public sealed class AuditLogTests : IDisposable
{
    /// <summary>The module assembly as PowerShell loaded it from out/JumpHost (one per process, whichever runspace imports it).</summary>
    private static readonly Lazy<Assembly> ModuleAssembly = new(() =>
    {
        using var ps = new PowerShellRunspace();
        return ((Type)ps.Run("(Get-Command Set-JumpAuditLog).ImplementingType").Output.Single().BaseObject).Assembly;
    });

    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-audit-").FullName;
    private readonly List<string> _immutable = new();

    public void Dispose()
    {
        foreach (var file in _immutable)
        {
            ProcessRunner.Run("chattr", TimeSpan.FromSeconds(10), "-i", file);
        }

        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void SettingsChangesAreRecordsOfAChainThatVerifies()
    {
        var log = Path.Combine(_scratch, "state", "jumphost", "audit.jsonl");
        using var ps = new PowerShellRunspace();
        var set = ps.Run("Set-JumpAuditLog -Path $args[0] -PassThru; Set-JumpAuditLog -Required; Set-JumpAuditLog -Required:$false -Redact 'x(\\d+)'", log);
        Assert.Empty(set.AllErrors);
        var settings = set.Objects("JumpAuditSettings").Single();
        Assert.True((bool)settings.Enabled);
        Assert.Equal(log, (string)settings.Path);
        Assert.NotEmpty((string[])settings.BuiltInRedact);

        // log.start, then one log.settings record per change.
        var lines = File.ReadAllLines(log);
        Assert.Equal(4, lines.Length);
        AssertChain(lines);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(log));
        }

        var verification = ps.Run("Test-JumpAuditLog").Objects("JumpAuditVerification").Single();
        Assert.True((bool)verification.Valid);
        Assert.Equal(4L, (long)verification.RecordCount);
        Assert.Null((long?)verification.FirstBrokenLine);
        Assert.Equal("None", verification.Problem.ToString());
        Assert.Equal(Sha256(lines[3]), (string)verification.LastHash);

        var records = ps.Run("Get-JumpAuditLog").Objects("JumpAuditRecord");
        Assert.Equal(new[] { "log.start", "log.settings", "log.settings", "log.settings" }, records.Select(r => (string)r.Kind));
        Assert.Equal(new long[] { 1, 2, 3, 4 }, records.Select(r => (long)r.Sequence));
        Assert.All(records, r =>
        {
            Assert.Equal(Environment.UserName, (string)r.User);
            Assert.Equal(Environment.MachineName, (string)r.Machine);
            Assert.Equal(Environment.ProcessId, (int)r.ProcessId);
            Assert.Equal(log, (string)r.Path);
            Assert.Equal(DateTimeKind.Utc, ((DateTime)r.Time).Kind);
            Assert.InRange((DateTime)r.Time, DateTime.UtcNow.AddMinutes(-5), DateTime.UtcNow.AddSeconds(5));
        });
        Assert.Equal("jumphost-audit/1", (string)records[0].Fields["format"]);
        Assert.True((bool)records[2].Fields["required"]);
        Assert.False((bool)records[3].Fields["required"]);
        Assert.Equal(1L, (long)records[3].Fields["redactPatterns"]);

        // -WhatIf changes and records nothing.
        Assert.Empty(ps.Run("Set-JumpAuditLog -Disable -WhatIf").AllErrors);
        Assert.Equal(4, File.ReadAllLines(log).Length);
        Assert.True((bool)ps.Run("Set-JumpAuditLog -PassThru").Objects("JumpAuditSettings").Single().Enabled);
    }

    [Fact]
    public void EachLineIsStandardJsonWithItsFieldsInAFixedOrder()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        var session = Write(ps, "session.opened", sessionId: "5e55104e00000001", chainId: "c4a1400000000001", host: "db01", via: new[] { "bastion", "relay1" },
            fields: new Dictionary<string, object?>
            {
                ["target"] = Fields(("host", "db01"), ("port", 22), ("user", "admin")),
                ["hops"] = new object[] { Fields(("host", "bastion"), ("port", 2222), ("trust", "known")), Fields(("host", "db01"), ("auth", new[] { "publickey" })) },
                ["auth"] = "publickey",
                ["durationMs"] = 612.5,
                ["note"] = "quote \" backslash \\ tab \t newline \n unicode é ✓ 😀",
            });
        Assert.Null(session);

        var lines = File.ReadAllLines(log);
        Assert.Equal(3, lines.Length);
        AssertChain(lines);
        using var json = JsonDocument.Parse(lines[2]);
        Assert.Equal(
            new[] { "seq", "time", "kind", "user", "machine", "pid", "sessionId", "chainId", "host", "via", "fields", "prev" },
            json.RootElement.EnumerateObject().Select(p => p.Name));
        var fields = json.RootElement.GetProperty("fields");
        Assert.Equal(new[] { "target", "hops", "auth", "durationMs", "note" }, fields.EnumerateObject().Select(p => p.Name));
        Assert.Equal("quote \" backslash \\ tab \t newline \n unicode é ✓ 😀", fields.GetProperty("note").GetString());
        Assert.Equal(2222, fields.GetProperty("hops")[0].GetProperty("port").GetInt32());
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{7}Z$", json.RootElement.GetProperty("time").GetString());
        Assert.Contains("é ✓ 😀", lines[2]);

        // Read back: nested objects and lists as PowerShell reads them, names case-insensitive.
        var read = ps.Run("$r = Get-JumpAuditLog -Kind session.opened; $r.Fields.hops[0].host; $r.Fields.Target.Port; $r.Fields.durationMs; $r.JumpHosts -join ','; $r.Summary");
        Assert.Empty(read.AllErrors);
        Assert.Equal("bastion", read.Output[0].BaseObject);
        Assert.Equal(22L, read.Output[1].BaseObject);
        Assert.Equal(612.5, read.Output[2].BaseObject);
        Assert.Equal("bastion,relay1", read.Output[3].BaseObject);
        Assert.Equal("db01 via bastion,relay1 (publickey)", read.Output[4].BaseObject);
    }

    [Fact]
    public void EditedRemovedAndInsertedLinesAreFoundAtTheirLine()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        for (var i = 0; i < 6; i++)
        {
            Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = $"echo {i}", ["exitStatus"] = 0 }));
        }

        var original = File.ReadAllLines(log);
        Assert.Equal(8, original.Length);
        Assert.True((bool)Verify(ps, log).Valid);

        // A field edited in line 5 (the command of the record).
        var edited = original.ToArray();
        edited[4] = edited[4].Replace("echo 2", "echo X");
        AssertBroken(ps, edited, 5, "Edited", 4);

        // A record's prev edited (line 6 then no longer follows line 5, nor line 7 line 6).
        var prevEdited = original.ToArray();
        prevEdited[5] = prevEdited[5].Replace("\"prev\":\"", "\"prev\":\"0");
        prevEdited[5] = prevEdited[5].Remove(prevEdited[5].Length - 3, 1);
        AssertBroken(ps, prevEdited, 6, "Edited", 5);

        // The first line edited.
        var startEdited = original.ToArray();
        startEdited[0] = startEdited[0].Replace("\"module\":", "\"moduleX\":");
        AssertBroken(ps, startEdited, 1, "Edited", 0);

        // Line 4 removed.
        AssertBroken(ps, original.Where((_, i) => i != 3).ToArray(), 4, "Removed", 3);

        // Lines 3 and 4 removed.
        AssertBroken(ps, original.Where((_, i) => i != 2 && i != 3).ToArray(), 3, "Removed", 2);

        // The first line removed.
        AssertBroken(ps, original.Skip(1).ToArray(), 1, "Removed", 0);

        // A made-up line inserted as line 4.
        var inserted = original.Take(3).Append("{\"seq\":4,\"kind\":\"command\"}").Concat(original.Skip(3)).ToArray();
        AssertBroken(ps, inserted, 4, "Inserted", 3);

        // A forged record inserted as line 4, with the right sequence number and the hash of line 3: line 5 betrays it.
        var forged = original[3].Replace("echo 1", "echo forged");
        var careful = original.Take(3).Append(forged).Concat(original.Skip(3)).ToArray();
        AssertBroken(ps, careful, 4, "Inserted", 3);

        // An old record copied to the end (a replay): detected where it stands.
        AssertBroken(ps, original.Append(original[2]).ToArray(), 9, "Inserted", 8);

        // An empty line inserted.
        AssertBroken(ps, original.Take(6).Append(string.Empty).Concat(original.Skip(6)).ToArray(), 7, "Inserted", 6);

        // Not an audit log at all.
        AssertBroken(ps, new[] { "# some other file", "line two" }, 1, "NotAnAuditLog", 0);
    }

    [Fact]
    public void AnUnfinishedLastLineIsReportedAndTheNextWriteRecoversIt()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = "uptime", ["exitStatus"] = 0 }));

        // A crash mid-write: the third record's line is cut off.
        var whole = File.ReadAllBytes(log);
        var cut = whole.Take(whole.Length - 40).ToArray();
        File.WriteAllBytes(log, cut);

        var verification = Verify(ps, log);
        Assert.False((bool)verification.Valid);
        Assert.Equal("Truncated", verification.Problem.ToString());
        Assert.Equal(3L, (long?)verification.FirstBrokenLine);
        Assert.Equal(2L, (long)verification.RecordCount);
        Assert.Contains("unfinished", (string)verification.Reason);
        Assert.Equal(Sha256(File.ReadAllLines(log)[1]), (string)verification.LastHash);

        // Reading warns about it and returns the records before it.
        var read = ps.Run("Get-JumpAuditLog");
        Assert.Empty(read.AllErrors);
        Assert.Equal(2, read.Objects("JumpAuditRecord").Count);
        Assert.Contains(read.Warnings, w => w.Contains("Line 3") && w.Contains("unfinished"));

        // The next record takes the unfinished line out, keeps it in a log.recovered record, and the chain goes on.
        Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = "hostname", ["exitStatus"] = 0 }));
        var lines = File.ReadAllLines(log);
        Assert.Equal(4, lines.Length);
        AssertChain(lines);
        Assert.True((bool)Verify(ps, log).Valid);
        var recovered = ps.Run("Get-JumpAuditLog -Kind log.recovered").Objects("JumpAuditRecord").Single();
        Assert.Equal(3L, (long)recovered.Sequence);
        var tail = cut.Skip(Array.LastIndexOf(cut, (byte)'\n') + 1).ToArray();
        Assert.Equal((long)tail.Length, (long)recovered.Fields["discardedBytes"]);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(tail)), (string)recovered.Fields["discardedSha256"]);
        Assert.Equal(Encoding.UTF8.GetString(tail), (string)recovered.Fields["discardedText"]);

        // A file that is only a cut-off start record starts over, and keeps what was cut off.
        var fresh = Path.Combine(_scratch, "fresh.jsonl");
        File.WriteAllText(fresh, "{\"seq\":1,\"time\":\"2026-");
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", fresh).AllErrors);
        Assert.Equal(new[] { "log.start", "log.recovered", "log.settings" }, ps.Run("Get-JumpAuditLog").Objects("JumpAuditRecord").Select(r => (string)r.Kind));
        Assert.True((bool)Verify(ps, fresh).Valid);
    }

    [Fact]
    public void AFileThatIsNotAnAuditLogIsNeverWrittenTo()
    {
        var other = Path.Combine(_scratch, "notes.txt");
        File.WriteAllText(other, "my notes\nno line feed at the end");
        var before = File.ReadAllBytes(other);
        using var ps = new PowerShellRunspace();
        var result = ps.Run("Set-JumpAuditLog -Path $args[0]", other);
        Assert.StartsWith("AuditWriteFailed,", result.SingleError.FullyQualifiedErrorId);
        Assert.Contains("not a JumpHost audit record", result.SingleError.Exception.Message);
        Assert.Equal(before, File.ReadAllBytes(other));

        var folder = ps.Run("Set-JumpAuditLog -Path $args[0]", _scratch);
        Assert.StartsWith("AuditPathInvalid,", folder.SingleError.FullyQualifiedErrorId);
        var badPattern = ps.Run("Set-JumpAuditLog -Path $args[0] -Redact '(unclosed'", Path.Combine(_scratch, "x.jsonl"));
        Assert.StartsWith("AuditRedactPatternInvalid,", badPattern.SingleError.FullyQualifiedErrorId);
        Assert.False(File.Exists(Path.Combine(_scratch, "x.jsonl")));
    }

    [Fact]
    public async Task EightRunspacesAndParallelThreadsWritingAtOnceMakeOneUnbrokenChain()
    {
        var log = Path.Combine(_scratch, "shared", "audit.jsonl");
        const int runspaces = 8;
        const int perRunspace = 25;
        const int threads = 4;
        const int perThread = 25;
        const int parallelBlocks = 4;
        const int perBlock = 10;

        var shells = Enumerable.Range(0, runspaces).Select(_ => new PowerShellRunspace()).ToList();
        try
        {
            // Each runspace's records go to the shared log from the start (one log.settings record each).
            shells.ForEach(ps => Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors));

            using var start = new Barrier(runspaces + threads + 1);
            var work = new List<Task>();
            foreach (var ps in shells)
            {
                work.Add(Task.Factory.StartNew(() =>
                {
                    start.SignalAndWait();
                    var result = ps.Run("foreach ($i in 1..$args[1]) { Set-JumpAuditLog -Path $args[0] }", log, perRunspace);
                    Assert.Empty(result.AllErrors);
                }, TaskCreationOptions.LongRunning));
            }

            // Threads that record through the engine, as call sites on background threads do.
            for (var t = 0; t < threads; t++)
            {
                var ps = shells[t];
                var thread = t;
                work.Add(Task.Factory.StartNew(() =>
                {
                    start.SignalAndWait();
                    for (var i = 0; i < perThread; i++)
                    {
                        Assert.Null(Write(ps, "command", sessionId: $"thread{thread}", host: "db01", fields: new Dictionary<string, object?> { ["command"] = $"echo {thread}.{i}" }));
                    }
                }, TaskCreationOptions.LongRunning));
            }

            // ForEach-Object -Parallel: runspaces of the thread pool, each importing the module.
            using var parallel = new PowerShellRunspace();
            start.SignalAndWait();
            var blocks = parallel.Run(
                "$m = $args[2]; $p = $args[0]; $n = $args[1]; 1..$args[3] | ForEach-Object -ThrottleLimit 4 -Parallel { Import-Module $using:m; foreach ($i in 1..$using:n) { Set-JumpAuditLog -Path $using:p } }",
                log, perBlock, RepositoryPaths.ModuleManifest, parallelBlocks);
            Assert.Empty(blocks.AllErrors);
            await Task.WhenAll(work);
        }
        finally
        {
            shells.ForEach(s => s.Dispose());
        }

        var expected = 1 + runspaces + (runspaces * perRunspace) + (threads * perThread) + (parallelBlocks * perBlock);
        var bytes = File.ReadAllBytes(log);
        Assert.Equal((byte)'\n', bytes[^1]);
        var lines = File.ReadAllLines(log);
        Assert.Equal(expected, lines.Length);
        AssertChain(lines);
        Assert.Equal(Enumerable.Range(1, expected).Select(i => (long)i), lines.Select(l => JsonDocument.Parse(l).RootElement.GetProperty("seq").GetInt64()));
        Assert.Single(lines, l => l.Contains("\"kind\":\"log.start\""));

        using var check = new PowerShellRunspace();
        var verification = Verify(check, log);
        Assert.True((bool)verification.Valid, (string?)verification.Reason);
        Assert.Equal((long)expected, (long)verification.RecordCount);
        Assert.Equal(threads * perThread, check.Run("Get-JumpAuditLog $args[0] -Kind command", log).Output.Count);
    }

    [Fact]
    public async Task WritersThatShareOnlyTheSystemWideLockStillMakeOneUnbrokenChain()
    {
        // A second copy of the module in its own load context has its own in-process locks, as another
        // process has: only the named system mutex orders its appends with those of the first copy.
        var log = Path.Combine(_scratch, "processes.jsonl");
        var context = new AssemblyLoadContext("second-process", isCollectible: true);
        try
        {
            var copies = new[] { ModuleAssembly.Value, context.LoadFromAssemblyPath(ModuleAssembly.Value.Location) };
            Assert.NotSame(copies[0].GetType("JumpHost.Engine.Audit.AuditFile"), copies[1].GetType("JumpHost.Engine.Audit.AuditFile"));
            const int threadsPerCopy = 4;
            const int perThread = 50;
            using var start = new Barrier(copies.Length * threadsPerCopy);
            var work = copies.SelectMany((assembly, copy) => Enumerable.Range(0, threadsPerCopy).Select(thread => Task.Factory.StartNew(() =>
            {
                var append = assembly.GetType("JumpHost.Engine.Audit.AuditFile", throwOnError: true)!.GetMethod("Append")!;
                var redactor = assembly.GetType("JumpHost.Engine.Audit.AuditRedactor", throwOnError: true)!.GetProperty("Default")!.GetValue(null);
                var eventType = assembly.GetType("JumpHost.Engine.Audit.AuditEvent", throwOnError: true)!;
                start.SignalAndWait();
                for (var i = 0; i < perThread; i++)
                {
                    var record = Activator.CreateInstance(eventType, "command")!;
                    var fields = eventType.GetProperty("Fields")!.GetValue(record)!;
                    fields.GetType().GetProperty("Item")!.SetValue(fields, $"copy {copy} thread {thread} record {i}", new object[] { "command" });
                    append.Invoke(null, new[] { log, record, redactor });
                }
            }, TaskCreationOptions.LongRunning))).ToList();
            await Task.WhenAll(work);
        }
        finally
        {
            context.Unload();
        }

        var lines = File.ReadAllLines(log);
        Assert.Equal(1 + (2 * 4 * 50), lines.Length);
        AssertChain(lines);
        Assert.Equal(200, lines.Count(l => l.Contains("\"copy 1 thread")));
        using var ps = new PowerShellRunspace();
        Assert.True((bool)Verify(ps, log).Valid);
    }

    [Fact]
    public void AFailedWriteIsANonTerminatingErrorAndATerminatingOneWhenTheLogIsRequired()
    {
        // Root ignores mode bits: a path whose parent is a file cannot be created by anyone.
        var blocker = Path.Combine(_scratch, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var impossible = Path.Combine(blocker, "audit.jsonl");
        using var ps = new PowerShellRunspace();

        var optional = ps.Run("Set-JumpAuditLog -Path $args[0] -PassThru; 'went on'", impossible);
        var error = optional.SingleError;
        Assert.StartsWith("AuditWriteFailed,JumpHost.Commands.SetJumpAuditLogCommand", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.WriteError, error.CategoryInfo.Category);
        Assert.Contains(impossible, error.Exception.Message);
        Assert.Contains("went on", optional.Output.Select(o => o.ToString()));
        Assert.Equal(impossible, (string)optional.Objects("JumpAuditSettings").Single().Path);

        // The engine's call sites get the error to report, and go on.
        var failure = Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = "uptime" });
        Assert.NotNull(failure);
        Assert.Equal("AuditWriteFailed", ErrorId(failure!));

        // Required: Set-JumpAuditLog stops (a try/catch sees it), and so does every call site.
        var required = ps.Run("try { Set-JumpAuditLog -Path $args[0] -Required; 'went on' } catch { 'stopped: ' + $_.FullyQualifiedErrorId; $_.Exception.Message }", impossible);
        Assert.Equal("stopped: AuditWriteFailed,JumpHost.Commands.SetJumpAuditLogCommand", required.Output[0].ToString());
        Assert.Contains("required", required.Output[1].ToString());
        var thrown = Assert.ThrowsAny<Exception>(() => Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = "uptime" }));
        Assert.Equal("AuditWriteFailed", ErrorId(thrown));
        Assert.Equal("AuditWriteFailed", ErrorId(Assert.Throws<TargetInvocationException>(() => Invoke(ps, "Check")).InnerException!));

        // Turned off (the log that was never written gets no record of that): nothing is written and nothing fails.
        var off = ps.Run("Set-JumpAuditLog -Disable -PassThru");
        Assert.Empty(off.AllErrors);
        Assert.False((bool)off.Objects("JumpAuditSettings").Single().Enabled);
        Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = "uptime" }));
    }

    [Fact]
    public void AnImmutableLogCannotBeWrittenEvenByRoot()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        var chattr = ProcessRunner.Run("chattr", TimeSpan.FromSeconds(10), "+i", log);
        Assert.True(chattr.ExitCode == 0, "chattr +i failed: " + chattr.Error);
        _immutable.Add(log);
        var before = File.ReadAllBytes(log);

        var optional = ps.Run("Set-JumpAuditLog -Path $args[0]; 'went on'", log);
        Assert.StartsWith("AuditWriteFailed,", optional.SingleError.FullyQualifiedErrorId);
        Assert.Equal("went on", optional.Output.Single().ToString());
        Assert.Equal("AuditWriteFailed", ErrorId(Write(ps, "transfer", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["direction"] = "upload" })!));
        var check = Invoke(ps, "Check");
        Assert.NotNull(check);
        Assert.Equal("AuditWriteFailed", ErrorId(check!));

        var required = ps.Run("try { Set-JumpAuditLog -Path $args[0] -Required; 'went on' } catch { 'stopped: ' + $_.FullyQualifiedErrorId }", log);
        Assert.Equal("stopped: AuditWriteFailed,JumpHost.Commands.SetJumpAuditLogCommand", required.Output.Single().ToString());
        Assert.ThrowsAny<Exception>(() => Write(ps, "transfer", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["direction"] = "upload" }));

        // Turning the required log off is reported, since its record cannot be written, but not stopped: the
        // settings of the log being left no longer govern anything.
        var off = ps.Run("try { Set-JumpAuditLog -Disable; 'went on' } catch { 'stopped' }");
        Assert.StartsWith("AuditWriteFailed,", off.SingleError.FullyQualifiedErrorId);
        Assert.Equal("went on", off.Output.Single().ToString());

        // Reading and verifying still work.
        Assert.Equal(before, File.ReadAllBytes(log));
        Assert.True((bool)Verify(ps, log).Valid);
    }

    [Fact]
    public void GetJumpAuditLogFiltersBySessionHostKindAndTime()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        var now = DateTime.UtcNow;
        const string a = "aaaa000000000001";
        const string b = "bbbb000000000002";
        Assert.Null(Write(ps, "session.opened", sessionId: a, host: "db01.example.com", via: new[] { "bastion" }, time: now.AddDays(-10)));
        Assert.Null(Write(ps, "command", sessionId: a, host: "db01.example.com", via: new[] { "bastion" }, time: now.AddDays(-10), commandId: "c1", fields: new Dictionary<string, object?> { ["command"] = "rm -rf /old", ["exitStatus"] = 0 }));
        Assert.Null(Write(ps, "session.closed", sessionId: a, host: "db01.example.com", via: new[] { "bastion" }, time: now.AddDays(-10)));
        Assert.Null(Write(ps, "session.opened", sessionId: b, host: "db01.example.com", via: new[] { "bastion", "relay1" }, time: now.AddDays(-2)));
        Assert.Null(Write(ps, "command", sessionId: b, host: "db01.example.com", via: new[] { "bastion", "relay1" }, time: now.AddDays(-2), commandId: "c2", fields: new Dictionary<string, object?> { ["command"] = "systemctl restart postgresql", ["exitStatus"] = 0 }));
        Assert.Null(Write(ps, "forward.started", sessionId: b, host: "db01.example.com", via: new[] { "bastion", "relay1" }, time: now.AddDays(-1), forwardId: "f1", fields: new Dictionary<string, object?> { ["type"] = "local", ["localEndpoint"] = "127.0.0.1:15432", ["remoteEndpoint"] = "localhost:5432" }));
        Assert.Null(Write(ps, "session.opened", sessionId: "cccc000000000003", host: "web01", time: now.AddHours(-1)));
        Assert.Null(Write(ps, "command", sessionId: "cccc000000000003", host: "web01", time: now.AddHours(-1), commandId: "c3", fields: new Dictionary<string, object?> { ["command"] = "uptime", ["exitStatus"] = 1 }));
        Assert.Null(Write(ps, "session.failed", sessionId: "dddd000000000004", host: "db02", via: new[] { "relay1" }, time: now.AddMinutes(-5), fields: new Dictionary<string, object?> { ["error"] = "HostKeyMismatch" }));

        IReadOnlyList<dynamic> Get(string filter) => ps.Run("Get-JumpAuditLog " + filter).Objects("JumpAuditRecord");

        // "Who ran what on db01 last week", in one line.
        var lastWeek = Get("-HostName db01* -Kind command -After ([datetime]::Now.AddDays(-7))");
        Assert.Equal("systemctl restart postgresql", (string)lastWeek.Single().Fields["command"]);
        Assert.Equal(Environment.UserName, (string)lastWeek.Single().User);

        Assert.Equal(new[] { "c1", "c2" }, Get("-HostName DB01.EXAMPLE.COM -Kind command").Select(r => (string)r.CommandId));
        Assert.Equal(new[] { a, a, a, b, b, b, "dddd000000000004" }, Get("-HostName bastion, relay1").Select(r => (string)r.SessionId));
        Assert.Equal(3, Get($"-SessionId {a}").Count);
        Assert.Equal(4, Get("-SessionId aaaa*, dddd*").Count);
        Assert.Equal(new[] { "session.opened", "session.closed", "session.opened", "session.opened", "session.failed" }, Get("-Kind session.*").Select(r => (string)r.Kind));
        Assert.Empty(Get("-Before ([datetime]::Now.AddDays(-30))"));
        Assert.Equal(new[] { "log.start", "log.settings" }, Get("-Kind log.*").Select(r => (string)r.Kind));
        Assert.Equal(5, Get("-After ([datetime]::Now.AddDays(-10).AddMinutes(5)) -Before ([datetime]::Now.AddMinutes(-30)) -Kind session.*, forward.*, command").Count);
        Assert.Equal(4, Get("-After ([datetime]::Now.AddDays(-10).AddMinutes(5)) -Before ([datetime]::Now.AddMinutes(-30)) -Kind session.*, command").Count);
        Assert.Empty(Get("-HostName nowhere"));
        Assert.Equal("local 127.0.0.1:15432 -> localhost:5432", (string)Get("-Kind forward.started").Single().Summary);
        Assert.Equal("uptime (exit 1)", (string)Get("-HostName web01 -Kind command").Single().Summary);

        // Paths: wildcards, and files piped as Get-ChildItem gives them.
        Assert.Equal(11, ps.Run("Get-JumpAuditLog -Path ($args[0] + '/*.jsonl')", _scratch).Objects("JumpAuditRecord").Count);
        Assert.True((bool)ps.Run("[System.IO.DirectoryInfo]::new($args[0]).GetFiles('*.jsonl') | Test-JumpAuditLog", _scratch).Objects("JumpAuditVerification").Single().Valid);

        var missing = ps.Run("Get-JumpAuditLog -Path $args[0]; Test-JumpAuditLog -Path $args[0]", Path.Combine(_scratch, "none.jsonl"));
        Assert.Equal(2, missing.AllErrors.Count());
        Assert.All(missing.AllErrors, e => Assert.StartsWith("AuditLogNotFound,", e.FullyQualifiedErrorId));
    }

    [Fact]
    public void RedactionReplacesSecretsMarksTheRecordAndLeavesNoTraceInTheFile()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0] -Redact 'otp\\s+(\\d{6})', 'Lit3ralSecretN0Group'", log).AllErrors);

        var commands = new Dictionary<string, string>
        {
            ["sshpass -p S3cretOne ssh backup@nas"] = "sshpass -p [REDACTED] ssh backup@nas",
            ["mysql -u root --password=S3cretTwo -e 'select 1'"] = "mysql -u root --password=[REDACTED] -e 'select 1'",
            ["mysqldump -h db -P 3306 -u root -pS3cretThree app"] = "mysqldump -h db -P 3306 -u root -p[REDACTED] app",
            ["PGPASSWORD=S3cretFour psql -h db -c 'select 1'"] = "PGPASSWORD=[REDACTED] psql -h db -c 'select 1'",
            ["curl -s https://admin:S3cretFive@intranet/api"] = "curl -s https://admin:[REDACTED]@intranet/api",
            ["deploy --api-key 'S3cret Six' --env prod"] = "deploy --api-key [REDACTED] --env prod",
            ["curl -H 'Authorization: Bearer S3cretSeven' https://x"] = "curl -H 'Authorization: Bearer [REDACTED]' https://x",
            // The value runs to the next space: a secret may hold a ';', so the ';' after it goes too.
            ["export AWS_SECRET_ACCESS_KEY=S3cretEight; aws s3 ls"] = "export AWS_SECRET_ACCESS_KEY=[REDACTED] aws s3 ls",
            ["backup --db-pass S3cretNine --to /srv"] = "backup --db-pass [REDACTED] --to /srv",
            ["vpn login otp 493817 --user alice"] = "vpn login otp [REDACTED] --user alice",
            ["echo Lit3ralSecretN0Group > /tmp/x"] = "echo [REDACTED] > /tmp/x",
        };
        foreach (var command in commands.Keys)
        {
            Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?>
            {
                ["command"] = command,
                ["exitStatus"] = 0,
                ["argv"] = new object[] { "bash", "-c", command },
            }));
        }

        const string clean = "rsync --bypass x --password-file /etc/rsync.pw --passive /src host::dst";
        Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = clean, ["exitStatus"] = 0 }));

        var text = File.ReadAllText(log);
        foreach (var secret in new[] { "S3cret", "493817", "Lit3ralSecretN0Group", "otp\\\\s" })
        {
            Assert.DoesNotContain(secret, text);
        }

        var records = ps.Run("Get-JumpAuditLog -Kind command").Objects("JumpAuditRecord");
        Assert.Equal(commands.Count + 1, records.Count);
        for (var i = 0; i < commands.Count; i++)
        {
            var expected = commands.Values.ElementAt(i);
            Assert.True((bool)records[i].Redacted, commands.Keys.ElementAt(i));
            Assert.Equal(expected, (string)records[i].Fields["command"]);
            Assert.Equal(expected, (string)((object[])records[i].Fields["argv"])[2]);
        }

        Assert.False((bool)records[^1].Redacted);
        Assert.Equal(clean, (string)records[^1].Fields["command"]);
        Assert.DoesNotContain("\"redacted\"", File.ReadAllLines(log).Last());
        Assert.True((bool)Verify(ps, log).Valid);
    }

    [Fact]
    public void DisablingAndMovingTheLogAreRecordedWhereRecordsStopAndWhereTheyStart()
    {
        var first = Path.Combine(_scratch, "first.jsonl");
        var second = Path.Combine(_scratch, "second.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]; Set-JumpAuditLog -Path $args[1]", first, second).AllErrors);

        var moved = ps.Run("Get-JumpAuditLog $args[0]", first).Objects("JumpAuditRecord").Last();
        Assert.Equal(second, (string)moved.Fields["path"]);
        Assert.Equal(first, (string)moved.Fields["previousPath"]);
        var arrived = ps.Run("Get-JumpAuditLog").Objects("JumpAuditRecord");
        Assert.Equal(new[] { "log.start", "log.settings" }, arrived.Select(r => (string)r.Kind));
        Assert.Equal(first, (string)arrived[1].Fields["previousPath"]);

        var disabled = ps.Run("Set-JumpAuditLog -Disable -PassThru").Objects("JumpAuditSettings").Single();
        Assert.False((bool)disabled.Enabled);
        Assert.Equal(second, (string)disabled.Path);
        var off = ps.Run("Get-JumpAuditLog").Objects("JumpAuditRecord").Last();
        Assert.False((bool)off.Fields["enabled"]);
        var count = File.ReadAllLines(second).Length;
        Assert.Null(Write(ps, "command", sessionId: "5e55", host: "db01", fields: new Dictionary<string, object?> { ["command"] = "uptime" }));
        Assert.Equal(count, File.ReadAllLines(second).Length);

        Assert.Empty(ps.Run("Set-JumpAuditLog").AllErrors);
        var on = ps.Run("Get-JumpAuditLog").Objects("JumpAuditRecord").Last();
        Assert.True((bool)on.Fields["enabled"]);
        Assert.False((bool)on.Fields["previousEnabled"]);
        Assert.True((bool)Verify(ps, first).Valid);
        Assert.True((bool)Verify(ps, second).Valid);

        // Another runspace has its own settings: the per-user default (or JUMPHOST_AUDIT_LOG).
        using var other = new PowerShellRunspace();
        var where = other.Run("Test-JumpAuditLog");
        var defaultPath = where.Objects("JumpAuditVerification").Select(v => (string)v.Path).Concat(where.AllErrors.Select(e => (string)e.TargetObject)).Single();
        Assert.Equal(ExpectedDefaultPath(), defaultPath);
    }

    [Fact]
    public void ATransferIsRecordedWithItsPathsLengthHashAndOutcome()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = new PowerShellRunspace();
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes("app")));

        // The call a transfer cmdlet makes once a copy ends: AuditEvents.Transfer, written with AuditLog.Record.
        Assert.Null(Invoke(ps, "Record", Transfer("Upload", "/home/alice/app.tar", "/srv/app.tar", 1048576L, sha, null)));
        Assert.Null(Invoke(ps, "Record", Transfer("Download", "/var/log/syslog", "/home/alice/syslog", null, null, new IOException("No space left on device"))));

        var records = ps.Run("Get-JumpAuditLog -Kind transfer -SessionId 5e55000000000001 -HostName bastion").Objects("JumpAuditRecord");
        Assert.Equal(2, records.Count);
        var (upload, download) = (records[0], records[1]);
        Assert.Equal("db01", (string)upload.HostName);
        Assert.Equal("upload", (string)upload.Fields["direction"]);
        Assert.Equal("/home/alice/app.tar", (string)upload.Fields["source"]);
        Assert.Equal("/srv/app.tar", (string)upload.Fields["destination"]);
        Assert.Equal(1048576L, (long)upload.Fields["length"]);
        Assert.Equal(sha, (string)upload.Fields["sha256"]);
        Assert.Equal(850L, (long)upload.Fields["durationMs"]);
        Assert.Equal("completed", (string)upload.Fields["outcome"]);
        Assert.Equal("upload /home/alice/app.tar -> /srv/app.tar (1048576 bytes)", (string)upload.Summary);
        Assert.Equal("failed", (string)download.Fields["outcome"]);
        Assert.Equal("IOException", (string)download.Fields["error"]);
        Assert.Equal("No space left on device", (string)download.Fields["message"]);
        Assert.Null(download.Fields["length"]);
        Assert.Equal("download /var/log/syslog -> /home/alice/syslog (failed)", (string)download.Summary);
        Assert.True((bool)Verify(ps, log).Valid);
    }

    /// <summary>A transfer event for session 5e55000000000001 to db01 through bastion, built by the engine's AuditEvents.Transfer.</summary>
    private static object Transfer(string direction, string source, string destination, long? length, string? sha256, Exception? error)
    {
        var assembly = ModuleAssembly.Value;
        var context = Activator.CreateInstance(assembly.GetType("JumpHost.Engine.Audit.AuditContext", throwOnError: true)!, "5e55000000000001", "5e55000000000001", "db01", new[] { "bastion" })!;
        var kind = Enum.Parse(assembly.GetType("JumpHost.Engine.Audit.TransferDirection", throwOnError: true)!, direction);
        var transfer = assembly.GetType("JumpHost.Engine.Audit.AuditEvents", throwOnError: true)!.GetMethod("Transfer")!;
        return transfer.Invoke(null, new object?[] { context, kind, source, destination, length, sha256, TimeSpan.FromMilliseconds(850), error })!;
    }

    private static string ExpectedDefaultPath()
    {
        var configured = Environment.GetEnvironmentVariable("JUMPHOST_AUDIT_LOG");
        if (!string.IsNullOrWhiteSpace(configured) && !configured.Trim().Equals("off", StringComparison.OrdinalIgnoreCase))
        {
            return Path.GetFullPath(configured.Trim());
        }

        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        return !string.IsNullOrEmpty(state) && Path.IsPathRooted(state)
            ? Path.Combine(state, "jumphost", "audit.jsonl")
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "state", "jumphost", "audit.jsonl");
    }

    /// <summary>Checks the chain as a third party would, from the documented format alone: prev is the SHA-256 of the line before.</summary>
    private static void AssertChain(string[] lines)
    {
        var prev = new string('0', 64);
        for (var i = 0; i < lines.Length; i++)
        {
            using var json = JsonDocument.Parse(lines[i]);
            Assert.Equal(i + 1, json.RootElement.GetProperty("seq").GetInt64());
            Assert.Equal(prev, json.RootElement.GetProperty("prev").GetString());
            Assert.Equal(i == 0, json.RootElement.GetProperty("kind").GetString() == "log.start");
            prev = Sha256(lines[i]);
        }
    }

    private void AssertBroken(PowerShellRunspace ps, string[] lines, long line, string problem, long verified)
    {
        var file = Path.Combine(_scratch, $"tampered-{Guid.NewGuid():N}.jsonl");
        File.WriteAllText(file, string.Concat(lines.Select(l => l + "\n")));
        var result = Verify(ps, file);
        Assert.False((bool)result.Valid, $"{problem} at {line} was not detected");
        Assert.Equal(problem, result.Problem.ToString());
        Assert.True(line == (long?)result.FirstBrokenLine, $"{problem}: expected line {line}, got {result.FirstBrokenLine}: {result.Reason}");
        Assert.Equal(verified, (long)result.RecordCount);
        Assert.Contains($"{line}", (string)result.Reason);
    }

    private static dynamic Verify(PowerShellRunspace ps, string path)
    {
        var result = ps.Run("Test-JumpAuditLog -Path $args[0]", path);
        Assert.Empty(result.AllErrors);
        return result.Objects("JumpAuditVerification").Single();
    }

    private static string Sha256(string line) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line)));

    private static Dictionary<string, object?> Fields(params (string Name, object? Value)[] fields) =>
        fields.ToDictionary(f => f.Name, f => f.Value);

    /// <summary>
    /// Records an event through the runspace's AuditLog, as a session, command, forward or transfer call site
    /// does (on a thread whose default runspace is the cmdlet's). Returns the error to report (null when written);
    /// throws the error when the log is required.
    /// </summary>
    private static object? Write(
        PowerShellRunspace ps,
        string kind,
        string? sessionId = null,
        string? chainId = null,
        string? host = null,
        string[]? via = null,
        DateTime? time = null,
        string? commandId = null,
        string? forwardId = null,
        Dictionary<string, object?>? fields = null)
    {
        var assembly = ModuleAssembly.Value;
        var eventType = assembly.GetType("JumpHost.Engine.Audit.AuditEvent", throwOnError: true)!;
        var record = Activator.CreateInstance(eventType, kind)!;
        void Set(string name, object? value)
        {
            if (value != null)
            {
                eventType.GetProperty(name)!.SetValue(record, value);
            }
        }

        Set("SessionId", sessionId);
        Set("ChainId", chainId);
        Set("HostName", host);
        Set("CommandId", commandId);
        Set("ForwardId", forwardId);
        if (time != null)
        {
            Set("Time", time.Value);
        }

        ((List<string>)eventType.GetProperty("JumpHosts")!.GetValue(record)!).AddRange(via ?? Array.Empty<string>());
        var recordFields = eventType.GetProperty("Fields")!.GetValue(record)!;
        foreach (var field in fields ?? new Dictionary<string, object?>())
        {
            recordFields.GetType().GetProperty("Item")!.SetValue(recordFields, field.Value, new object[] { field.Key });
        }

        try
        {
            return Invoke(ps, "Record", record);
        }
        catch (TargetInvocationException ex) when (ex.InnerException != null)
        {
            throw ex.InnerException;
        }
    }

    /// <summary>Calls a method of the runspace's AuditLog with the runspace as the thread's default, as a cmdlet has it.</summary>
    private static object? Invoke(PowerShellRunspace ps, string method, params object[] arguments)
    {
        var registryType = ModuleAssembly.Value.GetType("JumpHost.Runtime.SessionRegistry", throwOnError: true)!;
        var saved = Runspace.DefaultRunspace;
        Runspace.DefaultRunspace = ps.Runspace;
        try
        {
            var registry = registryType.GetProperty("Current", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
            var audit = registryType.GetProperty("Audit")!.GetValue(registry)!;
            return audit.GetType().GetMethod(method, arguments.Select(a => a.GetType()).ToArray())!.Invoke(audit, arguments);
        }
        finally
        {
            Runspace.DefaultRunspace = saved;
        }
    }

    private static string ErrorId(object exception) => (string)exception.GetType().GetProperty("ErrorId")!.GetValue(exception)!;
}
