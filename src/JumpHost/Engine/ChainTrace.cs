using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using JumpHost.Engine.Audit;

namespace JumpHost.Engine;

/// <summary>
/// What the audit log records about one hop of a connection attempt: where it went and how it was trusted and
/// logged in to. Filled in while the hop connects (from SSH.NET's threads), so that a failed attempt still shows
/// how far it got. Never holds a secret.
/// </summary>
internal sealed class HopFacts
{
    private readonly object _gate = new();
    private readonly List<string> _auth = new();

    public HopFacts(HopTarget target, string? through)
    {
        Name = target.Name;
        Host = target.Host;
        Port = target.Port;
        User = target.User;
        Through = through;
        Policy = target.HostKeys.Policy;
    }

    public string Name { get; }

    public string Host { get; }

    public int Port { get; }

    public string User { get; }

    /// <summary>The previous hop, whose tunnel reached this one (it resolved the host name); null for the first hop.</summary>
    public string? Through { get; }

    /// <summary>The address this computer connected to (the first hop only: the others are resolved by the hop before them).</summary>
    public string? Address { get; set; }

    public string? HostKeyType { get; set; }

    /// <summary>SHA256:..., as ssh-keygen -l prints it.</summary>
    public string? HostKeyFingerprint { get; set; }

    /// <summary>The trust decision: known, accepted-new, accepted-by-user, certificate, or rejected-changed, rejected-unknown, rejected-revoked, rejected-certificate.</summary>
    public string? Trust { get; set; }

    /// <summary>The known_hosts file and line that decided, e.g. /home/a/.ssh/known_hosts:12.</summary>
    public string? TrustSource { get; set; }

    public JumpHostKeyPolicy Policy { get; }

    /// <summary>The hop belongs to the -Via session this one was opened through, and was connected before.</summary>
    public bool Reused { get; private set; }

    /// <summary>The authentication methods the server accepted, in order (more than one for multi-factor logins).</summary>
    public IReadOnlyList<string> Auth
    {
        get
        {
            lock (_gate)
            {
                return _auth.ToArray();
            }
        }
    }

    /// <summary>Called from SSH.NET's thread when the server accepts a method (fully or as one factor).</summary>
    public void Accepted(string method)
    {
        lock (_gate)
        {
            _auth.Add(method);
        }
    }

    /// <summary>The trust decision from the host key check's outcome; <paramref name="byUser"/> when the person at the console just trusted the key (-HostKeyPolicy Ask).</summary>
    public void Trusted(HostKeyCheck check, bool byUser)
    {
        HostKeyType = check.KeyType;
        HostKeyFingerprint = check.Fingerprint;
        TrustSource = $"{check.File}:{check.Line}";
        Trust = byUser ? "accepted-by-user" : check.Status switch
        {
            JumpHostKeyStatus.Known => "known",
            JumpHostKeyStatus.AddedNew => "accepted-new",
            _ => "certificate",
        };
    }

    /// <summary>The trust decision from the error that refused the key. Never throws: it runs on SSH.NET's thread.</summary>
    public void Rejected(byte[] key, Exception rejection)
    {
        HostKeyType = SshKeyBlob.TryKeyType(key);
        HostKeyFingerprint = SshKeyBlob.Sha256Fingerprint(key);
        Trust = (rejection as JumpHostException)?.ErrorId switch
        {
            JumpErrorIds.HostKeyMismatch => "rejected-changed",
            JumpErrorIds.HostKeyUnknown => "rejected-unknown",
            JumpErrorIds.HostKeyRevoked => "rejected-revoked",
            JumpErrorIds.HostCertificateInvalid => "rejected-certificate",
            _ => "rejected",
        };
    }

    public HopFacts AsReused()
    {
        var copy = (HopFacts)MemberwiseClone();
        copy.Reused = true;
        return copy;
    }
}

/// <summary>
/// One attempt to open a session, as the audit log records it: its ids and the facts of every hop, including
/// those of the -Via session it goes through. The PowerShell layer writes the records; the engine fills this in.
/// </summary>
internal sealed class ChainTrace
{
    private readonly object _gate = new();
    private readonly List<HopFacts> _hops = new();
    private readonly HashSet<string> _trustedByUser = new(StringComparer.OrdinalIgnoreCase);
    private readonly string[] _jumpHosts;

    public ChainTrace(IReadOnlyList<HopTarget> route, ChainTrace? via)
    {
        SessionId = AuditIds.New();

        // Sessions opened through another one ride on its outermost connection: they share its chain id.
        ChainId = via?.ChainId ?? SessionId;
        Via = via;
        Target = route[route.Count - 1];
        if (via != null)
        {
            _hops.AddRange(via.Hops.Select(h => h.AsReused()));
        }

        _jumpHosts = _hops.Select(h => h.Name).Concat(route.Take(route.Count - 1).Select(h => h.Name)).ToArray();
    }

    /// <summary>The session's id in the audit log (Get-JumpAuditLog -SessionId).</summary>
    public string SessionId { get; }

    /// <summary>The id of the outermost connection: the same for every session opened -Via the same one.</summary>
    public string ChainId { get; }

    public ChainTrace? Via { get; }

    public HopTarget Target { get; }

    public DateTime StartTime { get; } = DateTime.UtcNow;

    /// <summary>When every hop was connected; null until then.</summary>
    public DateTime? OpenedTime { get; private set; }

    /// <summary>Every hop tried so far, outermost first; the last may be the one that failed.</summary>
    public IReadOnlyList<HopFacts> Hops
    {
        get
        {
            lock (_gate)
            {
                return _hops.ToArray();
            }
        }
    }

    /// <summary>Ids, target and jump host names for every record about this session.</summary>
    public AuditContext Context => new(SessionId, ChainId, Target.Name, _jumpHosts);

    public HopFacts Begin(HopTarget target, string? through)
    {
        var hop = new HopFacts(target, through);
        lock (_gate)
        {
            _hops.Add(hop);
        }

        return hop;
    }

    public void Opened() => OpenedTime = DateTime.UtcNow;

    /// <summary>
    /// Starts over after the person at the console trusted the key of the last hop tried (-HostKeyPolicy Ask
    /// connects again): only the -Via hops stay, and that hop's key is recorded as accepted by the user.
    /// </summary>
    public void Restart()
    {
        lock (_gate)
        {
            var last = _hops[_hops.Count - 1];
            _trustedByUser.Add($"{last.Name}:{last.Port}");
            _hops.RemoveAll(h => !h.Reused);
        }
    }

    public bool TrustedByUser(HopTarget hop)
    {
        lock (_gate)
        {
            return _trustedByUser.Contains(hop.ToString());
        }
    }
}
