using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Threading.Tasks;

namespace JumpHost.Tests.Infrastructure;

/// <summary>Small TCP clients and servers the forwarding tests push data through.</summary>
public static class TcpProbe
{
    /// <summary>Sends the payload, half-closes, reads everything back, and returns what came back.</summary>
    public static async Task<byte[]> EchoAsync(int port, byte[] payload)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var send = Task.Run(async () =>
        {
            await stream.WriteAsync(payload);
            client.Client.Shutdown(SocketShutdown.Send);
        });
        using var received = new MemoryStream();
        await stream.CopyToAsync(received);
        await send;
        return received.ToArray();
    }

    /// <summary>Streams pseudo-random bytes through an echo service and checks that the same bytes come back, without holding them.</summary>
    public static async Task<(byte[] SentHash, byte[] ReceivedHash, long ReceivedBytes)> EchoStreamAsync(int port, long length)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        var stream = client.GetStream();
        var send = Task.Run(async () =>
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var random = new Random(1234);
            var buffer = new byte[256 * 1024];
            for (long sent = 0; sent < length; sent += buffer.Length)
            {
                random.NextBytes(buffer);
                var count = (int)Math.Min(buffer.Length, length - sent);
                hash.AppendData(buffer, 0, count);
                await stream.WriteAsync(buffer.AsMemory(0, count));
            }

            client.Client.Shutdown(SocketShutdown.Send);
            return hash.GetHashAndReset();
        });

        var (receivedHash, received) = await HashToEndAsync(stream);
        return (await send, receivedHash, received);
    }

    /// <summary>Reads a stream to its end without holding the bytes: their SHA-256, and how many there were.</summary>
    public static async Task<(byte[] Hash, long Count)> HashToEndAsync(Stream stream)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var chunk = new byte[256 * 1024];
        long count = 0;
        int read;
        while ((read = await stream.ReadAsync(chunk)) > 0)
        {
            hash.AppendData(chunk, 0, read);
            count += read;
        }

        return (hash.GetHashAndReset(), count);
    }

    /// <summary>A loopback echo server in this process, for remote forwards to carry connections back to.</summary>
    public static TcpListener StartEchoServer(out int port)
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        port = ((IPEndPoint)listener.LocalEndpoint).Port;
        _ = Task.Run(async () =>
        {
            while (true)
            {
                TcpClient connection;
                try
                {
                    connection = await listener.AcceptTcpClientAsync();
                }
                catch (Exception ex) when (ex is ObjectDisposedException || ex is SocketException)
                {
                    return;
                }

                _ = Task.Run(async () =>
                {
                    using (connection)
                    {
                        await connection.GetStream().CopyToAsync(connection.GetStream());
                    }
                });
            }
        });
        return listener;
    }

    /// <summary>True when something accepts TCP connections on the loopback port.</summary>
    public static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
