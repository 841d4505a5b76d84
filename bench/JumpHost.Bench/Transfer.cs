using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Threading;

namespace JumpHost.Bench;

/// <summary>A transfer route: SFTP to the target through the jump hosts.</summary>
internal sealed record TransferRoute(string Name, string Description, string Target, string[] Jumps);

/// <summary>Which way a file goes.</summary>
internal enum Direction
{
    Upload,
    Download,
}

/// <summary>
/// The files of the transfer group. One payload of random bytes (made once), a folder in the lab user's home
/// (the targets share this machine's file system) holding the download source and receiving uploads, and a
/// local folder receiving downloads. Every copy is removed after its length was checked.
/// </summary>
internal sealed class TransferFiles : IDisposable
{
    private const string PayloadName = "payload.bin";
    private const string SourceName = "source.bin";

    private TransferFiles(string scratch, string remoteDir, string remoteRelative, long length, string sha256)
    {
        Scratch = scratch;
        RemoteDir = remoteDir;
        RemoteRelative = remoteRelative;
        Length = length;
        Sha256 = sha256;
    }

    /// <summary>The local folder: payload and downloaded copies.</summary>
    public string Scratch { get; }

    /// <summary>The folder in the lab user's home, as this machine sees it.</summary>
    public string RemoteDir { get; }

    /// <summary>The same folder as the targets name it (relative to the home).</summary>
    public string RemoteRelative { get; }

    public long Length { get; }

    public string Sha256 { get; }

    public string Payload => Path.Combine(Scratch, PayloadName);

    /// <summary>What downloads fetch, as the targets name it.</summary>
    public string RemoteSource => $"{RemoteRelative}/{SourceName}";

    /// <summary>Where an upload of the payload lands, as this machine sees it.</summary>
    public string Uploaded => Path.Combine(RemoteDir, PayloadName);

    /// <summary>Where a download of the source lands.</summary>
    public string Downloaded => Path.Combine(Scratch, "down", SourceName);

    public static TransferFiles Create(Lab lab, string scratch, int mib)
    {
        var home = Path.Combine(lab.Dir, "home", lab.User);
        if (!Directory.Exists(home))
        {
            throw new BenchException($"The lab user's home {home} does not exist: the transfer group needs the lab's shared file system.");
        }

        var relative = $"jh-bench-{Environment.ProcessId}";
        var remoteDir = Path.Combine(home, relative);
        Directory.CreateDirectory(Path.Combine(scratch, "down"));
        Directory.CreateDirectory(remoteDir);

        // The lab user (sftp-server on the targets) writes uploads here; the bench runs as root and removes it.
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(remoteDir, (UnixFileMode)0x1FF);
        }
        var payload = Path.Combine(scratch, PayloadName);
        var random = new Random(20261124);
        var block = new byte[1 << 20];
        using var sha = SHA256.Create();
        using (var output = new FileStream(payload, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (var i = 0; i < mib; i++)
            {
                random.NextBytes(block);
                output.Write(block);
                sha.TransformBlock(block, 0, block.Length, null, 0);
            }
        }

        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        File.Copy(payload, Path.Combine(remoteDir, SourceName), overwrite: true);
        return new TransferFiles(scratch, remoteDir, relative, (long)mib << 20, Convert.ToHexStringLower(sha.Hash!));
    }

    /// <summary>Checks a copy's length (and, when asked, its SHA-256), then removes it.</summary>
    public void CheckAndRemove(string path, string who, bool hash)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                throw new BenchException($"{who}: the copy {path} does not exist.");
            }

            if (info.Length != Length)
            {
                throw new BenchException($"{who}: the copy {path} has {info.Length} bytes, not {Length}.");
            }

            if (hash)
            {
                using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
                var actual = Convert.ToHexStringLower(SHA256.HashData(stream));
                if (actual != Sha256)
                {
                    throw new BenchException($"{who}: the copy {path} has SHA-256 {actual}, not {Sha256}.");
                }
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    public void Dispose()
    {
        foreach (var folder in new[] { RemoteDir, Scratch })
        {
            try
            {
                if (Directory.Exists(folder))
                {
                    Directory.Delete(folder, recursive: true);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                Program.Log($"warning: could not remove {folder}: {ex.Message}");
            }
        }
    }
}

/// <summary>One way of copying a file: JumpHost's Copy-JumpItem, scp -J or sftp -J.</summary>
internal abstract class TransferContender
{
    protected TransferContender(string label)
    {
        Label = label;
    }

    public string Label { get; }

    /// <summary>Copies once; returns the seconds and the client CPU seconds it took.</summary>
    public abstract (double Seconds, double CpuSeconds) Copy(Direction direction, TransferFiles files, CancellationToken cancellationToken);
}

/// <summary>Copy-JumpItem over an open session, timed as the Invoke() of the pipeline.</summary>
internal sealed class JumpHostTransfer : TransferContender
{
    private readonly ModuleHost _host;
    private readonly PSObject _session;

    public JumpHostTransfer(ModuleHost host, PSObject session)
        : base("JumpHost")
    {
        _host = host;
        _session = session;
    }

    public override (double Seconds, double CpuSeconds) Copy(Direction direction, TransferFiles files, CancellationToken cancellationToken)
    {
        var (script, source, destination) = direction == Direction.Upload
            ? ("Copy-JumpItem -Path $args[0] -Destination $args[1] -ToSession $args[2] -PassThru", files.Payload, files.RemoteRelative)
            : ("Copy-JumpItem -Path $args[0] -Destination $args[1] -FromSession $args[2] -PassThru", files.RemoteSource, Path.GetDirectoryName(files.Downloaded)!);
        var cpu0 = CpuMeter.Self();
        var result = _host.Run(script, cancellationToken, source, destination, _session);
        var cpu1 = CpuMeter.Self();
        if (result.Output.Count != 1)
        {
            throw new BenchException($"Copy-JumpItem ({direction}) returned {result.Output.Count} transfer records, not 1.");
        }

        return (result.Elapsed.TotalSeconds, cpu1 - cpu0);
    }
}

/// <summary>scp -J (SFTP protocol, OpenSSH 9's default) or sftp -J -b, timed from process start to exit.</summary>
internal sealed class OpenSshTransfer : TransferContender
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(10);

    private readonly string _program;
    private readonly OpenSsh _client;
    private readonly TransferRoute _route;

    public OpenSshTransfer(string program, OpenSsh client, TransferRoute route)
        : base(client.Label.Replace("OpenSSH", program, StringComparison.Ordinal))
    {
        _program = program;
        _client = client;
        _route = route;
    }

    public override (double Seconds, double CpuSeconds) Copy(Direction direction, TransferFiles files, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "-F", _client.ConfigFile, "-q", "-o", "BatchMode=yes" };
        if (_route.Jumps.Length > 0)
        {
            arguments.AddRange(new[] { "-J", string.Join(",", _route.Jumps) });
        }

        var remote = direction == Direction.Upload ? files.RemoteRelative + "/" : files.RemoteSource;
        var local = direction == Direction.Upload ? files.Payload : files.Downloaded;
        if (_program == "scp")
        {
            arguments.AddRange(direction == Direction.Upload
                ? new[] { local, $"{_route.Target}:{remote}" }
                : new[] { $"{_route.Target}:{remote}", local });
        }
        else
        {
            var batch = Path.Combine(files.Scratch, "sftp.batch");
            File.WriteAllText(batch, direction == Direction.Upload ? $"put \"{local}\" \"{remote}\"\n" : $"get \"{remote}\" \"{local}\"\n");
            arguments.AddRange(new[] { "-b", batch, _route.Target });
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        using var child = ChildProcess.Start(_program, arguments);
        using var sampler = new TreeCpuSampler(child.Id);
        var exited = child.WaitForExit(Timeout, cancellationToken);
        stopwatch.Stop();
        var cpu = sampler.Stop();
        cancellationToken.ThrowIfCancellationRequested();
        if (!exited)
        {
            throw new BenchException($"`{_program} {string.Join(" ", arguments)}` did not finish within {Timeout.TotalMinutes:0} minutes.");
        }

        child.DrainOutput();
        if (child.ExitCode != 0)
        {
            throw new BenchException($"`{_program} {string.Join(" ", arguments)}` exited with {child.ExitCode}:\n{OpenSsh.Tail(child.StdErr)}");
        }

        return (stopwatch.Elapsed.TotalSeconds, cpu);
    }
}

/// <summary>
/// CPU seconds of a short-lived process tree: its members exit (and the ssh -W jump processes are not
/// always waited for), so /proc is sampled every 20 ms and each process's last figure kept.
/// </summary>
internal sealed class TreeCpuSampler : IDisposable
{
    private readonly int _root;
    private readonly Dictionary<int, double> _seen = new();
    private readonly Thread _thread;
    private volatile bool _stop;

    public TreeCpuSampler(int root)
    {
        _root = root;
        _thread = new Thread(Loop) { IsBackground = true, Name = "cpu sampler" };
        _thread.Start();
    }

    /// <summary>Stops sampling; the sum over every process seen.</summary>
    public double Stop()
    {
        _stop = true;
        _thread.Join();
        return _seen.Values.Sum();
    }

    public void Dispose()
    {
        if (!_stop)
        {
            Stop();
        }
    }

    private void Loop()
    {
        while (!_stop)
        {
            Sample();
            Thread.Sleep(20);
        }

        Sample();
    }

    private void Sample()
    {
        foreach (var (pid, seconds) in CpuMeter.TreeMembers(_root))
        {
            _seen[pid] = Math.Max(seconds, _seen.GetValueOrDefault(pid));
        }
    }
}

/// <summary>The transfer group: upload and download through one route, JumpHost against scp and sftp.</summary>
internal static class TransferBench
{
    public static readonly TransferRoute[] Routes =
    {
        new("1 hop", "bastion → target1", "target1", new[] { "bastion" }),
        new("3 hops", "relay1 → relay2 → relay3 → www", "www", new[] { "relay1", "relay2", "relay3" }),
    };

    public static void Measure(TransferRoute route, ModuleHost host, OpenSsh openSsh, TransferFiles files, string scratch, Options options, Report report, CancellationToken cancellationToken)
    {
        var title = $"{route.Name} ({route.Description}), {options.TransferMib} MiB";
        Program.Log($"Transfer, {title}: setting up.");
        PSObject? session = null;
        try
        {
            var setup = host.Run("New-JumpSession $args[0] -JumpHost $args[1] @Lab -Verbose", cancellationToken, route.Target, route.Jumps);
            session = setup.Output.SingleOrDefault(o => o.BaseObject.GetType().FullName == "JumpHost.JumpSession")
                ?? throw new BenchException("New-JumpSession returned no session.");
            report.Compared.Add(($"Transfer, {route.Name}", "JumpHost", ModuleHost.DescribeNegotiated(session, setup.Verbose)));
            var verbose = openSsh.RunCommand(route.Target, string.Join(",", route.Jumps), "true", verbose: true, cancellationToken);
            report.Compared.Add(($"Transfer, {route.Name}", "OpenSSH (scp, sftp)", OpenSsh.ParseNegotiated(verbose.StdErr)));

            var contenders = new List<TransferContender>
            {
                new JumpHostTransfer(host, session),
                new OpenSshTransfer("scp", openSsh, route),
                new OpenSshTransfer("sftp", openSsh, route),
            };

            // Same cipher as JumpHost, as in the forward group.
            var jumpHostCipher = ModuleHost.ReadNegotiated(session)?.Select(n => n.Cipher).Distinct().ToList();
            if (options.MatchCipher && jumpHostCipher is { Count: 1 } && !OpenSsh.ParseNegotiated(verbose.StdErr).StartsWith(jumpHostCipher[0] + ",", StringComparison.Ordinal))
            {
                var matched = OpenSsh.WithCipher(openSsh.ConfigFile, jumpHostCipher[0], scratch);
                contenders.Add(new OpenSshTransfer("scp", matched, route));
                contenders.Add(new OpenSshTransfer("sftp", matched, route));
            }

            foreach (var direction in new[] { Direction.Upload, Direction.Download })
            {
                var copy = direction == Direction.Upload ? files.Uploaded : files.Downloaded;
                var speed = contenders.Select(_ => new Samples("MiB/s")).ToList();
                var cpu = contenders.Select(_ => new Samples("s/GiB")).ToList();
                var name = $"{direction}, {title}";

                // The warm-up copy of each contender is also checked by SHA-256; the timed ones by length.
                var warmUp = new List<string>();
                foreach (var contender in contenders)
                {
                    var (seconds, _) = contender.Copy(direction, files, cancellationToken);
                    files.CheckAndRemove(copy, $"{contender.Label} {direction}", hash: true);
                    warmUp.Add($"{contender.Label} {Samples.Number(options.TransferMib / seconds)} MiB/s");
                }

                Program.Log($"{name}: warm-up (copies checked by SHA-256): {string.Join(", ", warmUp)}.");

                for (var run = 1; run <= options.TransferRuns; run++)
                {
                    var line = new List<string>();
                    for (var i = 0; i < contenders.Count; i++)
                    {
                        var (seconds, cpuSeconds) = contenders[i].Copy(direction, files, cancellationToken);
                        files.CheckAndRemove(copy, $"{contenders[i].Label} {direction}", hash: false);
                        speed[i].Add(options.TransferMib / seconds);
                        cpu[i].Add(cpuSeconds * 1024 / options.TransferMib);
                        line.Add($"{contenders[i].Label} {Samples.Number(options.TransferMib / seconds)} MiB/s ({Samples.Number(cpuSeconds * 1024 / options.TransferMib)} CPU s/GiB)");
                    }

                    Program.Log($"{name}: run {run}/{options.TransferRuns}: {string.Join(", ", line)}.");
                }

                for (var i = 1; i < contenders.Count; i++)
                {
                    report.Rows.Add(new ResultRow(i <= 2 ? RowKind.Transfer : RowKind.TransferSameCipher, $"{name}, against {contenders[i].Label}",
                        higherIsBetter: true, speed[0], speed[i], contenders[i].Label)
                    {
                        JumpHostCpu = cpu[0],
                        OpenSshCpu = cpu[i],
                    });
                }
            }
        }
        finally
        {
            if (session != null)
            {
                try
                {
                    host.Run("Remove-JumpSession -Session $args[0]", CancellationToken.None, session);
                }
                catch (BenchException ex)
                {
                    Program.Log($"warning: removing the session failed: {ex.Message}");
                }
            }
        }
    }
}
