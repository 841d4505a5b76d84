using System.Threading;

namespace JumpHost.Engine.Forwarding;

/// <summary>Live figures of one forward, updated from its connections' threads.</summary>
internal sealed class ForwardCounters
{
    private int _active;
    private long _total;
    private long _failed;
    private long _bytesSent;
    private long _bytesReceived;
    private string? _lastError;

    public int ActiveConnections => Volatile.Read(ref _active);

    public long TotalConnections => Interlocked.Read(ref _total);

    public long FailedConnections => Interlocked.Read(ref _failed);

    /// <summary>Bytes this computer sent into the tunnel.</summary>
    public long BytesSent => Interlocked.Read(ref _bytesSent);

    /// <summary>Bytes that came out of the tunnel to this computer.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytesReceived);

    public string? LastError => Volatile.Read(ref _lastError);

    public void ConnectionOpened()
    {
        Interlocked.Increment(ref _active);
        Interlocked.Increment(ref _total);
    }

    public void ConnectionClosed() => Interlocked.Decrement(ref _active);

    public void ConnectionFailed(string reason)
    {
        Interlocked.Increment(ref _failed);
        Volatile.Write(ref _lastError, reason);
    }

    public void Sent(int count) => Interlocked.Add(ref _bytesSent, count);

    public void Received(int count) => Interlocked.Add(ref _bytesReceived, count);
}
