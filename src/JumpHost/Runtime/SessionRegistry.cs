using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation.Runspaces;
using System.Runtime.CompilerServices;
using JumpHost.Engine;
using JumpHost.Engine.Audit;

namespace JumpHost.Runtime;

/// <summary>
/// The sessions of one runspace. Keyed by the runspace object (not a PowerShell variable, which would be
/// scoped to the caller), so another runspace never sees them, and closed when their runspace closes.
/// </summary>
internal sealed class SessionRegistry
{
    private static readonly ConditionalWeakTable<Runspace, SessionRegistry> Registries = new();

    private readonly object _gate = new();
    private readonly List<JumpSession> _sessions = new();
    private readonly List<PortForward> _forwards = new();
    private int _lastId;
    private int _lastForwardId;

    private SessionRegistry()
    {
    }

    /// <summary>The registry of the runspace running the current pipeline.</summary>
    public static SessionRegistry Current
    {
        get
        {
            var runspace = Runspace.DefaultRunspace
                ?? throw new InvalidOperationException("JumpHost cmdlets need a PowerShell runspace on the current thread.");
            return Registries.GetValue(runspace, Create);
        }
    }

    /// <summary>The current runspace's registry, or null when it never held a session.</summary>
    public static SessionRegistry? Existing =>
        Runspace.DefaultRunspace is { } runspace && Registries.TryGetValue(runspace, out var registry) ? registry : null;

    /// <summary>The runspace's audit log: its settings (Set-JumpAuditLog) and the methods that write records.</summary>
    public AuditLog Audit { get; } = AuditLog.CreateDefault();

    public JumpSession Add(ConnectionChain connection, string? name, JumpSession? via)
    {
        lock (_gate)
        {
            var id = ++_lastId;
            var session = new JumpSession(id, string.IsNullOrEmpty(name) ? connection.Target.Target.Name : name!, connection, via);
            _sessions.Add(session);
            return session;
        }
    }

    public IReadOnlyList<JumpSession> Sessions
    {
        get
        {
            lock (_gate)
            {
                return _sessions.ToArray();
            }
        }
    }

    /// <summary>Closes a session, its forwards and every session opened through it, and forgets them.</summary>
    public void Remove(JumpSession session)
    {
        session.Connection?.Close(AuditReasons.Removed);
        Prune();
    }

    public PortForward AddForward(Engine.Forwarding.Forward engine, JumpSession session, bool ownsSession)
    {
        lock (_gate)
        {
            var forward = new PortForward(++_lastForwardId, session, engine, ownsSession);
            _forwards.Add(forward);
            return forward;
        }
    }

    /// <summary>The forwards not stopped yet (running, or failed with their session).</summary>
    public IReadOnlyList<PortForward> Forwards
    {
        get
        {
            Prune();
            lock (_gate)
            {
                return _forwards.ToArray();
            }
        }
    }

    /// <summary>Stops a forward, frees its port, and closes the session a one-shot forward opened for itself.</summary>
    public void Stop(PortForward forward)
    {
        forward.Engine?.Stop(AuditReasons.Stopped);
        if (forward.OwnsSession)
        {
            forward.Session.Connection?.Close(AuditReasons.ForwardStopped);
        }

        Prune();
    }

    /// <summary>Closes every session and forward of the runspace; <paramref name="reason"/> goes into their audit records.</summary>
    public void CloseAll(string reason)
    {
        JumpSession[] sessions;
        PortForward[] forwards;
        lock (_gate)
        {
            sessions = _sessions.ToArray();
            _sessions.Clear();
            forwards = _forwards.ToArray();
            _forwards.Clear();
        }

        foreach (var forward in forwards)
        {
            forward.Engine?.Stop(reason);
            if (forward.OwnsSession)
            {
                forward.Session.Connection?.Close(reason);
            }
        }

        // Newest first: sessions opened -Via an older one go before it.
        foreach (var session in Enumerable.Reverse(sessions))
        {
            session.Connection?.Close(reason);
        }
    }

    private void Prune()
    {
        lock (_gate)
        {
            _sessions.RemoveAll(s => s.Connection?.IsClosed != false);
            _forwards.RemoveAll(f => f.Engine?.IsStopped != false);
        }
    }

    private static SessionRegistry Create(Runspace runspace)
    {
        var registry = new SessionRegistry();
        runspace.StateChanged += (_, e) =>
        {
            var state = e.RunspaceStateInfo.State;
            if (state == RunspaceState.Closing || state == RunspaceState.Closed || state == RunspaceState.Broken)
            {
                // Raised on a PowerShell thread: never let an exception escape.
                try
                {
                    registry.CloseAll(AuditReasons.RunspaceClosed);
                }
                catch (Exception)
                {
                    // Closing is best effort; each chain already bounds and swallows its own failures.
                }
            }
        };
        return registry;
    }
}
