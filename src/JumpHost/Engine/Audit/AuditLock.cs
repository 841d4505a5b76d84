using System;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.IO;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace JumpHost.Engine.Audit;

/// <summary>
/// The lock on one audit log, shared by every runspace and process on this computer (as known_hosts changes
/// are): a monitor orders the threads of this process, a named mutex the processes. A log on a network share
/// written from several computers is not covered: give each computer its own file.
/// </summary>
internal static class AuditLock
{
    private static readonly ConcurrentDictionary<string, Entry> Entries = new(StringComparer.Ordinal);

    /// <summary>Takes the lock, or throws <see cref="TimeoutException"/> when another writer held it all along.</summary>
    public static IDisposable Acquire(string fullPath, TimeSpan timeout)
    {
        var key = Key(fullPath);
        var entry = Entries.GetOrAdd(key, k => new Entry(k));
        var clock = Stopwatch.StartNew();
        if (!Monitor.TryEnter(entry.Gate, timeout))
        {
            throw new TimeoutException($"another writer in this process has held its lock for {timeout.TotalSeconds:0} s");
        }

        try
        {
            var mutex = entry.Mutex;
            var remaining = timeout - clock.Elapsed;
            bool held;
            try
            {
                held = mutex.WaitOne(remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero);
            }
            catch (AbandonedMutexException)
            {
                // Its holder ended while writing; the next append finds and records any line it cut off.
                held = true;
            }

            if (!held)
            {
                throw new TimeoutException($"another program has held its lock for {timeout.TotalSeconds:0} s");
            }

            return new Held(entry);
        }
        catch
        {
            Monitor.Exit(entry.Gate);
            throw;
        }
    }

    /// <summary>Takes the lock if it comes within the timeout; null when it did not.</summary>
    public static IDisposable? TryAcquire(string fullPath, TimeSpan timeout)
    {
        try
        {
            return Acquire(fullPath, timeout);
        }
        catch (TimeoutException)
        {
            return null;
        }
    }

    private static string Key(string fullPath)
    {
        var name = RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? fullPath.ToUpperInvariant() : fullPath;
        using var sha = SHA256.Create();
        return AuditHash.Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(name))).Substring(0, 32);
    }

    private sealed class Entry
    {
        private readonly string _key;
        private Mutex? _mutex;

        public Entry(string key)
        {
            _key = key;
        }

        public object Gate { get; } = new();

        /// <summary>Opened once per process and kept: only the thread that holds <see cref="Gate"/> uses it.</summary>
        public Mutex Mutex => _mutex ??= new Mutex(false, @"Global\JumpHost.Audit." + _key);
    }

    private sealed class Held : IDisposable
    {
        private Entry? _entry;

        public Held(Entry entry)
        {
            _entry = entry;
        }

        public void Dispose()
        {
            var entry = Interlocked.Exchange(ref _entry, null);
            if (entry != null)
            {
                try
                {
                    entry.Mutex.ReleaseMutex();
                }
                finally
                {
                    Monitor.Exit(entry.Gate);
                }
            }
        }
    }
}
