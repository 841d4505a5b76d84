using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>ssh_config drives sessions as it drives ssh: aliases, ProxyJump chains, per-host keys and known_hosts settings.</summary>
[Collection(LabCollection.Name)]
public sealed class ConfigTests : IDisposable
{
    private readonly LabFixture _lab;
    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-config-").FullName;

    public ConfigTests(LabFixture lab)
    {
        _lab = lab;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void AnAliasWithProxyJumpOpensLikeSshWould()
    {
        var config = WriteConfig();
        using var ps = new PowerShellRunspace();
        var result = ps.Run("$s = New-JumpSession inner -ConfigFile $args[0]; $s; Invoke-JumpCommand -Session $s -Command 'echo $SSH_CONNECTION'", config);

        Assert.Empty(result.AllErrors);
        var session = result.Objects("JumpSession").Single();
        Assert.Equal(new[] { "edge", "inner" }, Dyn.Strings(session.Hops, "HostName"));
        var connection = ((string)result.Objects("JumpCommandResult").Single().Output).Trim().Split(' ');
        Assert.Equal(_lab.BastionSideIp, connection[0]);
        Assert.Equal(_lab.Ip("target1"), connection[2]);

        // And OpenSSH agrees with the same file.
        var ssh = ProcessRunner.Run("ssh", TimeSpan.FromSeconds(60), "-F", config, "inner", "echo $SSH_CONNECTION");
        Assert.Equal(0, ssh.ExitCode);
        Assert.Equal(_lab.Ip("target1"), ssh.Output.Trim().Split(' ')[2]);
    }

    [Fact]
    public void ResolveJumpHostShowsEveryHopAndWhereEachValueCameFrom()
    {
        var config = WriteConfig();
        using var ps = new PowerShellRunspace();
        var result = ps.Run("Resolve-JumpHost web -ConfigFile $args[0]", config);

        Assert.Empty(result.AllErrors);
        var hops = result.Objects("JumpHopPlan");
        Assert.Equal(new[] { "relay1", "relay2", "relay3", "web" }, hops.Select(h => (string)h.Name));
        var web = hops.Last();
        Assert.Equal("www", (string)web.HostName);
        Assert.Equal(_lab.User, (string)web.UserName);
        Assert.Equal(new[] { _lab.Key }, (string[])web.IdentityFiles);
        Assert.Equal(new[] { _lab.KnownHosts }, (string[])web.KnownHostsFiles);
        var origins = (IReadOnlyDictionary<string, string>)web.Origins;
        Assert.Equal($"{config}:{LineOf(config, "HostName www")}", origins["HostName"]);
        Assert.Equal($"{config}:{LineOf(config, "ProxyJump relay1,relay2,relay3")}", origins["ProxyJump"]);
        Assert.Equal("default", origins["Port"]);

        // -WhatIf plans the same route and connects nowhere.
        var before = _lab.Log("relay1.sshd.log").Length;
        Assert.Empty(ps.Run("New-JumpSession web -ConfigFile $args[0] -WhatIf", config).AllErrors);
        Assert.Equal(before, _lab.Log("relay1.sshd.log").Length);
    }

    [Fact]
    public void CommandLineParametersOverrideTheConfigForTheTarget()
    {
        var config = WriteConfig();
        using var ps = new PowerShellRunspace();
        var hops = ps.Run("Resolve-JumpHost inner -ConfigFile $args[0] -UserName someone -Port 2222 -JumpHost relay1", config).Objects("JumpHopPlan");

        Assert.Equal(new[] { "relay1", "inner" }, hops.Select(h => (string)h.Name));
        Assert.Equal("someone", (string)hops[1].UserName);
        Assert.Equal(2222, (int)hops[1].Port);
        Assert.Equal("command line", ((IReadOnlyDictionary<string, string>)hops[1].Origins)["User"]);

        // relay1's own User line still wins for relay1.
        Assert.Equal(_lab.User, (string)hops[0].UserName);
    }

    [Fact]
    public void ResolveJumpHostAgreesWithSshDashG()
    {
        var corpus = Path.Combine(RepositoryPaths.Root, "tests", "JumpHost.Tests", "SshConfigCorpus");
        using var ps = new PowerShellRunspace();
        foreach (var (file, host) in new[] { ("basic.conf", "private-server"), ("basic.conf", "db-tunnel"), ("wildcards.conf", "web12"), ("match.conf", "db1") })
        {
            var path = Path.Combine(corpus, file);
            var ssh = ProcessRunner.Run("ssh", TimeSpan.FromSeconds(30), "-G", "-F", path, host);
            Assert.Equal(0, ssh.ExitCode);
            var expected = ssh.Output.Split('\n').Where(l => l.Contains(' ')).ToLookup(l => l.Split(' ')[0], l => l.Substring(l.IndexOf(' ') + 1));

            var target = ps.Run("Resolve-JumpHost $args[1] -ConfigFile $args[0]", path, host).Objects("JumpHopPlan").Last();
            Assert.Equal(expected["hostname"].Single(), (string)target.HostName);
            Assert.Equal(expected["user"].Single(), (string)target.UserName);
            Assert.Equal(int.Parse(expected["port"].Single()), (int)target.Port);
            Assert.Equal(expected["hashknownhosts"].Single() == "yes", (bool)target.HashKnownHosts);
            Assert.Equal(expected["identitiesonly"].Single() == "yes", (bool)target.IdentitiesOnly);
            var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            Assert.Equal(expected["identityfile"].Select(f => f.StartsWith("~/") ? home + f.Substring(1) : f), (string[])target.IdentityFiles);
        }
    }

    [Fact]
    public void AMalformedConfigIsAnErrorNamingFileAndLine()
    {
        var config = Path.Combine(_scratch, "broken.conf");
        File.WriteAllText(config, "Host a\n    Port notanumber\n");
        using var ps = new PowerShellRunspace();
        var error = ps.Run("New-JumpSession a -ConfigFile $args[0]", config).SingleError;
        Assert.StartsWith("ConfigInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
        Assert.Contains($"{config}", error.Exception.Message);
        Assert.Contains("line 2", error.Exception.Message);

        File.WriteAllText(config, "Match exec \"true\"\n    User x\n");
        var unsupported = ps.Run("Resolve-JumpHost a -ConfigFile $args[0]", config).SingleError;
        Assert.StartsWith("ConfigInvalid,", unsupported.FullyQualifiedErrorId);
        Assert.Contains("exec", unsupported.Exception.Message);
    }

    [Fact]
    public void StrictHostKeyCheckingAcceptNewWithHashKnownHostsAddsAHashedLine()
    {
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(knownHosts, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith("relay2 ")));
        var config = Path.Combine(_scratch, "config");
        File.WriteAllText(config, $"Host *\n    User {_lab.User}\n    IdentityFile {_lab.Key}\n    UserKnownHostsFile {knownHosts}\n    StrictHostKeyChecking accept-new\n    HashKnownHosts yes\n");
        using var ps = new PowerShellRunspace();

        var result = ps.Run("New-JumpSession relay3 -JumpHost relay1,relay2 -ConfigFile $args[0]", config);
        Assert.Empty(result.AllErrors);
        var added = File.ReadAllLines(knownHosts).Last();
        Assert.StartsWith("|1|", added);
        Assert.Contains(" ssh-ed25519 ", added);

        // OpenSSH reads the hashed line as relay2's key.
        var keygen = ProcessRunner.Run("ssh-keygen", TimeSpan.FromSeconds(30), "-F", "relay2", "-f", knownHosts);
        Assert.Equal(0, keygen.ExitCode);
    }

    [Fact]
    public void AskFromSshConfigIsRefusedInANonInteractiveRun()
    {
        var knownHosts = Path.Combine(_scratch, "known_hosts");
        File.WriteAllLines(knownHosts, File.ReadAllLines(_lab.KnownHosts).Where(l => !l.StartsWith("bastion ")));
        var config = Path.Combine(_scratch, "config");
        File.WriteAllText(config, $"Host *\n    User {_lab.User}\n    IdentityFile {_lab.Key}\n    UserKnownHostsFile {knownHosts}\n    StrictHostKeyChecking ask\n");
        using var ps = new PowerShellRunspace();

        var result = ps.Run("New-JumpSession bastion -ConfigFile $args[0]", config);
        Assert.StartsWith("HostKeyUnknown,", result.SingleError.FullyQualifiedErrorId);
        Assert.Contains(result.Warnings, w => w.Contains("cannot ask"));
    }

    [Fact]
    public async System.Threading.Tasks.Task StartForwardsStartsTheTargetsForwardLines()
    {
        var (web, socks, wide) = (FreePort(), FreePort(), FreePort());
        var config = WriteConfig(
            "Host tunnel",
            "    HostName relay3",
            "    ProxyJump relay1,relay2",
            $"    LocalForward {web} www:80",
            $"    DynamicForward {socks}",
            $"    LocalForward *:{wide} www:80",
            "");
        using var ps = new PowerShellRunspace();
        var result = ps.Run("$s = New-JumpSession tunnel -ConfigFile $args[0] -StartForwards; Get-PortForward", config);

        Assert.Empty(result.AllErrors);
        var forwards = result.Objects("PortForward");
        Assert.Equal(new[] { $"127.0.0.1:{web}", $"127.0.0.1:{socks}", $"127.0.0.1:{wide}" }, forwards.Select(f => (string)f.LocalEndpoint).OrderBy(e => e == $"127.0.0.1:{web}" ? 0 : e == $"127.0.0.1:{socks}" ? 1 : 2));
        Assert.Contains(result.Warnings, w => w.Contains($"*:{wide}") && w.Contains("loopback"));

        using var http = new System.Net.Http.HttpClient();
        Assert.Contains(_lab.WwwToken, await http.GetStringAsync($"http://127.0.0.1:{web}/"));
        var curl = ProcessRunner.Run("curl", TimeSpan.FromSeconds(60), "-sS", "--max-time", "20", "--socks5-hostname", $"127.0.0.1:{socks}", "http://intranet/");
        Assert.Contains(_lab.WwwToken, curl.Output);

        Assert.Empty(ps.Run("Remove-JumpSession $s; Get-PortForward").Output);
        Assert.False(TcpProbe.IsListening(web));
    }

    private static int FreePort()
    {
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>The lab as an admin would describe it in ~/.ssh/config.</summary>
    private string WriteConfig(params string[] extra)
    {
        var path = Path.Combine(_scratch, "config");
        File.WriteAllText(path, string.Join('\n', extra) + "\n" + string.Join('\n',
            "# The lab, as in an admin's ~/.ssh/config",
            "Host edge",
            "    HostName bastion",
            "",
            "Host inner",
            "    HostName target1",
            "    ProxyJump edge",
            "",
            "Host web",
            "    HostName www",
            "    ProxyJump relay1,relay2,relay3",
            "",
            "Host *",
            $"    User {_lab.User}",
            $"    IdentityFile {_lab.Key}",
            "    IdentitiesOnly yes",
            $"    UserKnownHostsFile {_lab.KnownHosts}",
            "    GlobalKnownHostsFile /dev/null",
            "    StrictHostKeyChecking yes",
            ""));
        return path;
    }

    private static int LineOf(string file, string text) => Array.FindIndex(File.ReadAllLines(file), l => l.Trim() == text) + 1;
}
