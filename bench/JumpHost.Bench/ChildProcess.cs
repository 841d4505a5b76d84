using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Diagnostics;
using System.Text;
using System.Threading;

namespace JumpHost.Bench;

/// <summary>What a finished child process did.</summary>
internal sealed record ProcessResult(int ExitCode, string StdOut, string StdErr, TimeSpan Elapsed, bool TimedOut);

/// <summary>
/// Every child process the bench starts goes through here, so that all of them (with their own children,
/// e.g. the ssh -W processes of ssh -J) are killed on exit, on Ctrl+C and on SIGTERM.
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private static readonly ConcurrentDictionary<ChildProcess, byte> Live = new();

    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();

    private ChildProcess(Process process)
    {
        _process = process;
    }

    public int Id => _process.Id;

    public bool HasExited
    {
        get
        {
            try
            {
                return _process.HasExited;
            }
            catch (InvalidOperationException)
            {
                return true;
            }
        }
    }

    public int ExitCode => _process.ExitCode;

    public string StdErr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    public string StdOut
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    /// <summary>Starts a process with stdin closed (EOF at once, like ssh -n) and both outputs captured.</summary>
    public static ChildProcess Start(string file, IEnumerable<string> arguments)
    {
        var info = new ProcessStartInfo(file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process);
        process.OutputDataReceived += (_, e) => Append(child._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => Append(child._stderr, e.Data);
        Live[child] = 0;
        try
        {
            process.Start();
        }
        catch
        {
            Live.TryRemove(child, out _);
            process.Dispose();
            throw;
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return child;
    }

    /// <summary>Runs a process to its end (killed after <paramref name="timeout"/>), timing it from start to exit.</summary>
    public static ProcessResult Run(string file, IEnumerable<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var stopwatch = Stopwatch.StartNew();
        using var child = Start(file, arguments);
        var exited = child.WaitForExit(timeout, cancellationToken);
        stopwatch.Stop();
        if (exited)
        {
            child.DrainOutput();
        }
        else
        {
            child.Kill();
            cancellationToken.ThrowIfCancellationRequested();
            return new ProcessResult(-1, child.StdOut, child.StdErr, stopwatch.Elapsed, TimedOut: true);
        }

        return new ProcessResult(child.ExitCode, child.StdOut, child.StdErr, stopwatch.Elapsed, TimedOut: false);
    }

    /// <summary>True as soon as the process exited; false on timeout or cancellation.</summary>
    public bool WaitForExit(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_process.WaitForExit(50))
        {
            if (cancellationToken.IsCancellationRequested || DateTime.UtcNow > deadline)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>After the exit: waits until both redirected outputs have been read to their end.</summary>
    public void DrainOutput() => _process.WaitForExit();

    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(5000);
            }
        }
        catch (Exception)
        {
            // Already gone.
        }
    }

    public void Dispose()
    {
        Kill();
        Live.TryRemove(this, out _);
        _process.Dispose();
    }

    /// <summary>Kills every child still running: the exit, Ctrl+C and SIGTERM paths.</summary>
    public static void KillAll()
    {
        foreach (var child in Live.Keys)
        {
            child.Kill();
        }
    }

    private static void Append(StringBuilder builder, string? line)
    {
        if (line == null)
        {
            return;
        }

        lock (builder)
        {
            builder.Append(line).Append('\n');
        }
    }
}
