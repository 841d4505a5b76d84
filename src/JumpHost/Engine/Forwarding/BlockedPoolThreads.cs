using System;
using System.Threading;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// Some SSH.NET calls block the thread-pool thread they run on for a round trip or longer: opening a channel
/// waits for the server's answer, closing one for the server's close (up to SSH.NET's ChannelCloseTimeout). The
/// pool adds threads slowly once its minimum is in use, so each such wait delays the next piece of pool work;
/// measured with SSH.NET's blocking forwards, a 3-hop session took 2-3 s to open with a few connections open,
/// and 20 sessions over one bastion 8 s. Raising the pool's minimum by one for each wait starts a thread at once.
/// </summary>
internal static class BlockedPoolThreads
{
    private static readonly object Gate = new();
    private static int _reserved;
    private static int _baseWorkers = -1;
    private static int _baseCompletionPorts;

    /// <summary>Accounts for one connection that will block a pool thread until the returned handle is disposed.</summary>
    public static IDisposable Reserve()
    {
        lock (Gate)
        {
            if (_baseWorkers < 0)
            {
                ThreadPool.GetMinThreads(out _baseWorkers, out _baseCompletionPorts);
            }

            _reserved++;
            Apply();
        }

        return new Reservation();
    }

    private static void Apply() => ThreadPool.SetMinThreads(_baseWorkers + _reserved, _baseCompletionPorts);

    private sealed class Reservation : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) != 0)
            {
                return;
            }

            lock (Gate)
            {
                _reserved--;
                Apply();
            }
        }
    }
}
