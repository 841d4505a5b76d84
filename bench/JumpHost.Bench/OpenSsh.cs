using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using System.Threading;

namespace JumpHost.Bench;

/// <summary>The OpenSSH client, run with the lab's ssh_config (which ssh -J also passes to its jump connections).</summary>
internal sealed partial class OpenSsh
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(30);

    public OpenSsh(string configFile, string label)
    {
        ConfigFile = configFile;
        Label = label;
    }

    public string ConfigFile { get; }

    /// <summary>How the report names this client, e.g. "OpenSSH" or "OpenSSH, aes128-gcm@openssh.com".</summary>
    public string Label { get; }

    /// <summary>
    /// An ssh_config that forces one cipher on every connection, jump connections included (ssh passes -F
    /// but not -o options to them): the option first (the first value obtained wins), then the lab's config.
    /// </summary>
    public static OpenSsh WithCipher(string labConfig, string cipher, string directory)
    {
        Directory.CreateDirectory(directory);
        var file = Path.Combine(directory, $"ssh_config.{cipher}");
        File.WriteAllText(file, $"# Written by JumpHost.Bench: the lab's config with one cipher forced.\nCiphers {cipher}\nInclude {labConfig}\n");
        return new OpenSsh(file, $"OpenSSH, {cipher}");
    }

    public static string Version()
    {
        var result = ChildProcess.Run("ssh", new[] { "-V" }, TimeSpan.FromSeconds(10));
        return (result.StdErr + result.StdOut).Trim();
    }

    /// <summary>ssh [-J jumps] target command, timed from process start to exit.</summary>
    public ProcessResult RunCommand(string target, string? jumps, string command, bool verbose, CancellationToken cancellationToken)
    {
        var arguments = new List<string> { "-F", ConfigFile, "-o", "BatchMode=yes" };
        if (verbose)
        {
            arguments.Add("-v");
        }

        if (jumps != null)
        {
            arguments.AddRange(new[] { "-J", jumps });
        }

        arguments.AddRange(new[] { target, command });
        var result = ChildProcess.Run("ssh", arguments, TimeSpan.FromSeconds(60), cancellationToken);
        if (result.TimedOut || result.ExitCode != 0)
        {
            throw new BenchException(
                $"`ssh {string.Join(" ", arguments)}` " + (result.TimedOut ? "did not finish within 60 s" : $"exited with {result.ExitCode}") +
                ":\n" + Tail(result.StdErr));
        }

        return result;
    }

    /// <summary>ssh -N -L 127.0.0.1:port:host:port [-J jumps] target, once the local port listens.</summary>
    public ForwardProcess StartForward(string target, string? jumps, string remoteHost, int remotePort, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            var arguments = new List<string>
            {
                "-F", ConfigFile, "-v", "-N", "-o", "BatchMode=yes", "-o", "ExitOnForwardFailure=yes",
            };
            if (jumps != null)
            {
                arguments.AddRange(new[] { "-J", jumps });
            }

            arguments.AddRange(new[] { "-L", $"127.0.0.1:{port}:{remoteHost}:{remotePort}", target });
            var child = ChildProcess.Start("ssh", arguments);
            try
            {
                WaitUntilListening(child, port, cancellationToken);
                return new ForwardProcess(child, port, ParseNegotiated(child.StdErr));
            }
            catch (PortTakenException) when (attempt < 3)
            {
                child.Dispose();
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                var stderr = child.StdErr;
                child.Dispose();
                throw new BenchException($"`ssh {string.Join(" ", arguments)}` did not start forwarding: {ex.Message}\n{Tail(stderr)}", ex);
            }
            catch
            {
                child.Dispose();
                throw;
            }
        }
    }

    /// <summary>The ciphers from ssh -v ("kex: client->server cipher: ..."), one per connection, outermost first.</summary>
    public static string ParseNegotiated(string verboseOutput)
    {
        var kex = KexAlgorithm().Matches(verboseOutput).Select(m => m.Groups[1].Value).ToList();
        var hops = CipherLine().Matches(verboseOutput)
            .Select((m, i) => new Negotiated(m.Groups[1].Value, m.Groups[2].Value == "<implicit>" ? null : m.Groups[2].Value, i < kex.Count ? kex[i] : "?"))
            .ToList();

        // The jump connections log first (they must be up before the next one starts), so the order holds.
        return hops.Count == 0 ? "?" : Negotiated.Summarize(hops);
    }

    public static string Tail(string text, int lines = 12)
    {
        var all = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        return string.Join("\n", all.Skip(Math.Max(0, all.Length - lines)).Select(l => "    " + l));
    }

    private static int FreeLoopbackPort()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>Watches /proc/net/tcp for the listening socket: no probe connection reaches the sink.</summary>
    private static void WaitUntilListening(ChildProcess child, int port, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + ReadyTimeout;
        var wanted = $"0100007F:{port.ToString("X4", CultureInfo.InvariantCulture)}";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (File.ReadLines("/proc/net/tcp").Skip(1).Any(line =>
                {
                    var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                    return fields.Length > 3 && fields[1] == wanted && fields[3] == "0A";
                }))
            {
                return;
            }

            if (child.HasExited)
            {
                if (child.StdErr.Contains("Address already in use", StringComparison.Ordinal))
                {
                    throw new PortTakenException();
                }

                throw new BenchException($"ssh exited with {child.ExitCode} before the local port listened.");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new BenchException($"the local port {port} did not listen within {ReadyTimeout.TotalSeconds:0} s.");
            }

            Thread.Sleep(10);
        }
    }

    [GeneratedRegex(@"kex: client->server cipher: (\S+) MAC: (\S+)")]
    private static partial Regex CipherLine();

    [GeneratedRegex(@"kex: algorithm: (\S+)")]
    private static partial Regex KexAlgorithm();

    private sealed class PortTakenException : Exception
    {
    }
}

/// <summary>A running ssh -N -L process.</summary>
internal sealed class ForwardProcess : IDisposable
{
    private readonly ChildProcess _child;

    public ForwardProcess(ChildProcess child, int port, string negotiated)
    {
        _child = child;
        Port = port;
        Negotiated = negotiated;
    }

    public int Port { get; }

    public string Negotiated { get; }

    /// <summary>CPU seconds the ssh process and its jump processes have used so far.</summary>
    public double CpuSeconds => CpuMeter.Tree(_child.Id);

    /// <summary>Throws with ssh's last words if the process died (e.g. the lab went away).</summary>
    public void CheckAlive()
    {
        if (_child.HasExited)
        {
            throw new BenchException($"the ssh forward process exited with {_child.ExitCode}:\n{OpenSsh.Tail(_child.StdErr)}");
        }
    }

    public void Dispose() => _child.Dispose();
}
