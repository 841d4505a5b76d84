using System;
using System.Threading;
using Renci.SshNet;

namespace JumpHost.Engine;

/// <summary>
/// A loopback forward on one hop to the next hop's SSH port. It admits exactly one connection, the next
/// hop's client, and refuses every other local process. It stays open for the hop's life because
/// stopping an SSH.NET forward also cuts its live connections.
/// </summary>
internal sealed class HopTunnel
{
    public const string LoopbackAddress = "127.0.0.1";

    private readonly ChainHop _through;
    private readonly ForwardedPortLocal _port;
    private readonly IDisposable _poolThread = BlockedPoolThreads.Reserve();
    private int _admitted;
    private Exception? _failure;

    private HopTunnel(ChainHop through, ForwardedPortLocal port)
    {
        _through = through;
        _port = port;
    }

    /// <summary>The host name of the hop the tunnel runs through.</summary>
    public string Through => _through.Target.Host;

    public int LocalPort => (int)_port.BoundPort;

    /// <summary>Why the hop could not open the forwarded connection (e.g. the next host is unreachable from it).</summary>
    public Exception? Failure => Volatile.Read(ref _failure);

    public static HopTunnel Open(ChainHop through, HopTarget next, string description)
    {
        // Always give the bind address: SSH.NET's port-only constructors bind to non-loopback addresses.
        var port = new ForwardedPortLocal(LoopbackAddress, 0, next.Host, (uint)next.Port);
        var tunnel = new HopTunnel(through, port);
        port.RequestReceived += tunnel.OnRequestReceived;
        port.Exception += tunnel.OnException;
        try
        {
            lock (through.ForwardsGate)
            {
                through.Client.AddForwardedPort(port);
            }

            port.Start();
            return tunnel;
        }
        catch (Exception ex)
        {
            tunnel.Close();
            throw new JumpHostException(JumpErrorIds.HopUnreachable, JumpErrorKind.Connection,
                $"Cannot reach {description}: no loopback tunnel could be opened through {through.Target.Host} ({ex.Message}).", description, ex);
        }
    }

    public void Close()
    {
        try
        {
            lock (_through.ForwardsGate)
            {
                _through.Client.RemoveForwardedPort(_port);
            }
        }
        catch (Exception)
        {
            // The hop below is already closed, and its forwards with it.
        }

        try
        {
            _port.Dispose();
        }
        catch (Exception)
        {
            // Same: nothing left to release.
        }

        _poolThread.Dispose();
    }

    private void OnRequestReceived(object? sender, Renci.SshNet.Common.PortForwardEventArgs e)
    {
        // SSH.NET closes the accepted socket when this handler throws.
        if (Interlocked.Exchange(ref _admitted, 1) != 0)
        {
            throw new TunnelConnectionRefusedException();
        }
    }

    private void OnException(object? sender, Renci.SshNet.Common.ExceptionEventArgs e)
    {
        if (e.Exception is not TunnelConnectionRefusedException)
        {
            Interlocked.CompareExchange(ref _failure, e.Exception, null);
        }
    }

    /// <summary>Marks a refused extra connection, so it is not mistaken for a failure of the tunnel itself.</summary>
    private sealed class TunnelConnectionRefusedException : Exception
    {
        public TunnelConnectionRefusedException()
            : base("The hop tunnel admits only the next hop's own connection.")
        {
        }
    }
}
