using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text;

namespace JumpHost.Bench;

/// <summary>The markdown report: results table, what was compared, the machine, and notes.</summary>
internal sealed class Report
{
    private readonly Options _options;
    private readonly ModuleBuild _build;
    private readonly ModuleHost _host;
    private readonly DateTime _started = DateTime.UtcNow;
    private readonly string _loadAtStart = LoadAverage();

    public Report(Options options, ModuleBuild build, ModuleHost host)
    {
        _options = options;
        _build = build;
        _host = host;
    }

    public List<ResultRow> Rows { get; } = new();

    /// <summary>What each side negotiated, per scenario: (scenario, contender, cipher and key exchange).</summary>
    public List<(string Scenario, string Contender, string Negotiated)> Compared { get; } = new();

    public List<string> Failures { get; } = new();

    /// <summary>Above this share of busy CPU before the run, the report warns that other work skews the figures.</summary>
    public const double BusyWarning = 0.25;

    /// <summary>How busy other processes kept the machine's CPUs (0..1) in the two seconds before the first measurement.</summary>
    public double? BusyBefore { get; set; }

    public string Render(bool includeTitle)
    {
        var md = new StringBuilder();
        if (includeTitle)
        {
            md.AppendLine("# Benchmarks: JumpHost against OpenSSH").AppendLine();
            md.AppendLine("Written by the benchmark program in `bench/JumpHost.Bench` (see `bench/README.md`); run it again to refresh this page.").AppendLine();
            md.AppendLine("## How to run").AppendLine();
            md.AppendLine("```sh");
            md.AppendLine("dotnet build src/JumpHost -c Release          # the module, laid out in out/JumpHost (dotnet run -c Release below builds it too)");
            md.AppendLine("tests/lab/lab.sh start                        # as root: the OpenSSH lab; the bench never starts or stops it");
            md.AppendLine("dotnet run -c Release --project bench/JumpHost.Bench -- --write docs/benchmarks.md");
            md.AppendLine("```").AppendLine();
            md.AppendLine("Options: `--mib N` (MiB per forward run, default 200), `--transfer-mib N` (MiB of the copied file, default 512), " +
                          "`--runs N` (default 5 for forwards, 3 for transfers, 10 for connects), `--only forward|transfer|connect`, " +
                          "`--no-match-cipher`, `--allow-debug`.").AppendLine();
        }

        md.AppendLine($"## Results ({_started:yyyy-MM-dd HH:mm} UTC)").AppendLine();
        var plan = new List<string>();
        if (_options.RunForward)
        {
            plan.Add($"{_options.Mib} MiB per forward run, 1 warm-up then {_options.ForwardRuns} timed runs per forward contender");
        }

        if (_options.RunTransfer)
        {
            plan.Add($"a {_options.TransferMib} MiB file per transfer run, 1 warm-up (checked by SHA-256) then {_options.TransferRuns} timed runs per transfer contender");
        }

        if (_options.RunConnect)
        {
            plan.Add($"1 warm-up then {_options.ConnectRuns} timed runs per connect contender");
        }

        md.AppendLine($"Run: `{("JumpHost.Bench " + _options.CommandLine).Trim()}` — {string.Join("; ", plan)}; " +
                      "interleaved (JumpHost, OpenSSH, JumpHost, ...) on the same lab peers.").AppendLine();
        md.AppendLine("| What | JumpHost | OpenSSH | JumpHost / OpenSSH |");
        md.AppendLine("| --- | --- | --- | --- |");
        foreach (var row in Rows)
        {
            var better = row.HigherIsBetter ? "higher is better" : "lower is better";
            md.AppendLine($"| {row.What} ({better}) | {row.JumpHost.Format()} | {row.OpenSsh?.Format() ?? "—"} | {row.FormatRatio()} |");
        }

        if (Rows.Count == 0)
        {
            md.AppendLine("| (no scenario completed) | | | |");
        }

        md.AppendLine();
        md.AppendLine("Figures are medians, with the minimum and maximum of the timed runs in brackets.");
        if (Rows.Any(r => r.Kind is RowKind.Transfer or RowKind.TransferSameCipher))
        {
            md.AppendLine("- **Transfers** (MiB/s, higher is better): one file of random bytes copied to (upload) or from (download) the " +
                      "target's file system. JumpHost is `Copy-JumpItem -ToSession/-FromSession` over an open session (the `Invoke` of " +
                      "the pipeline in the hosted engine); OpenSSH is `scp -F cfg -J ...` (SFTP protocol, OpenSSH 9's default) or " +
                      "`sftp -F cfg -J ... -b batch` (`put`/`get`), from process start to exit, so OpenSSH's figures include opening " +
                      "its connections (about 0.5 s through one jump host, 0.9 s through three) and JumpHost's do not. Every copy's length is " +
                      "checked, and each contender's warm-up copy also by SHA-256. Each row compares JumpHost with one OpenSSH client.");
        }

        if (Rows.Any(r => r.Kind is RowKind.Forward or RowKind.ForwardSameCipher))
        {
            md.AppendLine("- **Throughput** (MiB/s, higher is better): a C# client connects to the forward's local port, sends the MiB from one " +
                      "reused 1 MiB buffer, half-closes and reads the sink's byte count (checked against what was sent); timed from connect " +
                      "to the count line. The session and forward (JumpHost), or the `ssh -N -L` process (OpenSSH), are set up before and " +
                      "torn down after the runs, untimed. Ratio JumpHost / OpenSSH: above 1 means JumpHost is faster.");
        }

        if (Rows.Any(r => !r.HigherIsBetter))
        {
            md.AppendLine("- **Times** (ms, lower is better): JumpHost is the `Invoke` of the pipeline in the hosted engine (`Invoke-JumpCommand " +
                      "-HostName ... -JumpHost ... -Command true`: an ad-hoc session opened, used and closed); OpenSSH is `ssh -F cfg -J ... " +
                      "target true`, from process start to exit. Ratio JumpHost time / OpenSSH time: below 1 means JumpHost is faster. " +
                      "`New-JumpSession` alone is timed without the `Remove-JumpSession` that follows it.");
        }

        md.AppendLine();

        var cpuRows = Rows.Where(r => r.JumpHostCpu is { Count: > 0 } && r.OpenSshCpu is { Count: > 0 }).ToList();
        if (cpuRows.Count > 0)
        {
            md.AppendLine("### Client CPU per GiB").AppendLine();
            md.AppendLine("CPU seconds (user + system, from /proc) the client side spent per GiB in the same timed runs: the bench process " +
                          "(the pushing client, and for JumpHost the module and PowerShell engine in it) plus, for OpenSSH, the `ssh` process " +
                          "and its `ssh -W` jump processes (for transfers: the `scp` or `sftp` process and its `ssh` processes, sampled " +
                          "every 20 ms while they run). The servers (sshd, sftp-server, sink) are not counted. Lower is better; a ratio " +
                          "above 1 means JumpHost spends more CPU per byte than OpenSSH.").AppendLine();
            md.AppendLine("| Scenario | JumpHost | OpenSSH | JumpHost / OpenSSH |");
            md.AppendLine("| --- | --- | --- | --- |");
            foreach (var row in cpuRows)
            {
                var ratio = row.JumpHostCpu!.Median / row.OpenSshCpu!.Median;
                md.AppendLine($"| {row.What} | {row.JumpHostCpu.Format()} | {row.OpenSshCpu.Format()} | {ratio.ToString("0.00", CultureInfo.InvariantCulture)}× |");
            }

            md.AppendLine();
        }

        md.AppendLine("## What was compared").AppendLine();
        md.AppendLine("The algorithms each client negotiated (OpenSSH: from `ssh -v`; JumpHost: read off its SSH.NET clients), " +
                      "per SSH connection of the route.").AppendLine();
        md.AppendLine("| Scenario | Client | Negotiated |");
        md.AppendLine("| --- | --- | --- |");
        foreach (var (scenario, contender, negotiated) in Compared)
        {
            md.AppendLine($"| {scenario} | {contender} | {negotiated} |");
        }

        md.AppendLine();
        md.AppendLine("## Machine").AppendLine();
        foreach (var line in Machine())
        {
            md.AppendLine($"- {line}");
        }

        md.AppendLine();
        md.AppendLine("## Notes").AppendLine();
        foreach (var line in Notes())
        {
            md.AppendLine($"- {line}");
        }

        return md.ToString();
    }

    private IEnumerable<string> Machine()
    {
        yield return $"CPU: {CpuModel()}, {Environment.ProcessorCount} logical CPUs (nproc)";
        yield return $"Memory: {MemoryTotal()}";
        var busy = BusyBefore is { } b ? $"{b * 100:0}%" : "?";
        yield return $"Other work: other processes kept the CPUs {busy} busy in the 2 s before the first measurement; load average " +
                     $"(1, 5, 15 min) {_loadAtStart} when the run started (it includes the build that `dotnet run` does first) and " +
                     $"{LoadAverage()} when it ended (it includes the run itself)";
        yield return $"Kernel: {Read("/proc/sys/kernel/osrelease")?.Trim() ?? RuntimeInformation.OSDescription}";
        yield return $"OS: {OsName()}";
        yield return $".NET runtime: {RuntimeInformation.FrameworkDescription} ({RuntimeInformation.RuntimeIdentifier}); " +
                     $"PowerShell engine {_host.PowerShellVersion} (System.Management.Automation, hosted in-process: no pwsh here)";
        yield return $"OpenSSH: {OpenSsh.Version()} (client; the lab's sshd are the same package's servers)";
        yield return $"SSH.NET: {_host.SshNetVersion}";
        yield return $"JumpHost module: {_build.Configuration} build ({(_build.Optimized ? "optimized" : "JIT optimizer disabled")}) " +
                     $"from `{Relative(_build.SourceDir)}`, JumpHost.dll written {_build.BuiltAt:yyyy-MM-dd HH:mm} UTC; framework folder " +
                     $"`{_host.LoadedFramework}` loaded (from a private copy, so a rebuild during the run cannot swap it)";
    }

    private IEnumerable<string> Notes()
    {
        foreach (var failure in Failures)
        {
            yield return $"**Failed**: {failure.Replace("\n", " ", StringComparison.Ordinal)}";
        }

        if (BusyBefore is > BusyWarning)
        {
            yield return $"**The machine was busy with other work** ({BusyBefore * 100:0}% of its CPUs just before the run): all figures are noisier than usual.";
        }

        if (_build.IsDebug)
        {
            yield return "**This run measured a Debug build** (`--allow-debug`): the JumpHost figures understate a Release build.";
        }

        var slower = Rows.Where(r => r.JumpHostSlower).ToList();
        foreach (var row in slower)
        {
            var ratio = row.Ratio!.Value;
            var how = row.HigherIsBetter
                ? $"{row.JumpHost.Format()} against {row.OpenSsh!.Format()} ({row.OpenSshLabel}): {(1 - ratio) * 100:0}% less throughput"
                : $"{row.JumpHost.Format()} against {row.OpenSsh!.Format()}: {ratio:0.0#}× OpenSSH's time, {row.JumpHost.Median - row.OpenSsh.Median:0} ms more";
            var noise = row.RangesOverlap ? " The min–max ranges overlap: part of this difference is run-to-run noise." : string.Empty;
            yield return $"**JumpHost is slower: {row.What}.** {how}.{noise}";
        }

        // Why, once per kind of row that was slower.
        foreach (var cause in slower.Select(r => KnownCause(r.Kind)).Where(c => c.Length > 0).Distinct())
        {
            yield return cause;
        }

        foreach (var row in Rows.Where(r => r.HasBoth && !r.JumpHostSlower))
        {
            yield return $"JumpHost is not slower: {row.What} ({row.FormatRatio()}).";
        }

        if (Rows.Any(r => r.Kind is RowKind.Forward or RowKind.Transfer))
        {
            yield return "Forward and transfer rows: OpenSSH by default negotiates its own first choice (chacha20-poly1305 in OpenSSH 9.2), JumpHost puts " +
                     "aes128-gcm first on .NET 8+; the extra \"OpenSSH forced to ...\" rows (and \"scp, <cipher>\", \"sftp, <cipher>\") rerun OpenSSH (every connection, jump " +
                     "connections included, through a copy of the lab's ssh_config) with JumpHost's cipher, so that both do the same " +
                     "cryptographic work per byte. \"What was compared\" lists what each side actually negotiated.";
        }

        yield return "The lab runs every sshd, the sink and both clients on this one machine over veth pairs: the clients compete with " +
                     "the servers for the same CPUs, so the figures compare the clients' efficiency more than they predict a real network.";
    }

    /// <summary>What is known about why JumpHost is slower in this kind of row (from reading the code and the experiments in bench/README.md).</summary>
    private static string KnownCause(RowKind kind) => kind switch
    {
        RowKind.Forward or RowKind.ForwardSameCipher => KnownCauses.Forward,
        RowKind.Command => KnownCauses.Command,
        _ => string.Empty,
    };

    private static string CpuModel()
    {
        var line = File.Exists("/proc/cpuinfo") ? File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal)) : null;
        return line?.Split(':', 2)[1].Trim() ?? "unknown CPU";
    }

    private static string MemoryTotal()
    {
        var line = File.Exists("/proc/meminfo") ? File.ReadLines("/proc/meminfo").FirstOrDefault(l => l.StartsWith("MemTotal:", StringComparison.Ordinal)) : null;
        var kib = line?.Split(' ', StringSplitOptions.RemoveEmptyEntries).ElementAtOrDefault(1);
        return long.TryParse(kib, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? $"{value / 1024.0 / 1024.0:0.0} GiB"
            : "unknown";
    }

    private static string OsName()
    {
        var line = File.Exists("/etc/os-release") ? File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME=", StringComparison.Ordinal)) : null;
        return line?.Split('=', 2)[1].Trim('"') ?? RuntimeInformation.OSDescription;
    }

    private static string LoadAverage() =>
        string.Join(", ", (Read("/proc/loadavg") ?? "? ? ?").Split(' ').Take(3));

    private static string? Read(string path) => File.Exists(path) ? File.ReadAllText(path) : null;

    private static string Relative(string path)
    {
        var relative = Path.GetRelativePath(Directory.GetCurrentDirectory(), path);
        return relative.StartsWith("..", StringComparison.Ordinal) ? path : relative;
    }
}

/// <summary>
/// What is known about why JumpHost is slower, written from the code and the experiments recorded in
/// bench/README.md ("Findings"). Kept apart so they are easy to revise when the engine changes.
/// </summary>
internal static class KnownCauses
{
    public const string Forward =
        "**Why the forwards are slower where they are** (what is known; measurements in bench/README.md): on this machine " +
        "the clients share the CPUs with every sshd and the sink, and the CPU table above shows what each client spent per " +
        "GiB. (1) SSH.NET itself: it frames and encrypts one channel packet of at most 32 KiB at a time and writes each " +
        "with its own send call, and one thread per SSH connection decrypts and delivers what arrives. (2) The module binds " +
        "each forwarded connection's socket to an SSH.NET channel itself (TcpipChannel, which reaches the internal " +
        "channel by reflection): asynchronous reads while the connection is idle, a thread of its own with blocking reads " +
        "of up to 256 KiB once it sends in bulk, no extra loopback copy; what the far side sends is copied once into a " +
        "queue by the session's receive thread and written asynchronously, under a 2 MiB window per connection as with " +
        "OpenSSH; sockets that only see blocking calls have their " +
        "readiness events handled on .NET's socket engine thread instead of waking pool threads. (3) Through jump hosts, " +
        "each further hop is one loopback TCP connection inside the client (a HopTunnel: the next hop's client connects to " +
        "a loopback port whose connection, with 64 KiB socket buffers, an SSH.NET channel carries on a thread of its own, " +
        "where ssh -J uses a pipe to " +
        "one ssh -W process per hop), and each layer is encrypted by SSH.NET. Through three hops the forward's channel " +
        "spends much of each push waiting for the target sshd's 2 MiB channel window while the machine has idle CPU: the " +
        "chain's throughput is set by how fast that window comes back through the nested sessions, not by CPU alone.";

    public const string Command =
        "**Why opening sessions is slower** (what is known): both clients open the hops one after another; most of the time is the servers' (sshd forks and " +
        "re-executes per connection, and both sides negotiate the sntrup761x25519 key exchange). JumpHost's time is one " +
        "pipeline in an already running engine (JIT paid in the warm-up); ssh starts one process per hop.";
}
