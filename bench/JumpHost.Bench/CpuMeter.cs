using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;

namespace JumpHost.Bench;

/// <summary>
/// Client-side CPU time (user + system) from /proc: this process (the pushing client, and the module for
/// JumpHost) and, for OpenSSH, the ssh process with its descendants (the ssh -W jump processes of -J).
/// </summary>
internal static class CpuMeter
{
    private const int ScClkTck = 2;

    private static readonly double TicksPerSecond = ReadTicksPerSecond();

    /// <summary>CPU seconds used so far by this process.</summary>
    public static double Self()
    {
        using var self = Process.GetCurrentProcess();
        return self.TotalProcessorTime.TotalSeconds;
    }

    /// <summary>CPU seconds used so far by a process and all its live descendants (0 if it is gone).</summary>
    public static double Tree(int rootPid) => TreeMembers(rootPid).Sum(m => m.Seconds);

    /// <summary>A process and its live descendants, each with the CPU seconds it used so far.</summary>
    public static List<(int Pid, double Seconds)> TreeMembers(int rootPid)
    {
        var stats = new Dictionary<int, (int Parent, double Seconds)>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));

                // "pid (comm) state ppid ... utime stime ...": comm may hold spaces, so split after its ')'.
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
                stats[pid] = (parent, ticks / TicksPerSecond);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is FormatException || ex is IndexOutOfRangeException || ex is ArgumentOutOfRangeException)
            {
                // The process ended while /proc was read.
            }
        }

        var members = new List<(int Pid, double Seconds)>();
        var pending = new Stack<int>();
        pending.Push(rootPid);
        var seen = new HashSet<int>();
        while (pending.Count > 0)
        {
            var pid = pending.Pop();
            if (!seen.Add(pid) || !stats.TryGetValue(pid, out var entry))
            {
                continue;
            }

            members.Add((pid, entry.Seconds));
            foreach (var child in stats.Where(s => s.Value.Parent == pid).Select(s => s.Key))
            {
                pending.Push(child);
            }
        }

        return members;
    }

    /// <summary>
    /// How busy all CPUs of the machine were with other processes' work over <paramref name="window"/> (0..1), from
    /// /proc/stat, this process's own CPU time (e.g. background JIT) taken out; null if unreadable.
    /// </summary>
    public static double? OthersBusy(TimeSpan window)
    {
        static (long Idle, long Total)? Sample()
        {
            var line = File.Exists("/proc/stat") ? File.ReadLines("/proc/stat").FirstOrDefault(l => l.StartsWith("cpu ", StringComparison.Ordinal)) : null;
            if (line == null)
            {
                return null;
            }

            var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(v => long.Parse(v, CultureInfo.InvariantCulture)).ToList();

            // user nice system idle iowait irq softirq steal ...: idle and iowait are the idle part.
            return (values[3] + values[4], values.Take(8).Sum());
        }

        var self0 = Self();
        var before = Sample();
        System.Threading.Thread.Sleep(window);
        var after = Sample();
        var self1 = Self();
        if (before == null || after == null || after.Value.Total <= before.Value.Total)
        {
            return null;
        }

        var total = (double)(after.Value.Total - before.Value.Total);
        var busy = total - (after.Value.Idle - before.Value.Idle);
        var own = (self1 - self0) * TicksPerSecond;
        return Math.Clamp((busy - own) / total, 0, 1);
    }

    private static double ReadTicksPerSecond()
    {
        try
        {
            var ticks = SysConf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception ex) when (ex is DllNotFoundException || ex is EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    private static extern long SysConf(int name);
}
