using System;
using System.Diagnostics;
using System.Management.Automation;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Hops that cannot be reached, servers that never answer, and Ctrl+C while connecting.</summary>
[Collection(LabCollection.Name)]
public sealed class ConnectionFailureTests
{
    private readonly LabFixture _lab;

    public ConnectionFailureTests(LabFixture lab)
    {
        _lab = lab;
    }

    [Fact]
    public void AHostTheJumpHostCannotReachIsReportedForThatHop()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession target1 -JumpHost relay1 @Lab").SingleError;
        Assert.StartsWith("HopUnreachable,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ConnectionError, error.CategoryInfo.Category);
        Assert.Contains("target1:22 via relay1", error.Exception.Message);
        Assert.Contains("relay1 could not open a connection to target1:22", error.Exception.Message);
    }

    [Fact]
    public void AClosedPortIsUnreachable()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession bastion:2223 @Lab").SingleError;
        Assert.StartsWith("HopUnreachable,", error.FullyQualifiedErrorId);
        Assert.Contains("bastion:2223", error.Exception.Message);
    }

    [Fact]
    public void AServerThatNeverAnswersTimesOut()
    {
        using var silent = SilentServer(out var port);
        using var ps = _lab.NewRunspace();
        var clock = Stopwatch.StartNew();
        var error = ps.Run("New-JumpSession 127.0.0.1 -Port $args[0] @Lab -ConnectTimeout 2", port).SingleError;
        clock.Stop();

        Assert.StartsWith("ConnectTimeout,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
        Assert.Contains("-ConnectTimeout", error.Exception.Message);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task CtrlCInterruptsAConnect()
    {
        using var silent = SilentServer(out var port);
        using var ps = _lab.NewRunspace();
        var (shell, completion) = ps.Start("New-JumpSession 127.0.0.1 -Port $args[0] @Lab -ConnectTimeout 120", port);
        await Task.Delay(TimeSpan.FromSeconds(1));

        var clock = Stopwatch.StartNew();
        shell.Stop();
        var result = await completion;
        clock.Stop();
        shell.Dispose();

        Assert.IsType<PipelineStoppedException>(result.Terminating);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {clock.Elapsed}.");
        Assert.Empty(ps.Run("Get-JumpSession").Output);
    }

    [Fact]
    public void VerboseOutputNamesEveryHopAndItsHostKey()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab -Verbose");
        Assert.Empty(result.AllErrors);
        Assert.Contains(result.Verbose, v => v.StartsWith("Connecting to jhlab@relay2:22 via relay1"));
        Assert.Contains(result.Verbose, v => v.StartsWith("Connected to jhlab@www:22 via relay3: ED25519 host key SHA256:"));
    }

    /// <summary>A TCP port on loopback that accepts connections and never says anything.</summary>
    private static TcpListener SilentServer(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        return listener;
    }
}
