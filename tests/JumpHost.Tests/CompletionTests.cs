using System;
using System.IO;
using System.Linq;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Tab completion of host names from ssh_config's Host lines.</summary>
public sealed class CompletionTests : IDisposable
{
    private readonly string _config = Path.Combine(Directory.CreateTempSubdirectory("jumphost-completion-").FullName, "config");

    public CompletionTests()
    {
        File.WriteAllText(_config, "Host edge edge-backup\n    HostName bastion\nHost inner\n    ProxyJump edge\nHost *.example.com !bad\n    User x\n");
    }

    public void Dispose() => Directory.Delete(Path.GetDirectoryName(_config)!, recursive: true);

    [Theory]
    [InlineData("New-JumpSession -ConfigFile '{0}' ed", new[] { "edge", "edge-backup" })]
    [InlineData("Invoke-JumpCommand -ConfigFile '{0}' -Command true -HostName in", new[] { "inner" })]
    [InlineData("New-JumpSession inner -ConfigFile '{0}' -JumpHost relay1,ed", new[] { "edge", "edge-backup" })]
    [InlineData("New-JumpSession inner -ConfigFile '{0}' -JumpHost 'relay1,ed", new[] { "'relay1,edge'", "'relay1,edge-backup'" })]
    [InlineData("Start-PortForward -ConfigFile '{0}' -RemotePort 80 -HostName x", new string[0])]
    public void HostNamesCompleteFromTheConfigsSingleHostLines(string line, string[] expected)
    {
        using var ps = new PowerShellRunspace();
        var input = string.Format(line, _config);
        var completions = ps.Run("[System.Management.Automation.CommandCompletion]::CompleteInput($args[0], $args[0].Length, $null).CompletionMatches | ForEach-Object { $_.CompletionText }", input);
        Assert.Empty(completions.AllErrors);
        Assert.Equal(expected, completions.Output.Select(o => o.ToString()).Where(c => !c.Contains('.')));
    }
}
