using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Get-JumpHostKey (ssh-keyscan), Remove-JumpHostKey (ssh-keygen -R) and -HostKeyPolicy Ask.</summary>
[Collection(LabCollection.Name)]
public sealed class KnownHostsTests : IDisposable
{
    private readonly LabFixture _lab;
    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-knownhosts-").FullName;

    public KnownHostsTests(LabFixture lab)
    {
        _lab = lab;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void GetJumpHostKeyMatchesSshKeyscan()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("Get-JumpHostKey bastion -KnownHostsFile $Lab.KnownHostsFile");
        Assert.Empty(result.AllErrors);
        var keys = result.Objects("JumpHostKey");
        Assert.Equal(new[] { "ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa" }, keys.Select(k => (string)k.KeyType).OrderBy(t => t));
        Assert.All(keys, k => Assert.Equal("Known", k.Status.ToString()));

        var keyscan = ProcessRunner.Run("ssh-keyscan", TimeSpan.FromSeconds(30), "-t", "ed25519,ecdsa,rsa", "bastion");
        var expected = keyscan.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith('#')).OrderBy(l => l);
        Assert.Equal(expected, keys.Select(k => (string)k.KnownHostsLine).OrderBy(l => l));
        Assert.Equal(Fingerprint("bastion", "ed25519"), (string)keys.Single(k => (string)k.KeyType == "ssh-ed25519").Fingerprint);
    }

    [Fact]
    public void GetJumpHostKeyReachesAHostBehindJumpHostsWithoutLoggingInToIt()
    {
        var knownHosts = KnownHostsWithout("relay3");
        using var ps = _lab.NewRunspace(knownHosts);
        var before = _lab.Log("relay3.sshd.log");
        var result = ps.Run("Get-JumpHostKey relay3 -JumpHost relay1,relay2 @Lab -KeyType ed25519");
        Assert.Empty(result.AllErrors);
        var key = result.Objects("JumpHostKey").Single();
        Assert.Equal("Unknown", key.Status.ToString());
        Assert.Equal(Fingerprint("relay3", "ed25519"), (string)key.Fingerprint);
        Assert.StartsWith("relay3 ssh-ed25519 ", (string)key.KnownHostsLine);

        // relay3 saw a connection from relay2 but no login.
        var after = _lab.Log("relay3.sshd.log").Substring(before.Length);
        Assert.Contains("Connection from 10.213.13.1", after);
        Assert.DoesNotContain("Accepted", after);
    }

    [Fact]
    public void RemoveJumpHostKeyRemovesPlainAndHashedEntriesLikeSshKeygen()
    {
        foreach (var source in new[] { _lab.KnownHosts, _lab.KnownHostsHashed })
        {
            var knownHosts = Path.Combine(_scratch, "known_hosts");
            File.Copy(source, knownHosts, overwrite: true);
            var linesBefore = File.ReadAllLines(knownHosts).Length;
            using var ps = _lab.NewRunspace(knownHosts);

            var removed = ps.Run("Remove-JumpHostKey relay2 -KnownHostsFile $Lab.KnownHostsFile -Verbose");
            Assert.Empty(removed.AllErrors);
            Assert.Equal(linesBefore - 3, File.ReadAllLines(knownHosts).Length);
            Assert.Equal(File.ReadAllText(source), File.ReadAllText(knownHosts + ".old"));

            var refused = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab").SingleError;
            Assert.StartsWith("HostKeyUnknown,", refused.FullyQualifiedErrorId);
        }
    }

    [Fact]
    public void RemoveJumpHostKeyTakesKeysFromGetJumpHostKeyAndHonoursWhatIf()
    {
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.Copy(_lab.KnownHosts, knownHosts);
        using var ps = _lab.NewRunspace(knownHosts);

        Assert.Empty(ps.Run("Get-JumpHostKey bastion:2222 -KnownHostsFile $Lab.KnownHostsFile | Remove-JumpHostKey -KnownHostsFile $Lab.KnownHostsFile -WhatIf").AllErrors);
        Assert.Equal(File.ReadAllText(_lab.KnownHosts), File.ReadAllText(knownHosts));

        Assert.Empty(ps.Run("Get-JumpHostKey bastion:2222 -KnownHostsFile $Lab.KnownHostsFile | Remove-JumpHostKey -KnownHostsFile $Lab.KnownHostsFile").AllErrors);
        Assert.DoesNotContain(File.ReadAllLines(knownHosts), l => l.StartsWith("[bastion]:2222 "));
        Assert.Contains(File.ReadAllLines(knownHosts), l => l.StartsWith("bastion "));
    }

    [Fact]
    public void AskTrustsAKeyWhenThePersonAtTheConsoleSaysYes()
    {
        var knownHosts = KnownHostsWithout("relay2");
        var host = new ScriptedHost();
        host.Choices.Enqueue(0);
        using var ps = _lab.NewRunspace(knownHosts, host);

        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy Ask");
        Assert.Empty(result.AllErrors);
        var question = Assert.Single(host.Shown, s => s.Contains("can't be established"));
        Assert.Contains("relay2:22 via relay1", question);
        Assert.Contains(Fingerprint("relay2", "ed25519"), question);
        Assert.Single(File.ReadAllLines(knownHosts), l => l.StartsWith("relay2 ssh-ed25519 "));
    }

    [Fact]
    public void AskRefusesWhenThePersonSaysNo()
    {
        var knownHosts = KnownHostsWithout("relay2");
        var host = new ScriptedHost();
        host.Choices.Enqueue(1);
        using var ps = _lab.NewRunspace(knownHosts, host);

        var error = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy Ask").SingleError;
        Assert.StartsWith("HostKeyUnknown,", error.FullyQualifiedErrorId);
        Assert.DoesNotContain(File.ReadAllLines(knownHosts), l => l.StartsWith("relay2 "));
    }

    [Fact]
    public void AskInANonInteractiveRunRefusesAndSaysWhy()
    {
        var knownHosts = KnownHostsWithout("relay2");
        using var ps = _lab.NewRunspace(knownHosts);

        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -HostKeyPolicy Ask");
        Assert.StartsWith("HostKeyUnknown,", result.SingleError.FullyQualifiedErrorId);
        Assert.Contains(result.Warnings, w => w.Contains("cannot ask"));
    }

    private string KnownHostsWithout(string host)
    {
        var path = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(path, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith(host + " ")));
        return path;
    }

    private string Fingerprint(string host, string type) =>
        ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(30), "-l", "-E", "sha256", "-f",
            Path.Combine(_lab.Dir, "hostkeys", host, $"ssh_host_{type}_key.pub")).Output.Split(' ')[1];
}
