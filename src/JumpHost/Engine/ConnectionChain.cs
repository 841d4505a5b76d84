using System;
using System.Collections.Generic;
using System.Linq;
using System.Net.Sockets;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine.Audit;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine;

/// <summary>One connected hop: its client, and the tunnel on the previous hop that leads to it.</summary>
internal sealed class ChainHop
{
    public ChainHop(HopTarget target, string description, SshClient client, HopTunnel? tunnel, HostKeyCheck hostKey)
    {
        Target = target;
        Description = description;
        Client = client;
        Tunnel = tunnel;
        HostKey = hostKey;
    }

    public HopTarget Target { get; }

    /// <summary>How errors name this hop, e.g. "relay2:22 via relay1".</summary>
    public string Description { get; }

    public SshClient Client { get; }

    public HopTunnel? Tunnel { get; }

    public HostKeyCheck HostKey { get; }
}

/// <summary>
/// An SSH connection to a target through zero or more jump hosts. SSH.NET cannot run a client over a
/// channel, so each hop is reached through a loopback forward on the previous hop that admits exactly one
/// connection: the next hop's own client. Closing tears down inner hops before outer ones.
/// </summary>
internal sealed class ConnectionChain : IDisposable
{
    private static readonly TimeSpan CloseTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long a person may take over a login's questions (one-time passwords, passphrases).</summary>
    private static readonly TimeSpan PersonTimeout = TimeSpan.FromMinutes(5);

    private readonly List<ChainHop> _hops;
    private readonly List<ConnectionChain> _dependents = new();
    private readonly List<Forwarding.Forward> _forwards = new();
    private readonly object _gate = new();
    private string? _failure;
    private int _closed;

    private ConnectionChain(ConnectionChain? via, List<ChainHop> hops, ChainTrace trace)
    {
        Via = via;
        _hops = hops;
        Trace = trace;
        foreach (var hop in hops)
        {
            var description = hop.Description;
            hop.Client.ErrorOccurred += (_, e) => RecordFailure($"{description}: {e.Exception.Message}");
        }
    }

    /// <summary>Raised once when the chain is closed, after its forwards, dependents and hops, with why it was closed and why it had broken (null if it had not).</summary>
    public event Action<ConnectionChain, string, string?>? Closed;

    /// <summary>What the audit log records about the chain: its ids and every hop's facts.</summary>
    public ChainTrace Trace { get; }

    /// <summary>The already open chain this one was opened through (New-JumpSession -Via), if any.</summary>
    public ConnectionChain? Via { get; }

    /// <summary>The hops this chain opened itself, outermost first; the last is the target.</summary>
    public IReadOnlyList<ChainHop> Hops => _hops;

    /// <summary>Every hop from the client to the target, including those of the -Via chain.</summary>
    public IEnumerable<ChainHop> Route => (Via?.Route ?? Enumerable.Empty<ChainHop>()).Concat(_hops);

    public ChainHop Target => _hops[_hops.Count - 1];

    public bool IsClosed => Volatile.Read(ref _closed) != 0;

    /// <summary>Why the chain stopped working (a hop dropped), or null while it works or once it is closed.</summary>
    public string? Failure
    {
        get
        {
            if (IsClosed)
            {
                return null;
            }

            var own = Volatile.Read(ref _failure);
            if (own != null)
            {
                return own;
            }

            if (Via != null && !Via.IsHealthy)
            {
                return Via.Failure ?? "the -Via session was closed";
            }

            var lost = _hops.FirstOrDefault(h => !IsConnected(h));
            return lost == null ? null : $"{lost.Description}: the connection was closed";
        }
    }

    public bool IsHealthy => !IsClosed && Failure == null;

    /// <summary>
    /// Connects hop after hop; on any failure everything opened so far is closed again. The trace (made for the
    /// same route and -Via chain) receives each hop's facts as it connects, also when the attempt fails.
    /// </summary>
    public static async Task<ConnectionChain> OpenAsync(
        IReadOnlyList<HopTarget> route,
        ConnectionChain? via,
        KeyRing keys,
        ConnectReporter reporter,
        ChainTrace trace,
        CancellationToken cancellationToken)
    {
        if (route.Count == 0)
        {
            throw new ArgumentException("A chain needs at least its target.", nameof(route));
        }

        if (via != null && !via.IsHealthy)
        {
            throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
                $"The -Via session to {via.Target.Target} is not open ({via.Failure ?? "closed"}). Open it again with New-JumpSession.");
        }

        var hops = new List<ChainHop>();
        var previous = via?.Target;
        try
        {
            foreach (var target in route)
            {
                var description = previous == null ? target.ToString() : $"{target} via {previous.Target.Name}";
                var hop = await ConnectHopAsync(target, description, previous, keys, reporter, trace, cancellationToken).ConfigureAwait(false);
                hops.Add(hop);
                previous = hop;
            }
        }
        catch
        {
            for (var i = hops.Count - 1; i >= 0; i--)
            {
                CloseHop(hops[i]);
            }

            throw;
        }

        trace.Opened();
        var chain = new ConnectionChain(via, hops, trace);
        if (via != null && !via.TryAddDependent(chain))
        {
            chain.Dispose();
            throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
                $"The -Via session to {via.Target.Target} was closed while connecting through it.");
        }

        return chain;
    }

    public void Dispose() => Close(AuditReasons.Closed);

    /// <summary>Closes the chain (once; later calls do nothing) and says why in the <see cref="Closed"/> event.</summary>
    public void Close(string reason)
    {
        var failure = Failure;
        if (Interlocked.Exchange(ref _closed, 1) != 0)
        {
            return;
        }

        ConnectionChain[] dependents;
        Forwarding.Forward[] forwards;
        lock (_gate)
        {
            dependents = _dependents.ToArray();
            _dependents.Clear();
            forwards = _forwards.ToArray();
        }

        // Forwards run over the target's connection: stop them (and free their ports) first.
        foreach (var forward in forwards)
        {
            forward.Stop(AuditReasons.SessionClosed);
        }

        // Sessions opened through this one depend on its tunnels: close them next.
        foreach (var dependent in dependents)
        {
            dependent.Close(AuditReasons.ViaClosed);
        }

        Via?.RemoveDependent(this);
        for (var i = _hops.Count - 1; i >= 0; i--)
        {
            CloseHop(_hops[i]);
        }

        Closed?.Invoke(this, reason, failure);
    }

    private static bool IsConnected(ChainHop hop)
    {
        try
        {
            return hop.Client.IsConnected;
        }
        catch (ObjectDisposedException)
        {
            // Closed by Dispose on another thread since IsClosed was read.
            return false;
        }
    }

    /// <summary>Records a forward so that closing the chain stops it; false when the chain is already closed.</summary>
    public bool TryAttach(Forwarding.Forward forward)
    {
        lock (_gate)
        {
            if (IsClosed)
            {
                return false;
            }

            _forwards.Add(forward);
            return true;
        }
    }

    public void Detach(Forwarding.Forward forward)
    {
        lock (_gate)
        {
            _forwards.Remove(forward);
        }
    }

    private void RecordFailure(string message)
    {
        Interlocked.CompareExchange(ref _failure, message, null);
    }

    private bool TryAddDependent(ConnectionChain dependent)
    {
        lock (_gate)
        {
            if (IsClosed)
            {
                return false;
            }

            _dependents.Add(dependent);
            return true;
        }
    }

    private void RemoveDependent(ConnectionChain dependent)
    {
        lock (_gate)
        {
            _dependents.Remove(dependent);
        }
    }

    private static async Task<ChainHop> ConnectHopAsync(
        HopTarget target,
        string description,
        ChainHop? previous,
        KeyRing keys,
        ConnectReporter reporter,
        ChainTrace trace,
        CancellationToken cancellationToken)
    {
        HopTunnel? tunnel = null;
        string? address = null;
        var facts = trace.Begin(target, previous?.Target.Name);
        if (previous != null)
        {
            tunnel = HopTunnel.Open(previous, target, description);
        }
        else
        {
            address = await ResolveAsync(target, description, cancellationToken).ConfigureAwait(false);
            facts.Address = address;
        }

        reporter.Verbose(target.Host == target.Name
            ? $"Connecting to {target.User}@{description}."
            : $"Connecting to {target.User}@{description} at {target.Host}.");
        using var authentication = HopAuthentication.For(target, keys, reporter, facts.Accepted);
        var info = HopTunnel.ConnectionTo(target, address!, tunnel, authentication.Methods);

        // SSH.NET bounds the whole login, questions included, by this timeout: give a person time to answer.
        info.Timeout = reporter.AnsweredByPerson && target.ConnectTimeout < PersonTimeout ? PersonTimeout : target.ConnectTimeout;
        info.Encoding = new UTF8Encoding(false);
        AlgorithmPreferences.Apply(info, target.HostKeys.KnownKeyTypes(target), target.HostKeys.HasCertificateAuthority(target));

        var client = new SshClient(info);
        if (target.KeepAliveInterval > TimeSpan.Zero)
        {
            client.KeepAliveInterval = target.KeepAliveInterval;
        }

        HostKeyCheck? accepted = null;
        Exception? rejection = null;
        var hostKeySeen = false;
        var identified = false;
        client.ServerIdentificationReceived += (_, _) => identified = true;
        client.HostKeyReceived += (_, e) =>
        {
            // Runs on SSH.NET's receive thread: an escaping exception would end the process.
            hostKeySeen = true;
            try
            {
                accepted = e.Certificate == null
                    ? target.HostKeys.Check(target, description, e.HostKey)
                    : target.HostKeys.CheckCertificate(target, description, e.HostKey, HostCertificate.From(e.Certificate));
                facts.Trusted(accepted, trace.TrustedByUser(target));
                e.CanTrust = true;
            }
            catch (Exception ex)
            {
                rejection = ex;
                facts.Rejected(e.HostKey, ex);
                e.CanTrust = false;
            }
        };

        // The server's greeting must still come within the connect timeout, however long a person may take later.
        using var unanswered = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var greeting = new Timer(
            _ =>
            {
                try
                {
                    if (!identified)
                    {
                        unanswered.Cancel();
                    }
                }
                catch (ObjectDisposedException)
                {
                    // The connect already ended.
                }
            },
            null,
            target.ConnectTimeout,
            Timeout.InfiniteTimeSpan);
        try
        {
            await client.ConnectAsync(unanswered.Token).ConfigureAwait(false);

            // From here on SSH.NET only makes blocking calls on its socket.
            InlineSocketEvents.Enable(SshNetSession.SocketOf(client));
        }
        catch (Exception ex)
        {
            client.Dispose();
            tunnel?.Close();
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            if (rejection == null && identified && !hostKeySeen && ex is SshConnectionException && target.HostKeys.HasCertificateAuthority(target))
            {
                // SSH.NET checks a host certificate's validity and signature before it shows the key, and ends
                // the key exchange without saying why when they fail.
                throw new JumpHostException(JumpErrorIds.HostCertificateInvalid, JumpErrorKind.Security,
                    $"The host certificate of {description} did not verify: it has expired or is not valid yet, or its signature is wrong " +
                    $"(SSH.NET: {ex.Message}). The connection was refused. Ask the server's administrator to renew the host certificate.", description, ex);
            }

            throw rejection ?? MapConnectFailure(ex, target, description, tunnel, identified, target.ConnectTimeout);
        }

        if (accepted == null)
        {
            // SSH.NET always raises HostKeyReceived during key exchange; refuse rather than trust silently.
            client.Dispose();
            tunnel?.Close();
            throw new JumpHostException(JumpErrorIds.ConnectionFailed, JumpErrorKind.Security,
                $"{description}: the server's host key was never checked, so the connection was closed.", description);
        }

        reporter.Verbose($"Connected to {target.User}@{description}: {SshKeyBlob.DisplayType(accepted.KeyType)} host key {accepted.Fingerprint} " +
            (accepted.Status switch
            {
                JumpHostKeyStatus.Known => $"known from {accepted.File}:{accepted.Line}",
                JumpHostKeyStatus.CertifiedByAuthority => $"certified by the authority in {accepted.File}:{accepted.Line}",
                _ => $"added to {accepted.File}",
            }) + ".");
        return new ChainHop(target, description, client, tunnel, accepted);
    }

    /// <summary>
    /// The first hop's address, resolved here as SSH.NET would resolve it (the first address the resolver
    /// gives), so that the audit log records the address actually connected to.
    /// </summary>
    private static async Task<string> ResolveAsync(HopTarget target, string description, CancellationToken cancellationToken)
    {
        if (System.Net.IPAddress.TryParse(target.Host, out var literal))
        {
            return literal.ToString();
        }

        try
        {
#if NET8_0_OR_GREATER
            var addresses = await System.Net.Dns.GetHostAddressesAsync(target.Host, cancellationToken).ConfigureAwait(false);
#else
            var addresses = await System.Net.Dns.GetHostAddressesAsync(target.Host).ConfigureAwait(false);
#endif
            if (addresses.Length == 0)
            {
                throw new SocketException((int)SocketError.HostNotFound);
            }

            return addresses[0].ToString();
        }
        catch (Exception ex) when (ex is SocketException || ex is OperationCanceledException)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }

            throw MapConnectFailure(ex, target, description, null, identified: false, target.ConnectTimeout);
        }
    }

    internal static JumpHostException MapConnectFailure(Exception ex, HopTarget target, string description, HopTunnel? tunnel, bool identified, TimeSpan connectTimeout)
    {
        // sshd greets at once; no greeting through a tunnel means the jump host's channel never reached an SSH server.
        var refusal = tunnel != null && !identified ? tunnel.WaitForFailure() : null;
        if (tunnel != null && !identified && (refusal != null || ex is SshConnectionException || ex is SocketException))
        {
            var reason = refusal ?? $"{target.Host} is unreachable from {tunnel.Through}, refused the connection, or {tunnel.Through} does not allow TCP forwarding";
            return new JumpHostException(JumpErrorIds.HopUnreachable, JumpErrorKind.Connection,
                $"Cannot reach {description}: {tunnel.Through} could not open a connection to {target} ({reason}). " +
                "Check the host name and port as the jump host sees them.", description, ex);
        }

        switch (ex)
        {
            case SshOperationTimeoutException:
            case OperationCanceledException:
                return new JumpHostException(JumpErrorIds.ConnectTimeout, JumpErrorKind.Timeout,
                    $"Connecting to {description} timed out after {connectTimeout.TotalSeconds:0} s. " +
                    "Check that the host is up and reachable from the previous hop, or raise -ConnectTimeout.", description, ex);
            case SocketException socket when socket.SocketErrorCode == SocketError.HostNotFound || socket.SocketErrorCode == SocketError.TryAgain || socket.SocketErrorCode == SocketError.NoData:
                return new JumpHostException(JumpErrorIds.HostNameNotResolved, JumpErrorKind.NotFound,
                    $"Cannot reach {description}: the name '{target.Host}' could not be resolved ({socket.Message}). " +
                    "Check the spelling, or reach the host through a jump host with -JumpHost.", description, ex);
            case SocketException socket:
                return new JumpHostException(JumpErrorIds.HopUnreachable, JumpErrorKind.Connection,
                    $"Cannot reach {description}: {socket.Message}. " +
                    "If the host sits behind a bastion, reach it through the bastion with -JumpHost.", description, ex);
            case SshAuthenticationException auth:
                return new JumpHostException(JumpErrorIds.AuthenticationFailed, JumpErrorKind.Authentication,
                    $"Authentication failed for {target.User}@{description}: {auth.Message} " +
                    (auth.Message.IndexOf("keyboard-interactive", StringComparison.OrdinalIgnoreCase) >= 0
                        ? "The server wants answers to keyboard-interactive questions (a one-time password, say): answer them at an interactive console, or pass -KeyboardInteractive { param($prompt) ... } to answer them from a script."
                        : "Check the user name (-UserName or user@host), the key (-KeyFile) or the password (-Credential)."), description, ex);
            default:
                return new JumpHostException(JumpErrorIds.ConnectionFailed, JumpErrorKind.Connection,
                    $"Connecting to {description} failed: {ex.Message}", description, ex);
        }
    }

    private static void CloseHop(ChainHop hop)
    {
        // SSH.NET's disconnect can block on a dead peer (SSH.NET issues #355, #741): bound the wait.
        var closing = Task.Run(() =>
        {
            try
            {
                hop.Client.Disconnect();
            }
            catch (Exception)
            {
                // Already gone: nothing left to close.
            }

            hop.Client.Dispose();
            hop.Tunnel?.Close();
        });
        try
        {
            closing.Wait(CloseTimeout);
        }
        catch (AggregateException)
        {
            // Closing is best effort; the hop is unusable either way.
        }
    }
}
