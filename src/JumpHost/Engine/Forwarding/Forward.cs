using System;
using System.Threading;
using JumpHost.Engine.Audit;

namespace JumpHost.Engine.Forwarding;

/// <summary>A running port forward on a connection chain, with live figures. Dispose stops it and frees its port at once.</summary>
internal abstract class Forward : IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private int _stopped;

    protected Forward(ConnectionChain chain, JumpForwardKind kind)
    {
        Chain = chain;
        Kind = kind;
        StartTime = DateTime.Now;
    }

    public ConnectionChain Chain { get; }

    public JumpForwardKind Kind { get; }

    public DateTime StartTime { get; }

    /// <summary>The forward's id in the audit log (forwardId).</summary>
    public string AuditId { get; } = AuditIds.New();

    public ForwardCounters Counters { get; } = new();

    /// <summary>This computer's side: where applications connect (-L, -D), or the service connections go to (-R).</summary>
    public abstract string LocalEndpoint { get; }

    /// <summary>The far side: the destination (-L), the server's listening port (-R), or "*" for SOCKS (-D).</summary>
    public abstract string RemoteEndpoint { get; }

    public bool IsStopped => Volatile.Read(ref _stopped) != 0;

    public JumpForwardState State => IsStopped
        ? JumpForwardState.Stopped
        : Chain.IsHealthy ? JumpForwardState.Running : JumpForwardState.Failed;

    /// <summary>The last connection's failure, or why the session under the forward broke.</summary>
    public string? LastError => !IsStopped && !Chain.IsHealthy ? Chain.Failure ?? Counters.LastError : Counters.LastError;

    protected CancellationToken Stopping => _stopping.Token;

    /// <summary>Raised once when the forward has stopped (its figures are final then), with why it stopped.</summary>
    public event Action<Forward, string>? Stopped;

    public void Dispose() => Stop(AuditReasons.Stopped);

    /// <summary>Stops the forward (once; later calls do nothing) and says why in the <see cref="Stopped"/> event.</summary>
    public void Stop(string reason)
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        _stopping.Cancel();
        StopCore();
        Chain.Detach(this);
        _stopping.Dispose();
        Stopped?.Invoke(this, reason);
    }

    /// <summary>Closes the local port first, so it is free the moment Stop returns, then the SSH side.</summary>
    protected abstract void StopCore();

    /// <summary>Registers with the chain so that closing the session stops the forward; fails if the chain closed meanwhile.</summary>
    protected void AttachToChain()
    {
        if (!Chain.TryAttach(this))
        {
            Dispose();
            throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
                $"The session to {Chain.Target.Description} was closed while the forward was starting.", Chain.Target.Description);
        }
    }

    protected static string Endpoint(string host, int port) => host.Contains(":") ? $"[{host}]:{port}" : $"{host}:{port}";
}
