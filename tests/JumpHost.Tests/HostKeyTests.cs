using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Every hop's host key is checked against known_hosts, as ssh does, and a changed key is always refused.</summary>
[Collection(LabCollection.Name)]
public sealed class HostKeyTests : IDisposable
{
    private readonly LabFixture _lab;
    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-hostkeys-").FullName;

    public HostKeyTests(LabFixture lab)
    {
        _lab = lab;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void UnknownKeyOnTheSecondHopIsRefusedWithItsFingerprintThenAcceptedOnRequest()
    {
        var knownHosts = KnownHostsWithout("relay2");
        using var ps = _lab.NewRunspace(knownHosts);

        var refused = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab");
        var error = refused.SingleError;
        Assert.StartsWith("HostKeyUnknown,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
        Assert.Contains("relay2:22 via relay1", error.Exception.Message);
        Assert.Contains(Fingerprint("relay2", "ed25519"), error.Exception.Message);
        Assert.Contains("-HostKeyPolicy AcceptNew", error.Exception.Message);
        Assert.DoesNotContain(File.ReadAllLines(knownHosts), line => line.StartsWith("relay2 "));

        var accepted = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy AcceptNew");
        Assert.Empty(accepted.AllErrors);
        var session = accepted.Objects("JumpSession").Single();
        var statuses = Dyn.Strings(session.Hops, "HostKeyStatus");
        Assert.Equal(new[] { "Known", "AddedNew", "Known", "Known" }, statuses);
        Assert.Single(File.ReadAllLines(knownHosts), line => line.StartsWith("relay2 ssh-ed25519 "));

        // Now known: Strict accepts it.
        Assert.Empty(ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab").AllErrors);
    }

    [Fact]
    public void ChangedKeyOnTheSecondHopIsRefusedEvenUnderAcceptNew()
    {
        // A known_hosts that lists another ed25519 key for relay2, as after a man-in-the-middle swap.
        var knownHosts = KnownHostsWithout("relay2");
        var impostor = Path.Combine(_scratch, "impostor");
        Assert.Equal(0, ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(30), "-q", "-t", "ed25519", "-N", "", "-f", impostor).ExitCode);
        var impostorKey = File.ReadAllText(impostor + ".pub").Split(' ')[1];
        File.AppendAllText(knownHosts, $"relay2 ssh-ed25519 {impostorKey}\n");
        var line = File.ReadAllLines(knownHosts).Length;

        using var ps = _lab.NewRunspace(knownHosts);
        var refused = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy AcceptNew");

        var error = refused.SingleError;
        Assert.StartsWith("HostKeyMismatch,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
        var message = error.Exception.Message;
        Assert.Contains("REMOTE HOST IDENTIFICATION HAS CHANGED", message);
        Assert.Contains("relay2:22 via relay1", message);
        Assert.Contains(Fingerprint("relay2", "ed25519"), message);
        Assert.Contains(FingerprintOf(impostor + ".pub"), message);
        Assert.Contains($"{knownHosts}:{line}", message);
        Assert.Empty(ps.Run("Get-JumpSession").Output);
    }

    [Fact]
    public void HashedKnownHostsEntriesAreHonoured()
    {
        using var ps = _lab.NewRunspace(_lab.KnownHostsHashed);
        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab");
        Assert.Empty(result.AllErrors);
    }

    [Fact]
    public void NonStandardPortIsLookedUpAsBracketedHostAndPort()
    {
        // The drop sshd on bastion:2222 has its own key, listed as [bastion]:2222 only.
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(knownHosts, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith("[bastion]:2222 ")));
        using var ps = _lab.NewRunspace(knownHosts);

        var refused = ps.Run("New-JumpSession bastion:2222 @Lab");
        Assert.StartsWith("HostKeyUnknown,", refused.SingleError.FullyQualifiedErrorId);

        Assert.Empty(ps.Run("New-JumpSession bastion:2222 @Lab -HostKeyPolicy AcceptNew").AllErrors);
        Assert.Single(File.ReadAllLines(knownHosts), l => l.StartsWith("[bastion]:2222 ssh-ed25519 "));
    }

    [Fact]
    public async Task ConcurrentAcceptNewFromTwoRunspacesWritesEachKeyOnce()
    {
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.WriteAllText(knownHosts, string.Empty);

        var runs = Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
        {
            using var ps = _lab.NewRunspace(knownHosts);
            return ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy AcceptNew");
        })).ToArray();
        var results = await Task.WhenAll(runs);

        Assert.All(results, run => Assert.Empty(run.AllErrors));
        var lines = File.ReadAllLines(knownHosts);
        Assert.Equal(4, lines.Length);
        Assert.Equal(new[] { "relay1", "relay2", "relay3", "www" }, lines.Select(l => l.Split(' ')[0]).OrderBy(h => h));
    }

    private string KnownHostsWithout(string host)
    {
        var path = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(path, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith(host + " ")));
        return path;
    }

    private string Fingerprint(string host, string type) =>
        FingerprintOf(Path.Combine(_lab.Dir, "hostkeys", host, $"ssh_host_{type}_key.pub"));

    private static string FingerprintOf(string publicKeyFile) =>
        ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(30), "-l", "-E", "sha256", "-f", publicKeyFile).Output.Split(' ')[1];
}
