using System;
using System.IO;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>
/// The ssh_config resolver against OpenSSH itself: every case of SshConfigCorpus is resolved by `ssh -G` and
/// by the resolver, and every honoured keyword must agree; every error case must fail at the same file:line.
/// </summary>
public sealed class ConfigOracleTests
{
    [Fact]
    public void ResolverAgreesWithSshDashGOnTheWholeCorpus()
    {
        // Built beside this test assembly's configuration (Debug or Release): bin/<configuration>/net10.0.
        var configuration = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)).Parent!.Name;
        var oracle = Path.Combine(RepositoryPaths.Root, "tests", "JumpHost.ConfigOracle", "bin", configuration, "net10.0", "JumpHost.ConfigOracle.dll");
        Assert.True(File.Exists(oracle), $"{oracle} was not built.");

        var run = ProcessRunner.Run("bash", TimeSpan.FromMinutes(5), Path.Combine(RepositoryPaths.Root, "tests", "JumpHost.ConfigOracle", "run.sh"), oracle);

        Assert.True(run.ExitCode == 0, run.Output + run.Error);
        Assert.Matches(@"cases: \d{3}, keyword comparisons: \d+, mismatches: 0", run.Output);
        Assert.Matches(@"error cases: \d{2}, mismatches: 0", run.Output);
    }
}
