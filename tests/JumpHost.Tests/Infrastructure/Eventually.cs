using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using Xunit;

namespace JumpHost.Tests.Infrastructure;

/// <summary>Waiting for things that settle shortly after a command returns, and counting what this process holds open.</summary>
public static class Eventually
{
    /// <summary>Fails the test unless the condition holds within 15 seconds.</summary>
    public static void Assert(Func<bool> condition, string message)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > TimeSpan.FromSeconds(15))
            {
                Xunit.Assert.Fail(message);
            }

            Thread.Sleep(100);
        }
    }

    /// <summary>
    /// The threads of this test process other than the thread pool's workers (which come and go with load), from
    /// /proc/self/task: what a leaked dedicated thread adds to.
    /// </summary>
    public static int DedicatedThreads() =>
        Directory.GetDirectories("/proc/self/task").Count(task =>
        {
            try
            {
                return File.ReadAllText(Path.Combine(task, "comm")).TrimEnd('\n') != ".NET TP Worker";
            }
            catch (IOException)
            {
                return false;
            }
        });

    /// <summary>The sockets this test process has open, from /proc/self/fd.</summary>
    public static int OpenSockets() =>
        Directory.GetFiles("/proc/self/fd").Count(fd =>
        {
            try
            {
                return new FileInfo(fd).LinkTarget?.StartsWith("socket:") == true;
            }
            catch (IOException)
            {
                return false;
            }
        });
}
