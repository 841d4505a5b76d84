using System;
using System.IO;
using System.Net.Sockets;
using System.Threading.Tasks;

namespace JumpHost.Engine.Forwarding;

/// <summary>Copies bytes both ways between two connected sockets, counting them, until both sides are done.</summary>
internal static class SocketRelay
{
    // Large enough to carry several SSH channel packets (32 KiB) per call on a fast link.
    private const int BufferSize = 128 * 1024;

    public static async Task RunAsync(Socket local, Socket tunnel, ForwardCounters counters)
    {
        using var localStream = new NetworkStream(local, ownsSocket: false);
        using var tunnelStream = new NetworkStream(tunnel, ownsSocket: false);
        var upstream = PumpAsync(localStream, tunnelStream, local, tunnel, counters.Sent);
        var downstream = PumpAsync(tunnelStream, localStream, tunnel, local, counters.Received);
        await Task.WhenAll(upstream, downstream).ConfigureAwait(false);
    }

    private static async Task PumpAsync(NetworkStream from, NetworkStream to, Socket source, Socket destination, Action<int> count)
    {
        var buffer = new byte[BufferSize];
        try
        {
            int read;
            while ((read = await from.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false)) > 0)
            {
                await to.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                count(read);
            }

            // End of data one way: pass the half-close on, and keep the other direction flowing.
            destination.Shutdown(SocketShutdown.Send);
        }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException)
        {
            // One side failed or was closed: end both directions.
            source.Dispose();
            destination.Dispose();
        }
    }
}
