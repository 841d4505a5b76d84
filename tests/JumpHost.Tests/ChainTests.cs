using System;
using System.Linq;
using System.Management.Automation;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Sessions over 0, 1 and 3 hops against the lab, and proof of where each connection came from.</summary>
[Collection(LabCollection.Name)]
public sealed class ChainTests
{
    private readonly LabFixture _lab;

    public ChainTests(LabFixture lab)
    {
        _lab = lab;
    }

    [Fact]
    public void DirectSessionToTheBastionRunsCommands()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("$s = New-JumpSession bastion @Lab; $s; Invoke-JumpCommand -Session $s -Command 'echo $SSH_CONNECTION'");

        Assert.Empty(result.AllErrors);
        var session = result.Objects("JumpSession").Single();
        Assert.Equal("Opened", session.State.ToString());
        Assert.Equal("bastion", session.HostName);
        Assert.Equal(22, session.Port);
        Assert.Equal(_lab.User, session.UserName);
        Assert.Equal(string.Empty, session.JumpHosts);
        var hop = Assert.Single(Dyn.List(session.Hops));
        Assert.StartsWith("SHA256:", hop.HostKeyFingerprint);
        Assert.Equal("Known", hop.HostKeyStatus.ToString());

        var command = result.Objects("JumpCommandResult").Single();
        Assert.Equal(0, command.ExitStatus);
        var connection = command.Output.Trim().Split(' ');
        Assert.Equal(_lab.Ip("bastion"), connection[2]);
    }

    [Fact]
    public void TargetIsUnreachableDirectlyButReachableThroughTheBastion()
    {
        using var ps = _lab.NewRunspace();

        // A terminating error: try/catch sees it, and nothing after New-JumpSession runs.
        var direct = ps.Run("try { New-JumpSession target1 @Lab -ConnectTimeout 5; 'not reached' } catch { $_ }");
        Assert.Empty(direct.AllErrors);
        var error = Assert.IsType<ErrorRecord>(Assert.Single(direct.Output).BaseObject);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.StartsWith("HopUnreachable,", error.FullyQualifiedErrorId);
        Assert.Contains("target1:22", error.Exception.Message);

        var result = ps.Run("$s = New-JumpSession target1 -JumpHost bastion @Lab; Invoke-JumpCommand -Session $s -Command 'echo $SSH_CONNECTION'");
        Assert.Empty(result.AllErrors);
        var connection = result.Objects("JumpCommandResult").Single().Output.Trim().Split(' ');
        Assert.Equal(_lab.BastionSideIp, connection[0]);
        Assert.Equal(_lab.Ip("target1"), connection[2]);

        // The target's own sshd saw the bastion, not this machine, as the client.
        Assert.Contains($"from {_lab.BastionSideIp} port {connection[1]}", _lab.Log("target1.sshd.log"));
    }

    [Fact]
    public void AProcessRacingForAHopTunnelPortGetsNoPathIntoTheChain()
    {
        using var ps = _lab.NewRunspace();
        using var sniper = new LoopbackPortSniper();
        var result = ps.Run("1..20 | ForEach-Object { $s = New-JumpSession target1 -JumpHost bastion @Lab; Invoke-JumpCommand -Session $s -Command 'echo ok'; Remove-JumpSession $s }");
        var attempts = sniper.Finish();

        // Every session opened although a stranger raced its client to the tunnel's port.
        Assert.Empty(result.AllErrors);
        Assert.Equal(20, result.Objects("JumpCommandResult").Count(r => r.Output == "ok\n"));

        // The stranger got in on some ports, and never further than the refusal of its guessed password.
        var connected = attempts.Where(received => received != null).ToList();
        Assert.NotEmpty(connected);
        Assert.All(connected, received => Assert.True(
            new byte[] { 5, 2, 1, 1 }.AsSpan().StartsWith(received), $"A stranger on a tunnel port received {Convert.ToHexString(received!)}."));
    }

    [Fact]
    public void ThreeRelayChainReachesTheWebServerHost()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "$s = New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab; $s; " +
            "Invoke-JumpCommand -Session $s -Command 'echo $SSH_CONNECTION; curl -s http://www/'");

        Assert.Empty(result.AllErrors);
        var session = result.Objects("JumpSession").Single();
        Assert.Equal(new[] { "relay1", "relay2", "relay3", "www" }, Dyn.Strings(session.Hops, "HostName"));
        Assert.Equal("jhlab@relay1,jhlab@relay2,jhlab@relay3", session.JumpHosts);
        foreach (var hop in Dyn.List(session.Hops))
        {
            Assert.Equal("Known", hop.HostKeyStatus.ToString());
        }

        var output = result.Objects("JumpCommandResult").Single().Output.Split('\n');
        var connection = output[0].Split(' ');
        Assert.Equal(_lab.Relay3SideIp, connection[0]);
        Assert.Equal(_lab.Ip("www"), connection[2]);
        Assert.Contains(_lab.WwwToken, string.Join('\n', output));
    }

    [Fact]
    public void HopStringsCarryUserAndPortAndCommaListsWork()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "New-JumpSession -HostName 'jhlab@target2:22' -JumpHost 'jhlab@bastion:2222' -KeyFile $Lab.KeyFile -KnownHostsFile $Lab.KnownHostsFile -UserName nobody; " +
            "New-JumpSession www -JumpHost 'relay1,relay2', relay3 @Lab");

        Assert.Empty(result.AllErrors);
        var sessions = result.Objects("JumpSession").ToList();
        Assert.Equal("jhlab@bastion:2222", sessions[0].JumpHosts);
        Assert.Equal(new[] { "relay1", "relay2", "relay3", "www" }, Dyn.Strings(sessions[1].Hops, "HostName"));
    }

    [Fact]
    public void ManyTargetsShareOneBastionConnectionThroughVia()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "$b = New-JumpSession bastion @Lab; " +
            "$targets = 1..20 | ForEach-Object { if ($_ % 2) { 'target1' } else { 'target2' } }; " +
            "$sessions = $targets | New-JumpSession -Via $b @Lab; " +
            "$sessions | Invoke-JumpCommand -Command 'echo $SSH_CONNECTION' -ThrottleLimit 20");

        Assert.Empty(result.AllErrors);
        var outputs = result.Objects("JumpCommandResult").ToList();
        Assert.Equal(20, outputs.Count);
        Assert.All(outputs, r => Assert.Equal(0, r.ExitStatus));
        Assert.Equal(10, outputs.Count(r => r.Output.Contains(_lab.Ip("target1"))));
        Assert.Equal(10, outputs.Count(r => r.Output.Contains(_lab.Ip("target2"))));
        Assert.All(outputs, r => Assert.Equal("jhlab@bastion", r.Session.JumpHosts));

        // One connection to the bastion carried them all: the bastion saw a single login from this machine.
        var bastionSessions = ProcessRunner.InNamespace("jhlab-bastion", "ss -Htn state established '( sport = :22 )'").Output;
        Assert.Single(bastionSessions.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void WhatIfShowsTheRouteAndConnectsNowhere()
    {
        using var ps = _lab.NewRunspace();
        var before = _lab.Log("relay1.sshd.log").Length;
        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -WhatIf; Get-JumpSession");
        Assert.Empty(result.AllErrors);
        Assert.Empty(result.Output);
        Assert.Equal(before, _lab.Log("relay1.sshd.log").Length);
    }

    [Fact]
    public void HopTunnelsCloseTheirPortOnceTheNextHopHasConnected()
    {
        using var ps = _lab.NewRunspace();
        Assert.Empty(ps.Run("$s = New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab").AllErrors);

        // Each hop's tunnel listened on loopback for the next hop's client only, and stopped listening once it
        // came: no other program on this computer can find a way into the chain.
        var listeners = ProcessRunner.Run("ss", TimeSpan.FromSeconds(10), "-Hltnp").Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Where(line => line.Contains($"pid={Environment.ProcessId},"));
        Assert.Empty(listeners);
        Assert.Empty(ps.Run("Invoke-JumpCommand -Session $s -Command true").AllErrors);
    }
}
