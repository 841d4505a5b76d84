using System;
using System.Collections.Generic;
using System.Linq;
using JumpHost.Engine;

namespace JumpHost;

/// <summary>The state of a session's connection chain.</summary>
public enum JumpSessionState
{
    /// <summary>Every hop is connected.</summary>
    Opened,

    /// <summary>A hop (a jump host or the target) dropped; the session cannot be used any more.</summary>
    Broken,

    /// <summary>The session was closed.</summary>
    Closed,
}

/// <summary>An SSH session to a target, reached through zero or more jump hosts.</summary>
public sealed class JumpSession
{
    private readonly JumpSessionState _state;

    /// <summary>Builds a detached session object (no connection), e.g. for tests and mocks.</summary>
    public JumpSession(int id, string name, JumpHop[] hops, DateTime openedAt, JumpSessionState state)
    {
        if (hops == null || hops.Length == 0)
        {
            throw new ArgumentException("A session has at least one hop: its target.", nameof(hops));
        }

        Id = id;
        Name = name;
        Hops = hops.ToArray();
        OpenedAt = openedAt;
        _state = state;
    }

    internal JumpSession(int id, string name, ConnectionChain connection, JumpSession? via)
        : this(id, name, connection.Route.Select(ToHop).ToArray(), DateTime.Now, JumpSessionState.Opened)
    {
        Connection = connection;
        Via = via;
    }

    public int Id { get; }

    public string Name { get; }

    /// <summary>The target host, as given to New-JumpSession.</summary>
    public string HostName => Target.HostName;

    public int Port => Target.Port;

    public string UserName => Target.UserName;

    /// <summary>Every hop from the client to the target, in order; the last one is the target.</summary>
    public IReadOnlyList<JumpHop> Hops { get; }

    public JumpHop Target => Hops[Hops.Count - 1];

    /// <summary>The jump hosts in ssh -J form (user@host:port,...), empty for a direct session.</summary>
    public string JumpHosts => string.Join(",", Hops.Take(Hops.Count - 1));

    /// <summary>The session this one was opened through with -Via, if any.</summary>
    public JumpSession? Via { get; }

    public DateTime OpenedAt { get; }

    /// <summary>The session's id in the audit log: Get-JumpAuditLog -SessionId finds its records. Null for a session built, not opened.</summary>
    public string? AuditId => Connection?.Trace.SessionId;

    /// <summary>Live: Broken as soon as any hop drops, Closed once removed.</summary>
    public JumpSessionState State => Connection == null
        ? _state
        : Connection.IsClosed ? JumpSessionState.Closed : Connection.IsHealthy ? JumpSessionState.Opened : JumpSessionState.Broken;

    /// <summary>Why the session broke, when it did.</summary>
    public string? Failure => Connection?.IsClosed == false ? Connection.Failure : null;

    internal ConnectionChain? Connection { get; }

    public override string ToString() => JumpHosts.Length == 0 ? $"[{Id}] {Target}" : $"[{Id}] {Target} via {JumpHosts}";

    private static JumpHop ToHop(ChainHop hop) =>
        new(hop.Target.Name, hop.Target.Port, hop.Target.User, hop.HostKey.KeyType, hop.HostKey.Fingerprint, hop.HostKey.Status);
}
