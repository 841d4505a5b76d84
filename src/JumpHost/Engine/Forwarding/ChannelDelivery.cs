using System;
using System.Buffers;
using System.Collections.Generic;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// Delivers what the far side sends on one channel to the channel's socket, in order, without ever blocking the
/// session's receive thread, and gives the server more window only for what has been delivered.
/// </summary>
/// <remarks>
/// SSH.NET opens its channels with a window of 2 GiB that it never lets run low, and writes each channel's data to
/// its socket on the session's one receive thread. So a client that stopped reading (a paused download) blocked
/// that thread, and every channel of the session stopped with it: other forwarded connections, commands, SFTP,
/// and, when the session runs through a hop tunnel, the sessions inside it, which could deadlock the chain. Here
/// the receive thread only queues a copy; the socket is written asynchronously; and the server may have at most
/// <see cref="Window"/> bytes of this channel on their way, as with OpenSSH, so a slow client only slows itself.
/// </remarks>
internal sealed class ChannelDelivery : IDisposable
{
    /// <summary>The channel's window, as OpenSSH's own for TCP channels: enough to keep a fast link busy.</summary>
    public const uint Window = 2 * 1024 * 1024;

    /// <summary>
    /// Window is given back once this much has been delivered: often enough that the server never waits while
    /// the client keeps up, rarely enough that the adjust messages cost nothing.
    /// </summary>
    private const long GiveBackStep = Window / 8;

    private readonly Socket _socket;
    private readonly Func<uint, bool, bool> _giveWindow;
    private readonly Action<int>? _delivered;
    private readonly Action _end;
    private readonly Queue<Piece> _pieces = new();
    private readonly WaitCallback _giveWindowLater;
    private readonly SemaphoreSlim? _giverWakes;
    private bool _draining;
    private long _received;
    private long _deliveredTotal;
    private long _given;
    private long _owedLater;
    private int _givingLater;
    private int _disposed;

    /// <param name="socket">Where the data goes.</param>
    /// <param name="giveWindow">
    /// Sends a window adjust of the given size; with false for "may wait", returns false instead of waiting.
    /// </param>
    /// <param name="delivered">Counts the bytes handed to the socket.</param>
    /// <param name="end">Cuts the connection: the socket failed, the server broke the window, or it closed and everything is delivered.</param>
    /// <param name="poolFree">
    /// Window adjusts that may wait are sent from a thread of this delivery's own instead of the thread pool: for
    /// a hop tunnel, whose window every session inside it depends on (see <see cref="GiveLater"/>).
    /// </param>
    public ChannelDelivery(Socket socket, Func<uint, bool, bool> giveWindow, Action<int>? delivered, Action end, bool poolFree)
    {
        _socket = socket;
        _giveWindow = giveWindow;
        _delivered = delivered;
        _end = end;
        _giveWindowLater = _ => GiveLater();
        if (poolFree)
        {
            _giverWakes = new SemaphoreSlim(0);
            new Thread(GiveOnOwnThread) { IsBackground = true, Name = "JumpHost tunnel window" }.Start();
        }
    }

    private enum PieceKind
    {
        Data,
        Greeting,
        EndOfData,
        Closed,
    }

    /// <summary>Bytes the client gets before any of the far side's (a SOCKS reply); not part of the window.</summary>
    public void Greet(byte[] greeting) => Add(new Piece(PieceKind.Greeting, greeting, greeting.Length));

    /// <summary>
    /// Queues a copy of data the far side sent. False if the server sent more than its window allows (the caller
    /// then cuts the connection: the server is broken, and queuing beyond the window would hold unbounded memory).
    /// </summary>
    public bool Receive(ArraySegment<byte> data)
    {
        _received += data.Count;
        if (_received - Interlocked.Read(ref _given) > Window)
        {
            return false;
        }

        var copy = ArrayPool<byte>.Shared.Rent(data.Count);
        Buffer.BlockCopy(data.Array!, data.Offset, copy, 0, data.Count);
        Add(new Piece(PieceKind.Data, copy, data.Count));
        return true;
    }

    /// <summary>The far side sent EOF: half-close the socket once everything before it is delivered.</summary>
    public void EndOfData() => Add(new Piece(PieceKind.EndOfData, null, 0));

    /// <summary>The channel closed: cut the connection once everything before it is delivered.</summary>
    public void Closed() => Add(new Piece(PieceKind.Closed, null, 0));

    private void Add(Piece piece)
    {
        lock (_pieces)
        {
            _pieces.Enqueue(piece);
            if (_draining)
            {
                return;
            }

            _draining = true;
        }

        _ = DrainAsync();
    }

    private bool TryTake(out Piece piece)
    {
        lock (_pieces)
        {
            if (_pieces.Count == 0)
            {
                _draining = false;
                piece = default;
                return false;
            }

            piece = _pieces.Dequeue();
            return true;
        }
    }

    /// <summary>
    /// Writes the queued pieces until none is left. It starts on the thread that queued the first one (usually
    /// the receive thread) and stays there while the socket takes each write at once, which is the common case;
    /// once a write has to wait, it goes on from wherever that write completes.
    /// </summary>
    private async Task DrainAsync()
    {
        var onStartingThread = true;
        try
        {
            while (TryTake(out var piece))
            {
                switch (piece.Kind)
                {
                    case PieceKind.Data:
                    case PieceKind.Greeting:
                        for (var offset = 0; offset < piece.Count;)
                        {
                            var send = SendAsync(piece.Bytes!, offset, piece.Count - offset);
                            onStartingThread &= send.IsCompleted;
                            offset += await send.ConfigureAwait(false);
                        }

                        if (piece.Kind == PieceKind.Data)
                        {
                            ArrayPool<byte>.Shared.Return(piece.Bytes!);
                            _delivered?.Invoke(piece.Count);
                            GiveBack(piece.Count, onStartingThread);
                        }

                        break;
                    case PieceKind.EndOfData:
                        _socket.Shutdown(SocketShutdown.Send);
                        break;
                    default:
                        _end();
                        return;
                }
            }
        }
        catch (Exception)
        {
            // The client reset or went away, or the connection was cut. Whatever failed, a drain that stopped
            // leaves the rest undelivered and the server without window, so the connection ends here.
            _end();
        }
    }

    /// <summary>
    /// Counts delivered bytes and, every <see cref="GiveBackStep"/>, gives them back to the server as window.
    /// Only the thread that started the drain sends the adjust itself (not waiting for the channel's lock); a
    /// socket's completion thread must not block on the session at all, so anything else goes to
    /// <see cref="GiveLater"/>.
    /// </summary>
    private void GiveBack(int count, bool mayTrySend)
    {
        _deliveredTotal += count;
        var owed = _deliveredTotal - _given;
        if (owed < GiveBackStep)
        {
            return;
        }

        Interlocked.Exchange(ref _given, _deliveredTotal);
        if (mayTrySend && _giveWindow((uint)owed, false))
        {
            return;
        }

        Interlocked.Add(ref _owedLater, owed);
        if (Interlocked.Exchange(ref _givingLater, 1) != 0)
        {
            return;
        }

        if (_giverWakes != null)
        {
            _giverWakes.Release();
        }
        else
        {
            ThreadPool.UnsafeQueueUserWorkItem(_giveWindowLater, null);
        }
    }

    /// <summary>Stops the thread of a pool-free delivery.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _giverWakes?.Release();
        }
    }

    private void GiveOnOwnThread()
    {
        while (true)
        {
            _giverWakes!.Wait();
            if (Volatile.Read(ref _disposed) != 0)
            {
                return;
            }

            GiveLater();
        }
    }

    /// <summary>
    /// Sends what is owed from a thread that may wait for the session's socket: a pool thread, or a pool-free
    /// delivery's own. At most one such wait per channel: while one waits, what else is delivered adds to the
    /// one adjust it sends next, instead of parking more threads behind the same full socket.
    /// </summary>
    /// <remarks>
    /// A hop tunnel must not depend on the pool. Forwarded connections block pool threads while they wait for
    /// the session's socket, and that socket drains only as the tunnels below it get window; 200 connections
    /// opened at once through three hops used every pool thread that way, the tunnels' adjusts queued behind
    /// them, and the chain stood still until the channel opens timed out 30 s later.
    /// </remarks>
    private void GiveLater()
    {
        do
        {
            var owed = Interlocked.Exchange(ref _owedLater, 0);
            if (owed > 0)
            {
                _giveWindow((uint)owed, true);
            }

            Volatile.Write(ref _givingLater, 0);
        }
        while (Interlocked.Read(ref _owedLater) > 0 && Interlocked.Exchange(ref _givingLater, 1) == 0);
    }

#if NET
    private ValueTask<int> SendAsync(byte[] bytes, int offset, int count) => _socket.SendAsync(bytes.AsMemory(offset, count), SocketFlags.None);
#else
    private Task<int> SendAsync(byte[] bytes, int offset, int count) => _socket.SendAsync(new ArraySegment<byte>(bytes, offset, count), SocketFlags.None);
#endif

    private readonly struct Piece
    {
        public Piece(PieceKind kind, byte[]? bytes, int count)
        {
            Kind = kind;
            Bytes = bytes;
            Count = count;
        }

        public PieceKind Kind { get; }

        public byte[]? Bytes { get; }

        public int Count { get; }
    }
}
