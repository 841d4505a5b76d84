using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Security;
using System.Text.Json;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>
/// What real sessions through the lab leave in the audit log: sessions opened, failed and closed with every
/// hop's facts, commands, forwards; no secret ever; a chain that verifies under concurrent writers.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class AuditEventTests : IDisposable
{
    private readonly LabFixture _lab;
    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-audit-lab-").FullName;

    public AuditEventTests(LabFixture lab)
    {
        _lab = lab;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void AMultiHopSessionItsCommandAndItsCloseAreRecordedWithEveryHop()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "Set-JumpAuditLog -Path $args[0]; $s = New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab; " +
            "Invoke-JumpCommand -Session $s 'echo hello; echo oops >&2; exit 3'; Remove-JumpSession $s; $s.AuditId", log);
        Assert.Empty(result.AllErrors);
        var sessionId = (string)result.Output.Last().BaseObject;
        Assert.Matches("^[0-9a-f]{16}$", sessionId);

        var records = Records(ps, "-SessionId $args[0]", sessionId);
        Assert.Equal(new[] { "session.opened", "command", "session.closed" }, records.Select(r => (string)r.Kind));
        Assert.All(records, r =>
        {
            Assert.Equal("www", (string)r.HostName);
            Assert.Equal(new[] { "relay1", "relay2", "relay3" }, (string[])r.JumpHosts);
            Assert.Equal(Environment.UserName, (string)r.User);
            Assert.Equal(Environment.MachineName, (string)r.Machine);
            Assert.Equal(Environment.ProcessId, (int)r.ProcessId);
            Assert.Equal(sessionId, (string)r.ChainId);
        });

        var opened = records[0];
        Assert.Equal("publickey", (string)opened.Fields["auth"]);
        List<Dictionary<string, object?>> hops = Hops(opened);
        Assert.Equal(new[] { "relay1", "relay2", "relay3", "www" }, hops.Select(h => (string)h["name"]!));
        Assert.All(hops, h =>
        {
            Assert.Equal(22L, h["port"]);
            Assert.Equal(_lab.User, h["user"]);
            Assert.Equal("ssh-ed25519", h["hostKeyType"]);
            Assert.Equal(Fingerprint((string)h["name"]!), h["hostKeyFingerprint"]);
            Assert.Equal("known", h["trust"]);
            Assert.Equal("strict", h["policy"]);
            Assert.StartsWith(_lab.KnownHosts + ":", (string)h["trustSource"]!);
            Assert.Equal(new object[] { "publickey" }, (object[])h["auth"]!);
        });
        Assert.Equal(_lab.Ip("relay1"), hops[0]["address"]);
        Assert.Null(hops[0]["through"]);
        Assert.Equal(new[] { "relay1", "relay2", "relay3" }, hops.Skip(1).Select(h => (string)h["through"]!));
        Assert.All(hops.Skip(1), h => Assert.Null(h["address"]));

        var command = records[1];
        Assert.Matches("^[0-9a-f]{16}$", (string)command.CommandId);
        Assert.Equal("echo hello; echo oops >&2; exit 3", (string)command.Fields["command"]);
        Assert.Equal(3L, (long)command.Fields["exitStatus"]);
        Assert.Equal(6L, (long)command.Fields["stdoutBytes"]);
        Assert.Equal(5L, (long)command.Fields["stderrBytes"]);
        Assert.InRange((long)command.Fields["durationMs"], 0L, 60_000L);
        Assert.Equal("removed", (string)records[2].Fields["reason"]);

        // Each line is a JSON object with a UTC time; the chain verifies.
        foreach (var line in File.ReadAllLines(log))
        {
            using var json = JsonDocument.Parse(line);
            Assert.EndsWith("Z", json.RootElement.GetProperty("time").GetString());
        }

        Assert.True((bool)Verify(ps, log).Valid);

        // Changing what the log says a command was is found at its line.
        var lines = File.ReadAllLines(log);
        var commandLine = Array.FindIndex(lines, l => l.Contains("\"kind\":\"command\""));
        lines[commandLine] = lines[commandLine].Replace("exit 3", "exit 0");
        File.WriteAllLines(log, lines);
        var broken = Verify(ps, log);
        Assert.Equal("Edited", broken.Problem.ToString());
        Assert.Equal((long)commandLine + 1, (long?)broken.FirstBrokenLine);
    }

    [Fact]
    public void AChangedHostKeyIsRecordedAsAFailedSessionRejectedAtItsHop()
    {
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(knownHosts, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith("relay2 ")));
        var impostor = Path.Combine(_scratch, "impostor");
        Assert.Equal(0, ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(30), "-q", "-t", "ed25519", "-N", "", "-f", impostor).ExitCode);
        File.AppendAllText(knownHosts, $"relay2 ssh-ed25519 {File.ReadAllText(impostor + ".pub").Split(' ')[1]}\n");

        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = _lab.NewRunspace(knownHosts);
        var result = ps.Run("Set-JumpAuditLog -Path $args[0]; New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy AcceptNew", log);
        Assert.StartsWith("HostKeyMismatch,", result.SingleError.FullyQualifiedErrorId);

        var failed = Records(ps, "-Kind session.*").Single();
        Assert.Equal("session.failed", (string)failed.Kind);
        Assert.Equal("www", (string)failed.HostName);
        Assert.Equal("HostKeyMismatch", (string)failed.Fields["error"]);
        Assert.Equal("relay2:22 via relay1", (string)failed.Fields["hop"]);
        List<Dictionary<string, object?>> hops = Hops(failed);
        Assert.Equal(new[] { "relay1", "relay2" }, hops.Select(h => (string)h["name"]!));
        Assert.Equal("known", hops[0]["trust"]);
        Assert.Equal("rejected-changed", hops[1]["trust"]);
        Assert.Equal("accept-new", hops[1]["policy"]);
        Assert.Equal(Fingerprint("relay2"), hops[1]["hostKeyFingerprint"]);
        Assert.Empty((object[])hops[1]["auth"]!);
        Assert.Contains("via relay1,relay2,relay3 (HostKeyMismatch)", (string)failed.Summary);
    }

    [Theory]
    [InlineData("Strict", "session.failed", "rejected-unknown", "strict")]
    [InlineData("AcceptNew", "session.opened", "accepted-new", "accept-new")]
    [InlineData("Ask", "session.opened", "accepted-by-user", "ask")]
    public void EachHostKeyDecisionIsRecordedWithThePolicyBehindIt(string policy, string kind, string trust, string policyName)
    {
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(knownHosts, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith("relay2 ")));
        var host = new ScriptedHost();
        host.Choices.Enqueue(0);
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = _lab.NewRunspace(knownHosts, host);
        ps.Run("Set-JumpAuditLog -Path $args[0]; New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy $args[1]", log, policy);

        var record = Records(ps, "-Kind session.*").Single();
        Assert.Equal(kind, (string)record.Kind);
        List<Dictionary<string, object?>> hops = Hops(record);
        var relay2 = hops.Single(h => (string)h["name"]! == "relay2");
        Assert.Equal(trust, relay2["trust"]);
        Assert.Equal(policyName, relay2["policy"]);
        Assert.Equal(Fingerprint("relay2"), relay2["hostKeyFingerprint"]);
        if (kind == "session.opened")
        {
            // The line the key was added at.
            var line = Array.FindIndex(File.ReadAllLines(knownHosts), l => l.StartsWith("relay2 ")) + 1;
            Assert.Equal($"{knownHosts}:{line}", relay2["trustSource"]);
            Assert.Single(hops, h => (string)h["trust"]! != "known");
        }
    }

    [Fact]
    public void AHostCertificateIsRecordedAsTrustedByItsAuthority()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = _lab.NewRunspace(_lab.KnownHostsCertificateAuthority);
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]; New-JumpSession target2 -JumpHost bastion -Port $args[1] @Lab", log, _lab.Port("certhost")).AllErrors);

        List<Dictionary<string, object?>> hops = Hops(Records(ps, "-Kind session.opened").Single());
        Assert.Equal("certificate", hops[1]["trust"]);
        Assert.StartsWith(_lab.KnownHostsCertificateAuthority + ":", (string)hops[1]["trustSource"]!);
    }

    [Fact]
    public void NoPasswordPassphraseOrOneTimePasswordEverReachesTheLog()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        var code = OneTimePassword.Next(_lab.OtpSecret);
        using var ps = _lab.NewRunspace();
        ps.SetVariable("credential", new PSCredential(_lab.User, Secure(_lab.Password)));
        ps.SetVariable("wrong", new PSCredential(_lab.User, Secure("Wr0ngPassw0rd")));
        ps.SetVariable("passphrase", Secure(_lab.Passphrase));
        ps.SetVariable("code", code);
        var result = ps.Run(
            "Set-JumpAuditLog -Path $args[0]; " +
            "New-JumpSession www -JumpHost relay1,relay2,relay3 -Credential $credential -KnownHostsFile $Lab.KnownHostsFile -NoConfig | " +
            "  Invoke-JumpCommand ('echo done --password=' + $credential.GetNetworkCredential().Password); " +
            "New-JumpSession target1 -JumpHost bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -NoConfig -KeyFile $args[1] -KeyPassphrase $passphrase; " +
            "New-JumpSession target2 -JumpHost bastion -Port $args[2] @Lab -KeyboardInteractive { $code }; " +
            "Get-JumpSession | Remove-JumpSession; " +
            "try { New-JumpSession bastion -Credential $wrong -KnownHostsFile $Lab.KnownHostsFile -NoConfig } catch { $_.FullyQualifiedErrorId }",
            log, _lab.EncryptedKey, _lab.Port("mfa"));
        Assert.Empty(result.AllErrors);
        Assert.Equal("AuthenticationFailed,JumpHost.Commands.NewJumpSessionCommand", result.Output.Last().ToString());

        var opened = Records(ps, "-Kind session.opened");
        Assert.Equal(new[] { "www", "target1", "target2" }, opened.Select(r => (string)r.HostName));
        Assert.Equal(new[] { "password", "publickey", "publickey+keyboard-interactive" }, opened.Select(r => (string)r.Fields["auth"]));
        Assert.Equal(new object[] { "publickey", "keyboard-interactive" }, (object[])((List<Dictionary<string, object?>>)Hops(opened[2])).Last()["auth"]!);

        var command = Records(ps, "-Kind command").Single();
        Assert.True((bool)command.Redacted);
        Assert.Equal("echo done --password=[REDACTED]", (string)command.Fields["command"]);
        Assert.Equal(0L, (long)command.Fields["exitStatus"]);

        var failed = Records(ps, "-Kind session.failed").Single();
        Assert.Equal("AuthenticationFailed", (string)failed.Fields["error"]);

        var text = File.ReadAllText(log);
        foreach (var secret in new[] { _lab.Password, _lab.Passphrase, code, "Wr0ngPassw0rd" })
        {
            Assert.DoesNotContain(secret, text);
        }

        Assert.DoesNotContain("PRIVATE KEY", text);
        Assert.DoesNotContain(File.ReadAllText(_lab.Key).Split('\n')[1], text);
        Assert.True((bool)Verify(ps, log).Valid);
    }

    [Fact]
    public async Task ForwardsAreRecordedWhenTheyStartAndStopWithTheirFigures()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using var ps = _lab.NewRunspace();
        var started = ps.Run("Set-JumpAuditLog -Path $args[0]; $s = New-JumpSession relay3 -JumpHost relay1,relay2 @Lab; $f = $s | Start-PortForward -LocalPort 0 -RemoteHost www -RemotePort 80; $f", log);
        Assert.Empty(started.AllErrors);
        var forward = started.Objects("PortForward").Single();
        using (var http = new HttpClient())
        {
            Assert.Contains(_lab.WwwToken, await http.GetStringAsync($"http://{forward.LocalEndpoint}/"));
        }

        var stopped = ps.Run(
            "$f | Stop-PortForward; $d = $s | Start-PortForward -Dynamic -LocalPort 0; Remove-JumpSession $s; " +
            "$o = Start-PortForward -HostName target1 -JumpHost bastion @Lab -RemoteHost localhost -RemotePort 22; $o | Stop-PortForward; $s.AuditId; $o.Session.AuditId");
        Assert.Empty(stopped.AllErrors);
        var sessionId = (string)stopped.Output[0].BaseObject;
        var oneShotId = (string)stopped.Output[1].BaseObject;

        var records = Records(ps, "-SessionId $args[0]", sessionId);
        Assert.Equal(
            new[] { "session.opened", "forward.started", "forward.stopped", "forward.started", "forward.stopped", "session.closed" },
            records.Select(r => (string)r.Kind));
        var (localStart, localStop, socksStart, socksStop) = (records[1], records[2], records[3], records[4]);
        Assert.Equal((string)localStart.ForwardId, (string)localStop.ForwardId);
        Assert.NotEqual((string)localStart.ForwardId, (string)socksStart.ForwardId);
        Assert.Equal("local", (string)localStart.Fields["type"]);
        Assert.Equal((string)forward.LocalEndpoint, (string)localStart.Fields["localEndpoint"]);
        Assert.Equal("www:80", (string)localStart.Fields["remoteEndpoint"]);
        Assert.Equal("stopped", (string)localStop.Fields["reason"]);
        Assert.Equal(1L, (long)localStop.Fields["connections"]);
        Assert.Equal((long)forward.BytesReceived, (long)localStop.Fields["bytesReceived"]);
        Assert.True((long)localStop.Fields["bytesReceived"] > _lab.WwwToken.Length);
        Assert.True((long)localStop.Fields["bytesSent"] > 0);
        Assert.Equal("dynamic", (string)socksStart.Fields["type"]);
        Assert.Equal("session-closed", (string)socksStop.Fields["reason"]);
        Assert.Equal("removed", (string)records[5].Fields["reason"]);

        // A forward that opened its own session: stopping it closes that session too.
        var oneShot = Records(ps, "-SessionId $args[0]", oneShotId);
        Assert.Equal(new[] { "session.opened", "forward.started", "forward.stopped", "session.closed" }, oneShot.Select(r => (string)r.Kind));
        Assert.Equal("target1", (string)oneShot[0].HostName);
        Assert.Equal("forward-stopped", (string)oneShot[3].Fields["reason"]);
        Assert.True((bool)Verify(ps, log).Valid);
    }

    [Fact]
    public void AdHocViaAndRunspaceClosingSessionsAreRecorded()
    {
        var log = Path.Combine(_scratch, "audit.jsonl");
        using (var ps = _lab.NewRunspace())
        {
            var result = ps.Run(
                "Set-JumpAuditLog -Path $args[0]; Invoke-JumpCommand -HostName target1 -JumpHost bastion @Lab -Command hostname | Out-Null; " +
                "$b = New-JumpSession bastion @Lab; $t = New-JumpSession target2 -Via $b @Lab; $b.AuditId; $t.AuditId", log);
            Assert.Empty(result.AllErrors);
            var bastionId = (string)result.Output[0].BaseObject;
            var targetId = (string)result.Output[1].BaseObject;

            var adHoc = Records(ps, "-HostName target1");
            Assert.Equal(new[] { "session.opened", "command", "session.closed" }, adHoc.Select(r => (string)r.Kind));
            Assert.Single(adHoc.Select(r => (string)r.SessionId).Distinct());
            Assert.Equal("command-finished", (string)adHoc[2].Fields["reason"]);

            // The session opened -Via rides on the bastion's connection: same chain id, the bastion's hop reused.
            var via = Records(ps, "-SessionId $args[0]", targetId).Single();
            Assert.Equal(bastionId, (string)via.ChainId);
            Assert.Equal(bastionId, (string)via.Fields["viaSessionId"]);
            Assert.Equal(new[] { "bastion" }, (string[])via.JumpHosts);
            List<Dictionary<string, object?>> hops = Hops(via);
            Assert.Equal(true, hops[0]["reused"]);
            Assert.Equal(_lab.Ip("bastion"), hops[0]["address"]);
            Assert.Equal("bastion", hops[1]["through"]);

            // Closing the bastion's session closes the one opened through it.
            Assert.Empty(ps.Run("Remove-JumpSession $b; $null = New-JumpSession target1 -JumpHost bastion @Lab").AllErrors);
        }

        // Closing the runspace closes the sessions it still has.
        using var reader = new PowerShellRunspace();
        var closed = reader.Run("Get-JumpAuditLog $args[0] -Kind session.closed", log).Objects("JumpAuditRecord");
        Assert.Equal(
            new[] { ("target1", "command-finished"), ("target2", "via-closed"), ("bastion", "removed"), ("target1", "runspace-closed") },
            closed.Select(r => ((string)r.HostName, (string)r.Fields["reason"])));
        Assert.True((bool)Verify(reader, log).Valid);
    }

    [Fact]
    public async Task EightRunspacesOpeningSessionsAtOnceKeepOneValidChain()
    {
        var log = Path.Combine(_scratch, "shared.jsonl");
        var shells = Enumerable.Range(0, 8).Select(_ => _lab.NewRunspace()).ToList();
        try
        {
            shells.ForEach(ps => Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors));
            var work = shells.Select((ps, i) => Task.Run(() => ps.Run(
                "$s = New-JumpSession target1 -JumpHost bastion @Lab; 1..3 | ForEach-Object { Invoke-JumpCommand -Session $s -Command \"echo $($args[0]).$_\" }; Remove-JumpSession $s",
                i))).ToList();
            foreach (var result in await Task.WhenAll(work))
            {
                Assert.Empty(result.AllErrors);
            }

            var verification = Verify(shells[0], log);
            Assert.True((bool)verification.Valid, (string?)verification.Reason);
            var records = Records(shells[0], string.Empty);
            Assert.Equal(1 + 8 + (8 * 5), records.Count);
            Assert.Equal(8, records.Count(r => (string)r.Kind == "session.opened"));
            Assert.Equal(24, records.Count(r => (string)r.Kind == "command"));
            Assert.Equal(8, records.Count(r => (string)r.Kind == "session.closed"));

            // Each session's records are in order: opened, its three commands, closed.
            foreach (var session in records.Where(r => r.SessionId != null).GroupBy(r => (string)r.SessionId))
            {
                Assert.Equal(new[] { "session.opened", "command", "command", "command", "session.closed" }, session.Select(r => (string)r.Kind));
            }
        }
        finally
        {
            shells.ForEach(s => s.Dispose());
        }
    }

    [Fact]
    public void AnUnwritableLogIsAnErrorAndARequiredOneRefusesSessionsAndCommands()
    {
        // Root ignores mode bits: a log whose folder would have to be inside a file cannot be written by anyone.
        var blocker = Path.Combine(_scratch, "a-file");
        File.WriteAllText(blocker, "not a folder");
        var unwritable = Path.Combine(blocker, "audit.jsonl");
        var good = Path.Combine(_scratch, "audit.jsonl");
        using var ps = _lab.NewRunspace();

        // Not required: the session opens and its command runs, and every record not written is an error.
        var optional = ps.Run("Set-JumpAuditLog -Path $args[0] -ErrorAction SilentlyContinue; $s = New-JumpSession target1 -JumpHost bastion @Lab; $s | Invoke-JumpCommand 'echo ran'", unwritable);
        Assert.Equal("ran\n", (string)optional.Objects("JumpCommandResult").Single().Output);
        Assert.Equal(2, optional.Errors.Count(e => e.FullyQualifiedErrorId.StartsWith("AuditWriteFailed,")));
        Assert.All(optional.Errors, e => Assert.Contains(unwritable, e.Exception.Message));
        var removed = ps.Run("Remove-JumpSession $s");
        Assert.StartsWith("AuditWriteFailed,", removed.SingleError.FullyQualifiedErrorId);
        Assert.Contains("session.closed", removed.SingleError.Exception.Message);

        // Required: no audit, no access. The session is refused before any hop is reached.
        var refused = ps.Run("try { Set-JumpAuditLog -Required } catch { }; New-JumpSession target1 -JumpHost bastion @Lab");
        Assert.StartsWith("AuditWriteFailed,JumpHost.Commands.NewJumpSessionCommand", refused.SingleError.FullyQualifiedErrorId);
        Assert.Contains("required", refused.SingleError.Exception.Message);
        Assert.Empty(ps.Run("Get-JumpSession").Output);

        // A session opened while the log could be written cannot run commands once it cannot.
        Assert.Empty(ps.Run("Set-JumpAuditLog -Path $args[0] -Required; $s = New-JumpSession target1 -JumpHost bastion @Lab", good).AllErrors);
        var command = ps.Run("try { Set-JumpAuditLog -Path $args[0] } catch { }; $s | Invoke-JumpCommand 'echo ran'", unwritable);
        Assert.Empty(command.Objects("JumpCommandResult"));
        Assert.StartsWith("AuditWriteFailed,JumpHost.Commands.InvokeJumpCommandCommand", command.SingleError.FullyQualifiedErrorId);
        Assert.Empty(Records(ps, "$args[0] -Kind command", good));

        // Nor copy files: the copy is refused before anything is sent.
        var upload = ps.Run("Copy-JumpItem $args[0] 'jh-audit-refused.txt' -ToSession $s", blocker);
        Assert.StartsWith("AuditWriteFailed,JumpHost.Commands.CopyJumpItemCommand", upload.SingleError.FullyQualifiedErrorId);
        Assert.False(File.Exists(Path.Combine(_lab.Dir, "home", _lab.User, "jh-audit-refused.txt")));
    }

    private static List<Dictionary<string, object?>> Hops(dynamic record) =>
        ((object[])record.Fields["hops"]).Cast<IReadOnlyDictionary<string, object?>>().Select(h => h.ToDictionary(p => p.Key, p => p.Value)).ToList();

    private static IReadOnlyList<dynamic> Records(PowerShellRunspace ps, string parameters, params object[] arguments)
    {
        var result = ps.Run("Get-JumpAuditLog " + parameters, arguments);
        Assert.Empty(result.AllErrors);
        return result.Objects("JumpAuditRecord");
    }

    private static dynamic Verify(PowerShellRunspace ps, string path)
    {
        var result = ps.Run("Test-JumpAuditLog -Path $args[0]", path);
        Assert.Empty(result.AllErrors);
        return result.Objects("JumpAuditVerification").Single();
    }

    private string Fingerprint(string host) =>
        ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(30), "-l", "-E", "sha256", "-f", Path.Combine(_lab.Dir, "hostkeys", host, "ssh_host_ed25519_key.pub")).Output.Split(' ')[1];

    private static SecureString Secure(string text)
    {
        var secure = new SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
