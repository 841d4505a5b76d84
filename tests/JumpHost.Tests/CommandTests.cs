using System;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Invoke-JumpCommand: output, errors, exit status, encoding, volume, ad-hoc sessions, timeouts, Ctrl+C.</summary>
[Collection(LabCollection.Name)]
public sealed class CommandTests
{
    private readonly LabFixture _lab;

    public CommandTests(LabFixture lab)
    {
        _lab = lab;
    }

    [Fact]
    public void StdoutStderrAndExitStatusAreSeparate()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion @Lab | Invoke-JumpCommand 'echo out; echo err >&2; exit 3'");
        Assert.Empty(result.AllErrors);
        var command = result.Objects("JumpCommandResult").Single();
        Assert.Equal("out\n", (string)command.Output);
        Assert.Equal("err\n", (string)command.Error);
        Assert.Equal(3, (int?)command.ExitStatus);
        Assert.False((bool)command.Succeeded);
        Assert.Equal("target1", (string)command.HostName);
        Assert.Equal("echo out; echo err >&2; exit 3", (string)command.Command);
        Assert.True(((TimeSpan)command.Duration) > TimeSpan.Zero);
    }

    [Fact]
    public void Utf8OutputSurvivesIntact()
    {
        using var ps = _lab.NewRunspace();
        const string text = "Grüße — ✓ 日本語 🚀";
        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab | Invoke-JumpCommand $args[0]", $"printf '%s\\n' '{text}'; printf '%s' '{text}' >&2");
        Assert.Empty(result.AllErrors);
        var command = result.Objects("JumpCommandResult").Single();
        Assert.Equal(text + "\n", (string)command.Output);
        Assert.Equal(text, (string)command.Error);
    }

    [Fact]
    public void CharactersSplitAcrossReadBuffersAreDecodedOnce()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion @Lab | Invoke-JumpCommand \"yes '日本 ✓' | head -n 40000\"");
        Assert.Empty(result.AllErrors);
        Assert.Equal(string.Concat(Enumerable.Repeat("日本 ✓\n", 40000)), (string)result.Objects("JumpCommandResult").Single().Output);
    }

    [Fact]
    public async Task HundredMegabytesOfOutputArriveWholeWithoutIntermediateCopies()
    {
        using var ps = _lab.NewRunspace();
        const int size = 100 * 1000 * 1000;

        GC.Collect();
        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        long peak = 0;
        using var done = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!done.IsCancellationRequested)
            {
                peak = Math.Max(peak, GC.GetTotalMemory(forceFullCollection: false));
                await Task.Delay(5);
            }
        });
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion @Lab | Invoke-JumpCommand $args[0]", $"head -c {size} /dev/zero | tr '\\0' 'x'");
        done.Cancel();
        await sampler;

        Assert.Empty(result.AllErrors);
        string output = result.Objects("JumpCommandResult").Single().Output;
        Assert.Equal(size, output.Length);
        Assert.True(output.All(c => c == 'x'));

        // The final string is 2 bytes a character; output drained as it arrives and decoded once costs the raw
        // bytes on top (1.5x in all). Output left buffered in SSH.NET, or built up in a StringBuilder and copied,
        // goes past twice the string.
        var stringBytes = 2L * size;
        Assert.True(peak - baseline < 2 * stringBytes, $"Managed memory grew by {(peak - baseline) / 1e6:0} MB for a {stringBytes / 1e6:0} MB string.");
    }

    [Fact]
    public void AdHocCommandOpensAndClosesItsOwnSession()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("Invoke-JumpCommand -HostName www -JumpHost relay1,relay2,relay3 @Lab -Command 'echo $SSH_CONNECTION'; Get-JumpSession");
        Assert.Empty(result.AllErrors);
        var command = result.Objects("JumpCommandResult").Single();
        Assert.Contains(_lab.Ip("www"), (string)command.Output);
        Assert.Equal("Closed", command.Session.State.ToString());
        Assert.Empty(result.Objects("JumpSession"));
    }

    [Fact]
    public void AdHocCommandsOverOneBastionViaAndHostNamesFromThePipeline()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("$b = New-JumpSession bastion @Lab; 'target1','target2' | Invoke-JumpCommand 'echo $SSH_CONNECTION' -Via $b @Lab");
        Assert.Empty(result.AllErrors);
        var servers = result.Objects("JumpCommandResult").Select(r => ((string)r.Output).Trim().Split(' ')[2]).OrderBy(ip => ip);
        Assert.Equal(new[] { _lab.Ip("target1"), _lab.Ip("target2") }, servers);
    }

    [Fact]
    public void ACommandThatReadsStdinSeesEndOfInput()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion @Lab | Invoke-JumpCommand 'cat; read line || echo end-of-input' -Timeout 30");
        Assert.Empty(result.AllErrors);
        Assert.Equal("end-of-input\n", (string)result.Objects("JumpCommandResult").Single().Output);
    }

    [Fact]
    public async Task InstantCommandsInParallelSessionsNeverBreakTheirSession()
    {
        // A command that ends at once has its channel closed while the client may still be sending the end of its
        // input; sshd drops the whole connection for a message on a channel it has already freed.
        var shells = Enumerable.Range(0, 4).Select(_ => _lab.NewRunspace()).ToList();
        try
        {
            var work = shells.Select(ps => Task.Run(() => ps.Run(
                "$s = New-JumpSession bastion @Lab; foreach ($i in 1..150) { $null = Invoke-JumpCommand -Session $s -Command 'true' -ErrorAction Stop }; $s.State"))).ToList();
            foreach (var result in await Task.WhenAll(work))
            {
                Assert.Empty(result.AllErrors);
                Assert.Equal("Opened", result.Output.Single().ToString());
            }
        }
        finally
        {
            shells.ForEach(ps => ps.Dispose());
        }
    }

    [Fact]
    public void OneFailingSessionDoesNotStopTheOthers()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run(
            "$good = New-JumpSession target1 -JumpHost bastion @Lab; $bad = New-JumpSession target2 -JumpHost bastion @Lab; " +
            "Remove-JumpSession $bad; $good, $bad | Invoke-JumpCommand 'echo hi'");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("SessionNotOpen,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidOperation, error.CategoryInfo.Category);
        Assert.Equal("hi\n", (string)result.Objects("JumpCommandResult").Single().Output);
    }

    [Fact]
    public void TimeoutStopsACommandWithATimeoutError()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion @Lab | Invoke-JumpCommand 'sleep 30' -Timeout 1");
        var error = Assert.Single(result.Errors);
        Assert.StartsWith("CommandTimeout,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.OperationTimeout, error.CategoryInfo.Category);
    }

    [Fact]
    public async Task CtrlCStopsARunningCommandAndTheSessionStaysUsable()
    {
        using var ps = _lab.NewRunspace();
        Assert.Empty(ps.Run("$s = New-JumpSession target1 -JumpHost bastion @Lab").AllErrors);

        var (shell, completion) = ps.Start("Invoke-JumpCommand -Session $s -Command 'sleep 60'");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var stopwatch = Stopwatch.StartNew();
        shell.Stop();
        var stopped = await completion;
        stopwatch.Stop();
        shell.Dispose();

        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {stopwatch.Elapsed}.");
        Assert.Empty(stopped.Output);
        Assert.IsType<PipelineStoppedException>(stopped.Terminating);

        var after = ps.Run("Invoke-JumpCommand -Session $s -Command 'echo still here'");
        Assert.Empty(after.AllErrors);
        Assert.Equal("still here\n", (string)after.Objects("JumpCommandResult").Single().Output);
    }
}
