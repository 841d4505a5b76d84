using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;

namespace JumpHost.Bench;

/// <summary>The running lab, as its lab.env describes it. The bench never starts or stops it.</summary>
internal sealed class Lab
{
    private readonly Dictionary<string, string> _env;

    private Lab(string dir, string script, Dictionary<string, string> env)
    {
        Dir = dir;
        Script = script;
        _env = env;
    }

    public string Dir { get; }

    /// <summary>tests/lab/lab.sh.</summary>
    public string Script { get; }

    public string User => Get("LAB_USER");

    public string Key => Get("LAB_KEY");

    public string KnownHosts => Get("LAB_KNOWN_HOSTS");

    public string SshConfig => Get("LAB_SSH_CONFIG");

    public int SinkPort => int.Parse(Get("LAB_SINK_PORT"), System.Globalization.CultureInfo.InvariantCulture);

    public static string DefaultDir => Environment.GetEnvironmentVariable("JUMPHOST_LAB_DIR") is { Length: > 0 } dir ? dir : "/tmp/jumphost-lab";

    /// <summary>Loads lab.env and checks with lab.sh status that everything answers; null and a reason when not.</summary>
    public static Lab? TryOpen(string repoRoot, out string problem)
    {
        var dir = DefaultDir;
        var script = Path.Combine(repoRoot, "tests", "lab", "lab.sh");
        var envFile = Path.Combine(dir, "lab.env");
        if (!File.Exists(envFile))
        {
            problem = $"The lab is not running: {envFile} does not exist.";
            return null;
        }

        var lab = new Lab(dir, script, Read(envFile));
        if (!lab.IsUp(out var status))
        {
            problem = "The lab is not (fully) running; `tests/lab/lab.sh status` says:\n" + status;
            return null;
        }

        // Re-read: a lab restarted between the two reads has new keys.
        lab = new Lab(dir, script, Read(envFile));
        var missing = new[] { "LAB_USER", "LAB_KEY", "LAB_KNOWN_HOSTS", "LAB_SSH_CONFIG", "LAB_SINK_PORT" }
            .Where(k => !lab._env.ContainsKey(k)).ToList();
        if (missing.Count > 0)
        {
            problem = $"{envFile} lacks {string.Join(", ", missing)}: the lab was started by an older lab.sh. " +
                      "Restart it (tests/lab/lab.sh start) and run the bench again.";
            return null;
        }

        problem = string.Empty;
        return lab;
    }

    /// <summary>Runs lab.sh status; its output shows the failing parts.</summary>
    public bool IsUp(out string status)
    {
        if (!File.Exists(Script))
        {
            status = $"{Script} not found.";
            return false;
        }

        var result = ChildProcess.Run("bash", new[] { Script, "status" }, TimeSpan.FromSeconds(60));
        var lines = (result.StdOut + result.StdErr).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var failing = lines.Where(l => !l.TrimStart().StartsWith("ok ", StringComparison.Ordinal)).ToList();
        status = string.Join("\n", failing.Select(l => "    " + l.TrimEnd()));
        return result.ExitCode == 0;
    }

    private string Get(string key) =>
        _env.TryGetValue(key, out var value) ? value : throw new BenchException($"lab.env has no {key}.");

    private static Dictionary<string, string> Read(string file) =>
        File.ReadAllLines(file)
            .Where(line => line.Contains('=') && !line.TrimStart().StartsWith('#'))
            .Select(line => line.Split('=', 2))
            .GroupBy(parts => parts[0].Trim())
            .ToDictionary(g => g.Key, g => g.Last()[1].Trim());
}
