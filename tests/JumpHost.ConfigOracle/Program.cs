using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using JumpHost.Engine.Config;

namespace Oracle;

/// <summary>
/// Compares the resolver with the real `ssh -G` for every case of the corpus. Run inside a mount namespace
/// where the corpus copy's home/ is the home directory (/root) and its etc-ssh/ is /etc/ssh (see run.sh).
/// </summary>
internal static class Program
{
    private static readonly string[] Keys =
    {
        "user", "hostname", "port", "identityfile", "identitiesonly", "certificatefile", "proxyjump", "proxycommand",
        "localforward", "remoteforward", "dynamicforward", "serveraliveinterval", "serveralivecountmax",
        "connecttimeout", "stricthostkeychecking", "userknownhostsfile", "globalknownhostsfile", "hostkeyalias",
        "hashknownhosts", "batchmode", "identityagent",
    };

    private static string _corpus = string.Empty;
    private static int _mismatches;
    private static int _checks;

    private static int Main(string[] args)
    {
        if (args[0] == "--current-user")
        {
            var me = SshConfigSources.ForCurrentUser();
            Console.WriteLine($"home={me.HomeDirectory} user={me.LocalUser} host={me.LocalHostName} uid={me.UserId} system={me.SystemConfigFile}");
            return 0;
        }

        _corpus = args[0];
        var home = args.Length > 1 ? args[1] : "/root";
        var cases = ReadTable(Path.Combine(_corpus, "cases.txt"));
        var errors = ReadTable(Path.Combine(_corpus, "errors.txt"));
        var caseNumber = 0;
        foreach (var row in cases)
        {
            caseNumber++;
            RunCase(caseNumber, row, home);
        }

        Console.WriteLine($"cases: {cases.Count}, keyword comparisons: {_checks}, mismatches: {_mismatches}");
        var errorMismatches = 0;
        foreach (var row in errors)
        {
            errorMismatches += RunErrorCase(row, home) ? 0 : 1;
        }

        Console.WriteLine($"error cases: {errors.Count}, mismatches: {errorMismatches}");
        return _mismatches + errorMismatches == 0 ? 0 : 1;
    }

    private static List<string[]> ReadTable(string path) => File.ReadAllLines(path)
        .Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#'))
        .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
        .ToList();

    private static string[] ConfigArgs(string config) => config switch
    {
        "default" => Array.Empty<string>(),
        "none" => new[] { "-F", "none" },
        _ => new[] { "-F", Path.Combine(_corpus, config) },
    };

    private static SshConfigSources Sources(string config, string home) => new(
        home, "root", System.Net.Dns.GetHostName(), "0",
        config switch { "default" => null, "none" => "none", _ => Path.Combine(_corpus, config) });

    private static void RunCase(int number, string[] row, string home)
    {
        var config = row[1];
        var args = Split(row[2]);
        var label = $"#{number} [{config}] {row[2]}";
        var ssh = RunSsh(ConfigArgs(config).Concat(new[] { "-G" }).Concat(args).ToArray());
        if (ssh.ExitCode != 0)
        {
            Fail(label, $"ssh -G failed: {ssh.Error.Trim()}");
            return;
        }

        ResolvedHostConfig mine;
        SshConfig loaded;
        try
        {
            loaded = SshConfig.Load(Sources(config, home));
            var (destination, overrides) = ParseArguments(args);
            mine = loaded.Resolve(destination, overrides);
        }
        catch (SshConfigException e)
        {
            Fail(label, $"resolver threw: {e.Message}");
            return;
        }

        var before = _mismatches;
        Compare(label, Parse(ssh.Output), mine);
        CheckExpandedKeys(label, config, args, mine);
        if (row[0].Split(',').Contains("chain"))
        {
            CheckChain(label, loaded, config, args);
        }

        if (_mismatches == before)
        {
            Console.WriteLine($"ok   {label}");
        }

        foreach (var ignored in mine.Ignored)
        {
            Console.WriteLine($"     ignored: {ignored}");
        }
    }

    /// <summary>For the fuzzer: ssh -G and the resolver on one file; true when both fail or all keywords agree.</summary>
    public static bool CompareOne(string file, string host, out string detail)
    {
        var ssh = RunSsh(new[] { "-G", "-F", file, host });
        ResolvedHostConfig? mine = null;
        string? error = null;
        var errorLine = -1;
        try
        {
            mine = SshConfig.Load(new SshConfigSources("/root", "root", System.Net.Dns.GetHostName(), "0", file)).Resolve(host);
        }
        catch (SshConfigException e)
        {
            error = e.Message;
            errorLine = e.Line;
        }

        var sshError = string.Join(" / ", ssh.Error.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("Pseudo", StringComparison.Ordinal)));
        if (ssh.ExitCode != 0 || mine == null)
        {
            detail = $"ssh ({ssh.ExitCode}): {sshError} | resolver: {error ?? "resolved"}";
            var sshLines = System.Text.RegularExpressions.Regex.Matches(ssh.Error, Regex(file) + ":? line ([0-9]+):")
                .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
            return ssh.ExitCode != 0 && mine == null && (sshLines.Count == 0 || sshLines.Contains(errorLine));
        }

        var before = _mismatches;
        var saved = Console.Out;
        var capture = new StringWriter();
        Console.SetOut(capture);
        Compare("fuzz", Parse(ssh.Output), mine);
        Console.SetOut(saved);
        detail = capture.ToString().Trim();
        var ok = _mismatches == before;
        _mismatches = before;
        return ok;
    }

    private static string Regex(string text) => System.Text.RegularExpressions.Regex.Escape(text);

    private static void Compare(string label, Dictionary<string, List<string>> expected, ResolvedHostConfig mine)
    {
        var actual = Format(mine);
        foreach (var key in Keys)
        {
            _checks++;
            var want = expected.TryGetValue(key, out var w) ? w : new List<string>();
            if (key == "identityfile")
            {
                want = want.Where(v => !v.Equals("none", StringComparison.OrdinalIgnoreCase)).ToList();
            }

            var got = actual.TryGetValue(key, out var g) ? g : new List<string>();
            if (!want.SequenceEqual(got))
            {
                Fail(label, $"{key}: ssh [{string.Join(" | ", want)}] resolver [{string.Join(" | ", got)}]");
            }
        }
    }

    /// <summary>The honoured keywords as ssh -G prints them (dump_client_config).</summary>
    private static Dictionary<string, List<string>> Format(ResolvedHostConfig c)
    {
        var d = new Dictionary<string, List<string>>();
        void Add(string key, string? value)
        {
            if (value == null)
            {
                return;
            }

            if (!d.TryGetValue(key, out var list))
            {
                d[key] = list = new List<string>();
            }

            list.Add(value);
        }

        string YesNo(bool b) => b ? "yes" : "no";
        Add("user", c.User.Value);
        Add("hostname", c.HostName.Value);
        Add("port", c.Port.Value.ToString(CultureInfo.InvariantCulture));
        foreach (var f in c.IdentityFiles)
        {
            Add("identityfile", f.Written);
        }

        Add("identitiesonly", YesNo(c.IdentitiesOnly.Value));
        foreach (var f in c.CertificateFiles)
        {
            Add("certificatefile", f.Written);
        }

        Add("proxyjump", c.ProxyJump?.Value.Format());
        Add("proxycommand", c.ProxyJump == null ? c.ProxyCommand?.Written : null);
        foreach (var f in c.LocalForwards.Select(f => f.Value))
        {
            // ssh prints a forward without a target host (a socket path) as dynamic too.
            if (f.ConnectHost == null || f.ConnectHost == SshForward.SocksHost)
            {
                Add("dynamicforward", Listen(f));
            }

            if (f.ConnectHost != SshForward.SocksHost)
            {
                Add("localforward", Listen(f) + " " + Connect(f));
            }
        }

        foreach (var f in c.RemoteForwards.Select(f => f.Value))
        {
            Add("remoteforward", Listen(f) + " " + Connect(f));
        }

        Add("serveraliveinterval", ((int)c.ServerAliveInterval.Value.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        Add("serveralivecountmax", c.ServerAliveCountMax.Value.ToString(CultureInfo.InvariantCulture));
        Add("connecttimeout", c.ConnectTimeout.Value == null ? "none" : ((int)c.ConnectTimeout.Value.Value.TotalSeconds).ToString(CultureInfo.InvariantCulture));
        Add("stricthostkeychecking", c.StrictHostKeyChecking.Value switch
        {
            SshStrictHostKeyChecking.Yes => "true",
            SshStrictHostKeyChecking.No => "false",
            SshStrictHostKeyChecking.Ask => "ask",
            _ => "accept-new",
        });
        Add("userknownhostsfile", c.UserKnownHostsFiles.Value.Count == 0 ? "none" : string.Join(" ", c.UserKnownHostsFiles.Value));
        Add("globalknownhostsfile", c.GlobalKnownHostsFiles.Value.Count == 0 ? "none" : c.GlobalKnownHostsFiles.Written);
        Add("hostkeyalias", c.HostKeyAlias?.Value);
        Add("hashknownhosts", YesNo(c.HashKnownHosts.Value));
        Add("batchmode", YesNo(c.BatchMode.Value));
        Add("identityagent", c.IdentityAgent?.Value);
        return d;
    }

    private static string Listen(SshForward f) => f.ListenPath ?? (f.ListenHost == null ? $"{f.ListenPort}" : $"[{f.ListenHost}]:{f.ListenPort}");

    private static string Connect(SshForward f) => f.ConnectPath ?? $"[{f.ConnectHost}]:{f.ConnectPort}";

    /// <summary>
    /// IdentityFile and CertificateFile are expanded only when ssh loads them, after -G has printed them: a run
    /// with a ProxyCommand that exits at once shows the expanded paths in ssh's debug output. The proxy must stay
    /// silent: it shares ssh's stderr, and a message it writes in pieces can split one of ssh's debug lines.
    /// </summary>
    private static void CheckExpandedKeys(string label, string config, string[] args, ResolvedHostConfig mine)
    {
        if (args.Contains("-J"))
        {
            return;
        }

        var run = RunSsh(ConfigArgs(config).Concat(new[] { "-vvv", "-o", "ProxyCommand=true", "-o", "BatchMode=yes" }).Concat(args).ToArray());
        var lines = run.Error.Replace("\r", string.Empty).Split('\n');
        var identities = lines.Where(l => l.StartsWith("debug1: identity file ", StringComparison.Ordinal))
            .Select(l => l.Substring("debug1: identity file ".Length)).Select(l => l.Substring(0, l.LastIndexOf(" type ", StringComparison.Ordinal))).ToList();
        var certificates = lines.Where(l => l.StartsWith("debug1: certificate file ", StringComparison.Ordinal))
            .Select(l => l.Substring("debug1: certificate file ".Length)).Select(l => l.Substring(0, l.LastIndexOf(" type ", StringComparison.Ordinal))).ToList();
        var expectedIdentities = mine.IdentityFiles.SelectMany(f => mine.CertificateFiles.Count == 0 ? new[] { f.Value, f.Value + "-cert" } : new[] { f.Value }).ToList();
        _checks += 2;
        if (!identities.SequenceEqual(expectedIdentities))
        {
            Fail(label, $"expanded identity files: ssh [{string.Join(" | ", identities)}] resolver [{string.Join(" | ", expectedIdentities)}]");
        }

        if (!certificates.SequenceEqual(mine.CertificateFiles.Select(f => f.Value)))
        {
            Fail(label, $"expanded certificate files: ssh [{string.Join(" | ", certificates)}] resolver [{string.Join(" | ", mine.CertificateFiles.Select(f => f.Value))}]");
        }

        if (mine.ProxyCommand != null && mine.ProxyJump == null)
        {
            var proxy = RunSsh(ConfigArgs(config).Concat(new[] { "-vvv", "-o", "BatchMode=yes", "-o", "ConnectTimeout=2" }).Concat(args).ToArray());
            var executed = proxy.Error.Replace("\r", string.Empty).Split('\n').FirstOrDefault(l => l.StartsWith("debug1: Executing proxy command: exec ", StringComparison.Ordinal));
            _checks++;
            executed = executed?.Substring("debug1: Executing proxy command: exec ".Length);
            if (executed != mine.ProxyCommand.Value)
            {
                Fail(label, $"expanded ProxyCommand: ssh [{executed}] resolver [{mine.ProxyCommand.Value}]");
            }
        }
    }

    /// <summary>Each jump host as ssh's own command for it would resolve it (ProxyJump: -l -p -J -F; ProxyCommand: its words).</summary>
    private static void CheckChain(string label, SshConfig config, string configName, string[] args)
    {
        var (destination, overrides) = ParseArguments(args);
        var chain = SshJumpChain.Resolve(config, destination, overrides);
        Console.WriteLine($"     chain: {string.Join(" -> ", chain.Select(h => $"{h.User.Value}@{h.HostName.Value}:{h.Port.Value}"))}");
        for (var i = 0; i + 1 < chain.Count; i++)
        {
            var next = chain[i + 1];
            string[] hopArgs;
            if (next.ProxyJump != null)
            {
                var spec = next.ProxyJump.Value;
                var last = spec.Hops[^1];
                var list = ConfigArgs(configName).ToList();
                if (last.User != null)
                {
                    list.AddRange(new[] { "-l", last.User });
                }

                if (last.Port != null)
                {
                    list.AddRange(new[] { "-p", last.Port.Value.ToString(CultureInfo.InvariantCulture) });
                }

                if (spec.Extra != null)
                {
                    list.AddRange(new[] { "-J", spec.Extra });
                }

                list.Add(last.Host);
                hopArgs = list.ToArray();
            }
            else
            {
                var words = Split(next.ProxyCommand!.Value).ToList();
                var w = words.IndexOf("-W");
                words.RemoveRange(w, 2);
                hopArgs = words.Skip(words[0] == "exec" ? 2 : 1).ToArray();
            }

            var ssh = RunSsh(new[] { "-G" }.Concat(hopArgs).ToArray());
            if (ssh.ExitCode != 0)
            {
                Fail(label, $"hop {i}: ssh -G {string.Join(" ", hopArgs)} failed: {ssh.Error.Trim()}");
                continue;
            }

            Compare($"{label} hop {i} (ssh -G {string.Join(" ", hopArgs)})", Parse(ssh.Output), chain[i]);
        }
    }

    private static bool RunErrorCase(string[] row, string home)
    {
        var (config, where, expect, args) = (row[1], row[2], row[3], Split(row[4]));
        var label = $"[{config}] {row[4]} => {expect} at {where}";
        var ssh = RunSsh(ConfigArgs(config).Concat(new[] { "-G" }).Concat(args).ToArray());
        string? file = null;
        var line = 0;
        if (where != "command line")
        {
            var colon = where.LastIndexOf(':');
            file = Path.Combine(_corpus, where.Substring(0, colon));
            line = int.Parse(where.Substring(colon + 1), CultureInfo.InvariantCulture);
        }

        var sshLocated = file == null || ssh.Error.Contains($"{file} line {line}:") || ssh.Error.Contains($"{file}: line {line}:")
            || ssh.Error.Contains("recursive configuration includes");
        var sshOk = expect switch
        {
            "unsupported" or "unsupported-chain" => ssh.ExitCode == 0,
            "error-unlocated" => ssh.ExitCode != 0,
            _ => ssh.ExitCode != 0 && sshLocated,
        };
        string mine;
        var mineOk = false;
        try
        {
            var (destination, overrides) = ParseArguments(args);
            var loaded = SshConfig.Load(Sources(config, home));
            var resolved = loaded.Resolve(destination, overrides);
            mine = "resolved";
            if (expect == "unsupported-chain")
            {
                SshJumpChain.Resolve(loaded, destination, overrides);
                mine = "resolved the chain";
            }
        }
        catch (SshConfigException e)
        {
            mine = e.Message;
            mineOk = file == null ? e.File is "command line" or "command-line" : e.File == file && e.Line == line;
        }

        var sshSays = string.Join(" / ", ssh.Error.Split('\n').Where(l => l.Length > 0 && !l.StartsWith("Pseudo", StringComparison.Ordinal)));
        Console.WriteLine($"{(sshOk && mineOk ? "ok  " : "FAIL")} {label}\n       ssh ({ssh.ExitCode}): {sshSays}\n       resolver: {mine}");
        return sshOk && mineOk;
    }

    private static (string Destination, CommandLineOverrides Overrides) ParseArguments(string[] args)
    {
        var overrides = CommandLineOverrides.None;
        string? destination = null;
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "-l": overrides = overrides.WithUser(args[++i]); break;
                case "-p": overrides = overrides.WithPort(args[++i]); break;
                case "-i": overrides = overrides.WithIdentityFile(args[++i]); break;
                case "-J": overrides = overrides.WithJumpHosts(args[++i]); break;
                case "-o": overrides = overrides.WithOption(args[++i]); break;
                default: destination = args[i]; break;
            }
        }

        return (destination!, overrides);
    }

    private static Dictionary<string, List<string>> Parse(string output)
    {
        var d = new Dictionary<string, List<string>>();
        foreach (var line in output.Split('\n'))
        {
            var space = line.IndexOf(' ');
            if (space <= 0)
            {
                continue;
            }

            var key = line.Substring(0, space);
            if (!d.TryGetValue(key, out var list))
            {
                d[key] = list = new List<string>();
            }

            list.Add(line.Substring(space + 1));
        }

        return d;
    }

    /// <summary>Splits manifest arguments on spaces; single quotes keep spaces together.</summary>
    private static string[] Split(string text)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var quoted = false;
        var any = false;
        foreach (var c in text)
        {
            if (c == '\'')
            {
                quoted = !quoted;
                any = true;
            }
            else if (c == ' ' && !quoted)
            {
                if (any)
                {
                    words.Add(word.ToString());
                }

                word.Clear();
                any = false;
            }
            else
            {
                word.Append(c);
                any = true;
            }
        }

        if (any)
        {
            words.Add(word.ToString());
        }

        return words.ToArray();
    }

    private static (int ExitCode, string Output, string Error) RunSsh(string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/ssh") { RedirectStandardOutput = true, RedirectStandardError = true, RedirectStandardInput = true };
        foreach (var a in args)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(15000))
        {
            process.Kill(true);
        }

        process.WaitForExit();
        return (process.ExitCode, output.Result, error.Result);
    }

    private static void Fail(string label, string what)
    {
        _mismatches++;
        Console.WriteLine($"FAIL {label}\n       {what}");
    }
}
