using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Tests.Infrastructure;

/// <summary>
/// A hostile local process, played by a thread: it watches the kernel's table of listening sockets and connects
/// at once to every new loopback port, hoping to win the race for a port meant for someone else. On each
/// connection it tries SOCKS 5 with a guessed password and keeps whatever comes back (an SSH server's greeting
/// would mean it got a path to that server).
/// </summary>
public sealed class LoopbackPortSniper : IDisposable
{
    /// <summary>A SOCKS 5 greeting offering no authentication or a password, then a guessed login, sent in one go to race the port's rightful client.</summary>
    private static readonly byte[] Attempt = [5, 2, 0, 2, 1, 8, .. "jumphost"u8.ToArray(), 5, .. "guess"u8.ToArray()];

    private readonly HashSet<int> _known;
    private readonly ConcurrentBag<Task<byte[]?>> _attempts = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _watcher;

    public LoopbackPortSniper()
    {
        _known = ListeningLoopbackPorts().ToHashSet();
        _watcher = new Thread(Watch) { IsBackground = true, Name = "loopback port sniper" };
        _watcher.Start();
    }

    /// <summary>Stops watching and returns, per port it tried, what it received (null: the connection was refused).</summary>
    public IReadOnlyList<byte[]?> Finish()
    {
        _stop.Cancel();
        _watcher.Join();
        return _attempts.Select(a => a.GetAwaiter().GetResult()).ToList();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _watcher.Join();
        _stop.Dispose();
    }

    private void Watch()
    {
        while (!_stop.IsCancellationRequested)
        {
            foreach (var port in ListeningLoopbackPorts())
            {
                if (_known.Add(port))
                {
                    _attempts.Add(Task.Run(() => ProbeAsync(port)));
                }
            }
        }
    }

    /// <summary>What a connection to the port received, or null if the port refused the connection.</summary>
    private static async Task<byte[]?> ProbeAsync(int port)
    {
        using var client = new TcpClient();
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port);
        }
        catch (SocketException)
        {
            return null;
        }

        using var received = new MemoryStream();
        try
        {
            var stream = client.GetStream();
            await stream.WriteAsync(Attempt);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var buffer = new byte[4096];
            int read;
            while ((read = await stream.ReadAsync(buffer, timeout.Token)) > 0)
            {
                received.Write(buffer, 0, read);
            }
        }
        catch (Exception ex) when (ex is SocketException || ex is IOException || ex is OperationCanceledException)
        {
            // Cut off, or nothing more within the time: what arrived is the answer.
        }

        return received.ToArray();
    }

    /// <summary>Ports in state LISTEN on 127.0.0.1, from /proc/net/tcp (address and port in hex, state 0A).</summary>
    private static IEnumerable<int> ListeningLoopbackPorts()
    {
        foreach (var line in File.ReadLines("/proc/net/tcp").Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var local = fields[1].Split(':');
            if (fields[3] == "0A" && local[0] == "0100007F")
            {
                yield return int.Parse(local[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            }
        }
    }
}
