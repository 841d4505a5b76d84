using System;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading;

namespace JumpHost.Bench;

/// <summary>Pushes data through a local forward into the lab's sink service (reads to EOF, answers the byte count).</summary>
internal static class SinkClient
{
    public const int ChunkSize = 1 << 20;

    // No progress for this long (in one send or receive) fails the run instead of hanging it.
    private const int StallTimeoutMs = 60_000;

    /// <summary>Made once: the loop only sends it again, so the client costs next to nothing.</summary>
    private static readonly byte[] Chunk = MakeChunk();

    /// <summary>Connects, sends <paramref name="mib"/> MiB, half-closes and reads the sink's count; the time from connect to count line.</summary>
    public static TimeSpan Push(int port, int mib, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp)
        {
            SendTimeout = StallTimeoutMs,
            ReceiveTimeout = StallTimeoutMs,
        };
        using var abort = cancellationToken.Register(socket.Dispose);
        var expected = (long)mib * ChunkSize;
        var stopwatch = Stopwatch.StartNew();
        string answer;
        try
        {
            socket.Connect(new IPEndPoint(IPAddress.Loopback, port));
            for (var i = 0; i < mib; i++)
            {
                var offset = 0;
                while (offset < Chunk.Length)
                {
                    offset += socket.Send(Chunk, offset, Chunk.Length - offset, SocketFlags.None);
                }
            }

            socket.Shutdown(SocketShutdown.Send);
            answer = ReadLine(socket);
            stopwatch.Stop();
        }
        catch (Exception ex) when (ex is SocketException || ex is ObjectDisposedException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var what = ex is SocketException { SocketErrorCode: SocketError.TimedOut } ? $"no progress for {StallTimeoutMs / 1000} s" : ex.Message;
            throw new BenchException($"pushing {mib} MiB through 127.0.0.1:{port} failed after {stopwatch.Elapsed.TotalSeconds:0.0} s: {what}", ex);
        }

        if (!long.TryParse(answer, NumberStyles.None, CultureInfo.InvariantCulture, out var received))
        {
            throw new BenchException($"the sink behind 127.0.0.1:{port} answered '{answer}' instead of a byte count (the forward closed early?).");
        }

        if (received != expected)
        {
            throw new BenchException($"the sink behind 127.0.0.1:{port} received {received} bytes, not the {expected} sent.");
        }

        return stopwatch.Elapsed;
    }

    private static string ReadLine(Socket socket)
    {
        var buffer = new byte[64];
        var text = new StringBuilder();
        while (true)
        {
            var read = socket.Receive(buffer);
            if (read == 0)
            {
                return text.ToString().Trim();
            }

            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
            var end = text.ToString().IndexOf('\n', StringComparison.Ordinal);
            if (end >= 0)
            {
                return text.ToString(0, end).Trim();
            }

            if (text.Length > 1024)
            {
                return text.ToString(0, 64) + "...";
            }
        }
    }

    private static byte[] MakeChunk()
    {
        // Random once (not compressible, in case compression were ever on), then reused for every MiB.
        var chunk = new byte[ChunkSize];
        new Random(20260101).NextBytes(chunk);
        return chunk;
    }
}
