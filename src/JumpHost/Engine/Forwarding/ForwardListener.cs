using System;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// A listening socket that hands each accepted connection to a handler, tracks the connections it holds,
/// and on Dispose closes the port at once and cuts those connections.
/// </summary>
internal sealed class ForwardListener : IDisposable
{
    private readonly Socket _socket;
    private readonly ConcurrentDictionary<Socket, byte> _connections = new();
    private int _disposed;

    private ForwardListener(Socket socket)
    {
        _socket = socket;
        LocalEndpoint = (IPEndPoint)socket.LocalEndPoint!;
    }

    /// <summary>Where it listens (with the port the system chose for port 0); still readable after Dispose.</summary>
    public IPEndPoint LocalEndpoint { get; }

    /// <summary>Binds and listens, or fails at once (like ssh's ExitOnForwardFailure) when the port is taken.</summary>
    public static ForwardListener Listen(IPEndPoint endpoint)
    {
        var socket = new Socket(endpoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(endpoint);
            socket.Listen(512);
            return new ForwardListener(socket);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            if (ex.SocketErrorCode == SocketError.AddressAlreadyInUse || ex.SocketErrorCode == SocketError.AccessDenied)
            {
                throw new JumpHostException(JumpErrorIds.LocalPortInUse, JumpErrorKind.ResourceUnavailable,
                    $"Cannot listen on {endpoint}: {ex.Message}. Choose another -LocalPort, or 0 to take any free port.", endpoint.ToString(), ex);
            }

            throw new JumpHostException(JumpErrorIds.LocalBindFailed, JumpErrorKind.InvalidArgument,
                $"Cannot listen on {endpoint}: {ex.Message}. Give an address of this computer to -BindAddress.", endpoint.ToString(), ex);
        }
    }

    /// <summary>Accepts until disposed; each connection runs its handler on the thread pool and is closed after it.</summary>
    public void Start(Func<Socket, Task> handle)
    {
        _ = AcceptLoopAsync(_socket, () => Volatile.Read(ref _disposed) != 0, connection =>
        {
            _connections[connection] = 0;
            _ = Task.Run(async () =>
            {
                try
                {
                    await handle(connection).ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // A handler records its own failures; anything else only ends this connection.
                }
                finally
                {
                    _connections.TryRemove(connection, out _);
                    connection.Dispose();
                }
            });
        });
    }

    /// <summary>Hands every accepted connection (with Nagle off) to <paramref name="accepted"/> until <paramref name="stopped"/>.</summary>
    public static async Task AcceptLoopAsync(Socket listener, Func<bool> stopped, Action<Socket> accepted)
    {
        while (!stopped())
        {
            Socket connection;
            try
            {
                connection = await listener.AcceptAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
            {
                // Disposed (stopped) ends the loop; a failed accept (e.g. out of file descriptors) is retried
                // after a pause rather than in a tight loop.
                await Task.Delay(50).ConfigureAwait(false);
                continue;
            }

            connection.NoDelay = true;
            if (stopped())
            {
                connection.Dispose();
                break;
            }

            accepted(connection);
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _socket.Dispose();
        foreach (var connection in _connections.Keys)
        {
            connection.Dispose();
        }
    }
}
