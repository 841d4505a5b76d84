using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Keys held by a real ssh-agent (ssh-add), chosen as ssh chooses them: IdentityAgent, IdentitiesOnly.</summary>
[Collection(LabCollection.Name)]
public sealed class AgentTests : IDisposable
{
    private readonly LabFixture _lab;
    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-agent-").FullName;
    private readonly string _socket;
    private readonly string _agentPid;

    public AgentTests(LabFixture lab)
    {
        _lab = lab;
        _socket = Path.Combine(_scratch, "agent.sock");
        var agent = ProcessRunner.Run("ssh-agent", TimeSpan.FromSeconds(10), "-a", _socket);
        Assert.Equal(0, agent.ExitCode);
        _agentPid = agent.Output.Split(';').First(p => p.Contains("SSH_AGENT_PID=")).Split('=')[1];

        // The encrypted key, unlocked once with ssh-add: afterwards no passphrase is needed to use it.
        var askpass = Path.Combine(_scratch, "askpass");
        File.WriteAllText(askpass, $"#!/bin/sh\necho '{_lab.Passphrase}'\n");
        File.SetUnixFileMode(askpass, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var add = ProcessRunner.Run("ssh-add", TimeSpan.FromSeconds(30), new Dictionary<string, string>
        {
            ["SSH_AUTH_SOCK"] = _socket,
            ["SSH_ASKPASS"] = askpass,
            ["SSH_ASKPASS_REQUIRE"] = "force",
            ["DISPLAY"] = "none",
        }, _lab.EncryptedKey);
        Assert.True(add.ExitCode == 0, add.Error);
    }

    public void Dispose()
    {
        ProcessRunner.Run("kill", TimeSpan.FromSeconds(10), _agentPid);
        Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void AKeyInTheAgentLogsInToEveryHop()
    {
        var config = WriteConfig(identityFile: "none", identitiesOnly: false);
        using var ps = new PowerShellRunspace();
        var before = _lab.Log("target1.sshd.log").Length;

        var result = ps.Run("New-JumpSession target1 -JumpHost bastion -ConfigFile $args[0] -Verbose", config);

        Assert.Empty(result.AllErrors);
        Assert.Contains(result.Verbose, v => v.Contains("The SSH agent at") && v.Contains("holds 1 key"));
        var fingerprint = ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(10), "-l", "-E", "sha256", "-f", _lab.EncryptedKey + ".pub").Output.Split(' ')[1];
        Assert.Contains($"ED25519 {fingerprint}", _lab.Log("target1.sshd.log").Substring(before));
    }

    [Fact]
    public void IdentitiesOnlyKeepsTheAgentsOtherKeysBack()
    {
        // Only the unauthorized key's file is named: the agent's (authorized) key must not be offered.
        var config = WriteConfig(identityFile: _lab.UnauthorizedKey, identitiesOnly: true);
        using var ps = new PowerShellRunspace();
        var error = ps.Run("New-JumpSession bastion -ConfigFile $args[0]", config).SingleError;
        Assert.StartsWith("AuthenticationFailed,", error.FullyQualifiedErrorId);

        // Naming the agent's key by its file offers it through the agent: no passphrase is needed.
        var named = WriteConfig(identityFile: _lab.EncryptedKey, identitiesOnly: true);
        var result = ps.Run("New-JumpSession bastion -ConfigFile $args[0] -Verbose", named);
        Assert.Empty(result.AllErrors);
        Assert.Contains(result.Verbose, v => v.Contains($"offering {_lab.EncryptedKey} through the agent"));
    }

    [Fact]
    public void AnAgentThatIsNotThereIsReportedAndOtherKeysStillWork()
    {
        var config = WriteConfig(identityFile: _lab.Key, identitiesOnly: false, agent: Path.Combine(_scratch, "no-such.sock"));
        using var ps = new PowerShellRunspace();
        var result = ps.Run("New-JumpSession bastion -ConfigFile $args[0]", config);
        Assert.Empty(result.AllErrors);
        Assert.Contains(result.Warnings, w => w.Contains("no-such.sock"));
    }

    private string WriteConfig(string identityFile, bool identitiesOnly, string? agent = null)
    {
        var path = Path.Combine(_scratch, "config");
        File.WriteAllText(path, string.Join('\n',
            "Host *",
            $"    User {_lab.User}",
            $"    IdentityAgent {agent ?? _socket}",
            $"    IdentityFile {identityFile}",
            $"    IdentitiesOnly {(identitiesOnly ? "yes" : "no")}",
            $"    UserKnownHostsFile {_lab.KnownHosts}",
            "    GlobalKnownHostsFile /dev/null",
            ""));
        return path;
    }
}
