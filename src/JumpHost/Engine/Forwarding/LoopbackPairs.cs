using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// Makes connected pairs of loopback sockets: SSH.NET's channel reads and writes one end, and the relay that
/// counts the bytes the other. A connection that is not one of the pair's own is closed at once.
/// </summary>
internal sealed class LoopbackPairs : IDisposable
{
    private static readonly TimeSpan PairTimeout = TimeSpan.FromSeconds(10);

    private readonly Socket _listener;
    private readonly ConcurrentDictionary<int, TaskCompletionSource<Socket>> _waiting = new();
    private int _disposed;

    private LoopbackPairs(Socket listener)
    {
        _listener = listener;
    }

    public static LoopbackPairs Start()
    {
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(512);
        var pairs = new LoopbackPairs(listener);
        _ = ForwardListener.AcceptLoopAsync(listener, () => Volatile.Read(ref pairs._disposed) != 0, pairs.Route);
        return pairs;
    }

    /// <summary>Returns (relay end, channel end).</summary>
    public async Task<(Socket Relay, Socket Channel)> CreateAsync()
    {
        var relay = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            relay.Bind(new IPEndPoint(IPAddress.Loopback, 0));
            var port = ((IPEndPoint)relay.LocalEndPoint!).Port;
            var accepted = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiting[port] = accepted;
            try
            {
                await relay.ConnectAsync(_listener.LocalEndPoint!).ConfigureAwait(false);
                if (await Task.WhenAny(accepted.Task, Task.Delay(PairTimeout)).ConfigureAwait(false) != accepted.Task)
                {
                    throw new TimeoutException("The loopback socket pair was not accepted in time.");
                }

                return (relay, await accepted.Task.ConfigureAwait(false));
            }
            finally
            {
                _waiting.TryRemove(port, out _);
            }
        }
        catch
        {
            relay.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _listener.Dispose();
        }
    }

    private void Route(Socket accepted)
    {
        var peerPort = ((IPEndPoint)accepted.RemoteEndPoint!).Port;
        if (!_waiting.TryGetValue(peerPort, out var waiting) || !waiting.TrySetResult(accepted))
        {
            accepted.Dispose();
        }
    }
}
