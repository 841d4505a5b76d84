using System;
using JumpHost.Engine.Forwarding;

namespace JumpHost;

/// <summary>A port forward over a session (ssh -L, -R or -D). Its figures are live: read them again to see them change.</summary>
public sealed class PortForward
{
    // The figures of a detached forward; a live one reads its engine instead.
    private readonly string _localEndpoint = string.Empty;
    private readonly string _remoteEndpoint = string.Empty;
    private readonly JumpForwardState _state;
    private readonly int _activeConnections;
    private readonly long _totalConnections;
    private readonly long _failedConnections;
    private readonly long _bytesSent;
    private readonly long _bytesReceived;
    private readonly string? _lastError;
    private readonly DateTime _startTime;

    /// <summary>Builds a detached forward object (no port, fixed figures), e.g. for tests and mocks.</summary>
    public PortForward(
        int id,
        JumpSession session,
        JumpForwardKind kind,
        string localEndpoint,
        string remoteEndpoint,
        JumpForwardState state,
        int activeConnections,
        long totalConnections,
        long failedConnections,
        long bytesSent,
        long bytesReceived,
        string? lastError,
        DateTime startTime)
    {
        Id = id;
        Session = session;
        Kind = kind;
        _localEndpoint = localEndpoint;
        _remoteEndpoint = remoteEndpoint;
        _state = state;
        _activeConnections = activeConnections;
        _totalConnections = totalConnections;
        _failedConnections = failedConnections;
        _bytesSent = bytesSent;
        _bytesReceived = bytesReceived;
        _lastError = lastError;
        _startTime = startTime;
    }

    internal PortForward(int id, JumpSession session, Forward engine, bool ownsSession)
    {
        Id = id;
        Session = session;
        Kind = engine.Kind;
        Engine = engine;
        OwnsSession = ownsSession;
    }

    public int Id { get; }

    /// <summary>The session the forward runs over; for a one-shot forward, the session it opened for itself.</summary>
    public JumpSession Session { get; }

    public JumpForwardKind Kind { get; }

    /// <summary>Where applications connect (Local, Dynamic), or where connections are carried to (Remote).</summary>
    public string LocalEndpoint => Engine?.LocalEndpoint ?? _localEndpoint;

    /// <summary>The destination as the target sees it (Local), the target's listening address (Remote), or * (Dynamic).</summary>
    public string RemoteEndpoint => Engine?.RemoteEndpoint ?? _remoteEndpoint;

    public JumpForwardState State => Engine?.State ?? _state;

    public int ActiveConnections => Engine?.Counters.ActiveConnections ?? _activeConnections;

    public long TotalConnections => Engine?.Counters.TotalConnections ?? _totalConnections;

    /// <summary>Connections that could not be carried through, e.g. because the destination was unreachable.</summary>
    public long FailedConnections => Engine?.Counters.FailedConnections ?? _failedConnections;

    /// <summary>Bytes this computer sent through the forward.</summary>
    public long BytesSent => Engine?.Counters.BytesSent ?? _bytesSent;

    /// <summary>Bytes this computer received through the forward.</summary>
    public long BytesReceived => Engine?.Counters.BytesReceived ?? _bytesReceived;

    public string? LastError => Engine != null ? Engine.LastError : _lastError;

    public DateTime StartTime => Engine?.StartTime ?? _startTime;

    internal Forward? Engine { get; }

    /// <summary>True for a one-shot forward: stopping it closes its session.</summary>
    internal bool OwnsSession { get; }

    public override string ToString() => Kind switch
    {
        JumpForwardKind.Remote => $"[{Id}] {RemoteEndpoint} on {Session.HostName} -> {LocalEndpoint}",
        JumpForwardKind.Dynamic => $"[{Id}] SOCKS {LocalEndpoint} via {Session.HostName}",
        _ => $"[{Id}] {LocalEndpoint} -> {RemoteEndpoint} via {Session.HostName}",
    };
}
