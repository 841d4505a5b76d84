using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Runtime.InteropServices;
using System.Threading;

namespace JumpHost.Bench;

/// <summary>A forward route: a JumpHost session and an ssh -L over the same hops to the same sink.</summary>
internal sealed record ForwardRoute(string Name, string Description, string Target, string[] Jumps, string SinkHost);

/// <summary>A command route: connect through the jump hosts to the target and run `true`.</summary>
internal sealed record ConnectRoute(string Name, string Description, string Target, string[] Jumps);

internal static class Program
{
    private static readonly ForwardRoute[] ForwardRoutes =
    {
        new("1 hop", "bastion → target1:9", "bastion", Array.Empty<string>(), "target1"),
        new("3 hops", "relay1 → relay2 → relay3 → www:9", "relay3", new[] { "relay1", "relay2" }, "www"),
    };

    private static readonly ConnectRoute[] ConnectRoutes =
    {
        new("1 jump host", "bastion → target1", "target1", new[] { "bastion" }),
        new("3 jump hosts", "relay1 → relay2 → relay3 → www", "www", new[] { "relay1", "relay2", "relay3" }),
    };

    private static readonly CancellationTokenSource Cancel = new();
    private static ModuleHost? _host;

    // Kept referenced: a collected registration stops handling its signal.
    private static readonly List<PosixSignalRegistration> SignalRegistrations = new();

    public static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}\n\n{Options.Usage}");
            return 1;
        }

        if (options.Help)
        {
            Console.WriteLine(Options.Usage);
            return 0;
        }

        InstallStopHandlers();
        try
        {
            return Run(options);
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("Interrupted: forwards, sessions and ssh processes stopped.");
            return 130;
        }
        catch (BenchException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        finally
        {
            _host?.Dispose();
            ChildProcess.KillAll();
        }
    }

    private static int Run(Options options)
    {
        var root = RepositoryRoot();
        var moduleDir = Path.GetFullPath(options.ModuleDir ?? Path.Combine(root, "out", "JumpHost"));
        var build = ModuleHost.Inspect(moduleDir);
        Log($"Module: {moduleDir}: {build.Configuration} build ({(build.Optimized ? "optimized" : "JIT optimizer disabled")}), written {build.BuiltAt:yyyy-MM-dd HH:mm:ss} UTC.");
        if (build.IsDebug)
        {
            if (!options.AllowDebug)
            {
                throw new BenchException(
                    $"{moduleDir} holds a {build.Configuration} build: its figures would not say how fast JumpHost is. " +
                    "Build the Release module (dotnet build src/JumpHost -c Release, or run the bench with dotnet run -c Release, " +
                    "which builds it), or pass --allow-debug to measure this build anyway.");
            }

            Log("warning: measuring a Debug build because of --allow-debug; the figures say little about JumpHost's speed.");
        }

        var lab = Lab.TryOpen(root, out var problem);
        if (lab == null)
        {
            Console.Error.WriteLine($"{problem}\nStart the lab first (as root): tests/lab/lab.sh start\nThe bench does not start or stop the lab itself.");
            return 2;
        }

        Log($"Lab: {lab.Dir} is up.");
        _host = ModuleHost.Open(build, lab);
        Log($"PowerShell {_host.PowerShellVersion} hosted in-process; JumpHost loaded from {_host.LoadedFramework}/ of a private copy.");

        var report = new Report(options, build, _host);

        // Other work on the machine skews every figure: say how busy other processes kept the CPUs just before.
        report.BusyBefore = CpuMeter.OthersBusy(TimeSpan.FromSeconds(2));
        if (report.BusyBefore is > Report.BusyWarning)
        {
            Log($"warning: the machine's CPUs were {report.BusyBefore:P0} busy with other work just before the run: expect noisy figures.");
        }

        var openSsh = new OpenSsh(lab.SshConfig, "OpenSSH");
        var scratch = Path.Combine(Path.GetTempPath(), $"jumphost-bench-{Environment.ProcessId}");
        var scenarios = new List<(string Name, Action Measure)>();
        if (options.RunForward)
        {
            scenarios.AddRange(ForwardRoutes.Select(route => ($"forward {route.Name}", (Action)(() => MeasureForward(route, lab, openSsh, scratch, options, report)))));
        }

        TransferFiles? files = null;
        if (options.RunTransfer)
        {
            Log($"Transfer: writing a {options.TransferMib} MiB payload of random bytes.");
            files = TransferFiles.Create(lab, Path.Combine(scratch, "transfer"), options.TransferMib);
            scenarios.AddRange(TransferBench.Routes.Select(route => ($"transfer {route.Name}",
                (Action)(() => TransferBench.Measure(route, _host, openSsh, files, scratch, options, report, Cancel.Token)))));
        }

        if (options.RunConnect)
        {
            scenarios.AddRange(ConnectRoutes.Select(route => ($"connect {route.Name}", (Action)(() => MeasureConnect(route, openSsh, options, report)))));
        }

        bool labGone;
        try
        {
            RunScenarios(scenarios, lab, report, out labGone);
        }
        finally
        {
            files?.Dispose();
        }

        Console.WriteLine(report.Render(includeTitle: false));
        if (options.WritePath != null)
        {
            var path = Path.GetFullPath(options.WritePath);
            if (report.Failures.Count > 0)
            {
                Log($"Not writing {path}: {report.Failures.Count} scenario(s) failed (see above); the page keeps its last complete run.");
            }
            else
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                File.WriteAllText(path, report.Render(includeTitle: true));
                Log($"Wrote {path}.");
            }
        }

        return labGone ? 2 : report.Failures.Count > 0 ? 1 : 0;
    }

    /// <summary>Runs each scenario; a failed one is reported and the others still run, unless the lab went away.</summary>
    private static void RunScenarios(List<(string Name, Action Measure)> scenarios, Lab lab, Report report, out bool labGone)
    {
        labGone = false;
        foreach (var (name, measure) in scenarios)
        {
            try
            {
                measure();
            }
            catch (BenchException ex)
            {
                var message = ex.Message;
                labGone = !lab.IsUp(out var status);
                if (labGone)
                {
                    message += "\nThe lab is not running any more (a test run stops it when it ends?):\n" + status +
                               "\nStart it again (tests/lab/lab.sh start) and rerun the bench.";
                }

                Console.Error.WriteLine($"error in {name}: {message}");
                report.Failures.Add($"{name}: {message}");
                if (labGone)
                {
                    break;
                }
            }
        }
    }

    private static void MeasureForward(ForwardRoute route, Lab lab, OpenSsh openSsh, string scratch, Options options, Report report)
    {
        var sessionScript = route.Jumps.Length == 0
            ? $"New-JumpSession {route.Target} @Lab -Verbose"
            : $"New-JumpSession {route.Target} -JumpHost {string.Join(",", route.Jumps)} @Lab -Verbose";
        var jumps = route.Jumps.Length == 0 ? null : string.Join(",", route.Jumps);
        var title = $"Forward throughput, {route.Name} ({route.Description}), {options.Mib} MiB";
        Log($"{title}: setting up.");

        PSObject? session = null;
        PSObject? forward = null;
        var sshForwards = new List<(OpenSsh Client, ForwardProcess Process)>();
        try
        {
            var setup = _host!.Run(
                $"$s = {sessionScript}\n$f = $s | Start-PortForward -LocalPort 0 -RemoteHost {route.SinkHost} -RemotePort {lab.SinkPort}\n$s\n$f",
                Cancel.Token);
            session = setup.Output.FirstOrDefault(o => TypeName(o) == "JumpHost.JumpSession") ?? throw new BenchException("New-JumpSession returned no session.");
            forward = setup.Output.FirstOrDefault(o => TypeName(o) == "JumpHost.PortForward") ?? throw new BenchException("Start-PortForward returned no forward.");
            var jumpHostPort = LocalPort(forward);
            var negotiated = ModuleHost.DescribeNegotiated(session, setup.Verbose);
            report.Compared.Add(($"Forward, {route.Name}", "JumpHost", negotiated));

            sshForwards.Add((openSsh, openSsh.StartForward(route.Target, jumps, route.SinkHost, lab.SinkPort, Cancel.Token)));
            report.Compared.Add(($"Forward, {route.Name}", "OpenSSH", sshForwards[0].Process.Negotiated));

            // OpenSSH again with JumpHost's cipher, when the defaults differ: same cipher, same work per byte.
            var jumpHostCipher = ModuleHost.ReadNegotiated(session)?.Select(n => n.Cipher).Distinct().ToList();
            if (options.MatchCipher && jumpHostCipher is { Count: 1 } && !sshForwards[0].Process.Negotiated.StartsWith(jumpHostCipher[0] + ",", StringComparison.Ordinal))
            {
                var matched = OpenSsh.WithCipher(lab.SshConfig, jumpHostCipher[0], scratch);
                sshForwards.Add((matched, matched.StartForward(route.Target, jumps, route.SinkHost, lab.SinkPort, Cancel.Token)));
                report.Compared.Add(($"Forward, {route.Name}", matched.Label, sshForwards[1].Process.Negotiated));
            }

            var jumpHostSamples = new Samples("MiB/s");
            var jumpHostCpu = new Samples("s/GiB");
            var sshSamples = sshForwards.Select(_ => new Samples("MiB/s")).ToList();
            var sshCpu = sshForwards.Select(_ => new Samples("s/GiB")).ToList();

            // Client CPU: this process (the pushing client; and the module, for JumpHost) plus, for OpenSSH, the
            // ssh process tree. /proc is read outside the timed part, and the tree before this process.
            (double MiBs, double CpuPerGiB) Push(int port, ForwardProcess? ssh)
            {
                var tree0 = ssh?.CpuSeconds ?? 0;
                var self0 = CpuMeter.Self();
                var elapsed = SinkClient.Push(port, options.Mib, Cancel.Token);
                var self1 = CpuMeter.Self();
                var tree1 = ssh?.CpuSeconds ?? 0;
                ssh?.CheckAlive();
                return (options.Mib / elapsed.TotalSeconds, (self1 - self0 + tree1 - tree0) * 1024 / options.Mib);
            }

            // A warm-up each (JIT, TCP windows), then the timed runs interleaved so machine noise hits all alike.
            Log($"{title}: warm-up.");
            Push(jumpHostPort, null);
            foreach (var (_, process) in sshForwards)
            {
                Push(process.Port, process);
            }

            for (var run = 1; run <= options.ForwardRuns; run++)
            {
                var line = new List<string>();
                var (value, cpu) = Push(jumpHostPort, null);
                jumpHostSamples.Add(value);
                jumpHostCpu.Add(cpu);
                line.Add($"JumpHost {Samples.Number(value)} MiB/s ({Samples.Number(cpu)} CPU s/GiB)");
                for (var i = 0; i < sshForwards.Count; i++)
                {
                    (value, cpu) = Push(sshForwards[i].Process.Port, sshForwards[i].Process);
                    sshSamples[i].Add(value);
                    sshCpu[i].Add(cpu);
                    line.Add($"{sshForwards[i].Client.Label} {Samples.Number(value)} MiB/s ({Samples.Number(cpu)} CPU s/GiB)");
                }

                Log($"{title}: run {run}/{options.ForwardRuns}: {string.Join(", ", line)}.");
            }

            report.Rows.Add(new ResultRow(RowKind.Forward, title, higherIsBetter: true, jumpHostSamples, sshSamples[0], "OpenSSH, default ciphers")
            {
                JumpHostCpu = jumpHostCpu,
                OpenSshCpu = sshCpu[0],
            });
            if (sshForwards.Count > 1)
            {
                report.Rows.Add(new ResultRow(RowKind.ForwardSameCipher, $"{title}, OpenSSH forced to {jumpHostCipher![0]}",
                    higherIsBetter: true, jumpHostSamples, sshSamples[1], sshForwards[1].Client.Label)
                {
                    JumpHostCpu = jumpHostCpu,
                    OpenSshCpu = sshCpu[1],
                });
            }
        }
        finally
        {
            foreach (var (_, process) in sshForwards)
            {
                process.Dispose();
            }

            if (forward != null || session != null)
            {
                try
                {
                    _host!.Run("if ($args[0]) { Stop-PortForward -Forward $args[0] }; if ($args[1]) { Remove-JumpSession -Session $args[1] }", CancellationToken.None, forward, session);
                }
                catch (BenchException ex)
                {
                    Log($"warning: stopping the forward and session failed: {ex.Message}");
                }
            }
        }
    }

    private static void MeasureConnect(ConnectRoute route, OpenSsh openSsh, Options options, Report report)
    {
        var jumps = string.Join(",", route.Jumps);
        var title = $"Open a session and run `true`, {route.Name} ({route.Description})";
        var sessionTitle = $"New-JumpSession alone (no command), {route.Name} ({route.Description})";
        Log($"{title}: warm-up.");

        var invoke = new Samples("ms");
        var openOnly = new Samples("ms");
        var ssh = new Samples("ms");

        double InvokeCommand()
        {
            var result = _host!.Run("Invoke-JumpCommand -HostName $args[0] -JumpHost $args[1] @Lab -Command true", Cancel.Token, route.Target, route.Jumps);
            var output = result.Output.SingleOrDefault(o => TypeName(o) == "JumpHost.JumpCommandResult")
                ?? throw new BenchException("Invoke-JumpCommand returned no result.");
            if (output.Properties["ExitStatus"]?.Value is not int status || status != 0)
            {
                throw new BenchException($"`true` on {route.Target} exited with {output.Properties["ExitStatus"]?.Value ?? "no status"}.");
            }

            return result.Elapsed.TotalMilliseconds;
        }

        double NewSession(bool verbose)
        {
            var result = _host!.Run($"New-JumpSession $args[0] -JumpHost $args[1] @Lab{(verbose ? " -Verbose" : string.Empty)}", Cancel.Token, route.Target, route.Jumps);
            var session = result.Output.SingleOrDefault(o => TypeName(o) == "JumpHost.JumpSession")
                ?? throw new BenchException("New-JumpSession returned no session.");
            var elapsed = result.Elapsed.TotalMilliseconds;
            if (verbose)
            {
                report.Compared.Add(($"Session and `true`, {route.Name}", "JumpHost", ModuleHost.DescribeNegotiated(session, result.Verbose)));
            }

            // Closing is not part of "open a session"; it runs outside the timed call.
            _host.Run("Remove-JumpSession -Session $args[0]", Cancel.Token, session);
            return elapsed;
        }

        // Warm-up: also shows what each side negotiated.
        NewSession(verbose: true);
        InvokeCommand();
        var verboseRun = openSsh.RunCommand(route.Target, jumps, "true", verbose: true, Cancel.Token);
        report.Compared.Add(($"Session and `true`, {route.Name}", "OpenSSH", OpenSsh.ParseNegotiated(verboseRun.StdErr)));

        for (var run = 1; run <= options.ConnectRuns; run++)
        {
            var a = InvokeCommand();
            invoke.Add(a);
            var b = openSsh.RunCommand(route.Target, jumps, "true", verbose: false, Cancel.Token).Elapsed.TotalMilliseconds;
            ssh.Add(b);
            var c = NewSession(verbose: false);
            openOnly.Add(c);
            Log($"{title}: run {run}/{options.ConnectRuns}: Invoke-JumpCommand {Samples.Number(a)}, ssh {Samples.Number(b)}, New-JumpSession {Samples.Number(c)} ms.");
        }

        report.Rows.Add(new ResultRow(RowKind.Command, title, higherIsBetter: false, invoke, ssh, "OpenSSH, default ciphers"));
        report.Rows.Add(new ResultRow(RowKind.SessionOnly, sessionTitle, higherIsBetter: false, openOnly, null, "—"));
    }

    private static int LocalPort(PSObject forward)
    {
        var endpoint = forward.Properties["LocalEndpoint"]?.Value?.ToString() ?? string.Empty;
        var colon = endpoint.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(endpoint[(colon + 1)..], out var port))
        {
            throw new BenchException($"The forward's LocalEndpoint '{endpoint}' has no port.");
        }

        return port;
    }

    private static string? TypeName(PSObject value) => value.BaseObject.GetType().FullName;

    private static string RepositoryRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory != null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "JumpHost.psd1")) && Directory.Exists(Path.Combine(directory.FullName, "src", "JumpHost")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new BenchException("Cannot find the JumpHost repository (a folder with JumpHost.psd1 and src/JumpHost) above the current directory or the bench's binary.");
    }

    /// <summary>Ctrl+C and SIGTERM stop the running measurement; everything is then torn down on the way out.</summary>
    private static void InstallStopHandlers()
    {
        void Stop()
        {
            if (!Cancel.IsCancellationRequested)
            {
                Console.Error.WriteLine("Stopping...");
                Cancel.Cancel();
                _host?.StopCurrent();
            }

            // The ssh processes first: nothing must outlive the bench.
            ChildProcess.KillAll();
        }

        Console.CancelKeyPress += (_, e) =>
        {
            // The first Ctrl+C stops cleanly; a second one ends the process at once (children are killed on exit).
            e.Cancel = !Cancel.IsCancellationRequested;
            Stop();
        };
        foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGHUP })
        {
            SignalRegistrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                Stop();
            }));
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => ChildProcess.KillAll();
    }

    public static void Log(string message) => Console.Error.WriteLine($"[{DateTime.Now:HH:mm:ss}] {message}");
}
