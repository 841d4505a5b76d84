using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Sessions live in their runspace, close with it, with the module, and with Remove-JumpSession; nothing leaks.</summary>
[Collection(LabCollection.Name)]
public sealed class LifecycleTests
{
    private readonly LabFixture _lab;

    public LifecycleTests(LabFixture lab)
    {
        _lab = lab;
    }

    [Fact]
    public void RunspacesDoNotSeeEachOthersSessions()
    {
        using var first = _lab.NewRunspace();
        using var second = _lab.NewRunspace();
        Assert.Empty(first.Run("New-JumpSession bastion @Lab -Name mine").AllErrors);

        Assert.Single(first.Run("Get-JumpSession").Output);
        Assert.Empty(second.Run("Get-JumpSession").Output);
        Assert.StartsWith("SessionNotFound,", second.Run("Get-JumpSession -Name mine").SingleError.FullyQualifiedErrorId);
    }

    [Fact]
    public void ClosingTheRunspaceClosesEveryHop()
    {
        dynamic session;
        using (var ps = _lab.NewRunspace())
        {
            var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab");
            Assert.Empty(result.AllErrors);
            session = result.Objects("JumpSession").Single();
            Assert.Equal(1, EstablishedSshConnections("relay1"));
        }

        Assert.Equal("Closed", session.State.ToString());
        Eventually.Assert(() => EstablishedSshConnections("relay1") == 0, "relay1 still has an SSH connection from the client");
        Eventually.Assert(() => EstablishedSshConnections("www") == 0, "www still has an SSH connection");
    }

    [Fact]
    public void RemovingTheModuleClosesTheSessionsAndStopsTheirForwards()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("$s = New-JumpSession target1 -JumpHost bastion @Lab; $f = $s | Start-PortForward -RemotePort 22; Remove-Module JumpHost; $s; $f");
        Assert.Empty(result.AllErrors);
        Assert.Equal("Closed", result.Objects("JumpSession").Single().State.ToString());
        dynamic forward = result.Objects("PortForward").Single();
        Assert.Equal("Stopped", forward.State.ToString());
        Assert.False(TcpProbe.IsListening(int.Parse(((string)forward.LocalEndpoint).Split(':')[1])));
        Eventually.Assert(() => EstablishedSshConnections("bastion") == 0, "bastion still has an SSH connection");
    }

    [Fact]
    public void RemoveJumpSessionHonoursWhatIfAndClosesSessionsOpenedThroughIt()
    {
        using var ps = _lab.NewRunspace();
        Assert.Empty(ps.Run("$b = New-JumpSession bastion @Lab -Name edge; $t = 'target1','target2' | New-JumpSession -Via $b @Lab").AllErrors);

        var whatIf = ps.Run("Remove-JumpSession -Name edge -WhatIf; Get-JumpSession");
        Assert.Empty(whatIf.AllErrors);
        Assert.Equal(3, whatIf.Objects("JumpSession").Count(s => s.State.ToString() == "Opened"));

        var removed = ps.Run("Remove-JumpSession -Name ed* -Verbose; $b.State; $t.State; Get-JumpSession");
        Assert.Empty(removed.AllErrors);
        Assert.Equal(new[] { "Closed", "Closed", "Closed" }, removed.Output.Select(o => o.ToString()));
        Assert.Equal(2, removed.Verbose.Count(v => v.EndsWith("is closed with it.")));
        Assert.Equal(0, EstablishedSshConnections("bastion"));
    }

    [Fact]
    public void GetJumpSessionFindsByIdAndByWildcardName()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "$a = New-JumpSession bastion @Lab -Name web-a; $b = New-JumpSession bastion @Lab -Name web-b; $c = New-JumpSession bastion @Lab -Name db; " +
            "(Get-JumpSession -Name web*).Name; (Get-JumpSession -Id $c.Id).Name; Get-JumpSession -Id 999");
        Assert.Equal(new[] { "web-a", "web-b", "db" }, result.Output.Select(o => o.ToString()));
        var error = result.SingleError;
        Assert.StartsWith("SessionNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void ASessionWhoseBastionDropsShowsBroken()
    {
        using var ps = _lab.NewRunspace();
        var opened = ps.Run("$s = New-JumpSession target1 -JumpHost bastion:2222 @Lab -KeepAliveInterval 1; $s");
        Assert.Empty(opened.AllErrors);
        dynamic session = opened.Objects("JumpSession").Single();
        Assert.Equal("Opened", session.State.ToString());

        // Kill the bastion's per-connection sshd processes: the connection drops under the session.
        var listener = File.ReadAllText(_lab.DropPidFile).Trim();
        ProcessRunner.Run("pkill", TimeSpan.FromSeconds(10), "-P", listener);

        Eventually.Assert(() => session.State.ToString() == "Broken", "the session did not notice its bastion dropping");
        Assert.Contains("bastion", (string)session.Failure);
        var use = ps.Run("Invoke-JumpCommand -Session $s -Command 'true'");
        Assert.StartsWith("SessionNotOpen,", use.SingleError.FullyQualifiedErrorId);
        Assert.Contains("broken", use.SingleError.Exception.Message);
    }

    [Fact]
    public void ManyOpenCloseCyclesLeakNoSocketsThreadsOrConnections()
    {
        using var ps = _lab.NewRunspace();
        ps.Run("Remove-JumpSession -Id (New-JumpSession target1 -JumpHost bastion @Lab).Id");
        var socketsBefore = Eventually.OpenSockets();
        var threadsBefore = Eventually.DedicatedThreads();

        var result = ps.Run("foreach ($i in 1..30) { New-JumpSession target1 -JumpHost bastion @Lab | Remove-JumpSession }");
        Assert.Empty(result.AllErrors);

        Eventually.Assert(() => Eventually.OpenSockets() <= socketsBefore + 2, $"sockets grew from {socketsBefore} to {Eventually.OpenSockets()}");
        Eventually.Assert(() => Eventually.DedicatedThreads() <= threadsBefore + 2, $"threads other than the pool's grew from {threadsBefore} to {Eventually.DedicatedThreads()}");
        Eventually.Assert(() => EstablishedSshConnections("bastion") == 0, "bastion still has SSH connections");
    }

    /// <summary>Established TCP connections to port 22 of a lab host, counted inside its namespace.</summary>
    private int EstablishedSshConnections(string host)
    {
        var ns = host.StartsWith("target") ? "jhlab-private" : "jhlab-" + host;
        var output = ProcessRunner.InNamespace(ns, $"ss -Htn state established '( sport = :22 )' src {_lab.Ip(host)}").Output;
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length;
    }
}
