using System;
using System.Collections.Generic;
using System.Linq;

namespace JumpHost.Engine;

/// <summary>The outcome of a trusted host key check.</summary>
internal sealed class HostKeyCheck
{
    public HostKeyCheck(string keyType, string fingerprint, JumpHostKeyStatus status, string file, int line)
    {
        KeyType = keyType;
        Fingerprint = fingerprint;
        Status = status;
        File = file;
        Line = line;
    }

    public string KeyType { get; }

    public string Fingerprint { get; }

    public JumpHostKeyStatus Status { get; }

    /// <summary>The known_hosts file that vouched for (or received) the key.</summary>
    public string File { get; }

    public int Line { get; }
}

/// <summary>What the known_hosts files say about one key for one host.</summary>
internal sealed class HostKeyLookup
{
    public HostKeyLookup(string hostKeyName, JumpHostKeyMatch match, KnownHostsEntry? entry, IReadOnlyList<string> otherKnownTypes)
    {
        HostKeyName = hostKeyName;
        Match = match;
        Entry = entry;
        OtherKnownTypes = otherKnownTypes;
    }

    /// <summary>The name looked up: host, [host]:port, or the HostKeyAlias.</summary>
    public string HostKeyName { get; }

    public JumpHostKeyMatch Match { get; }

    /// <summary>The line that lists the key (Known), revokes it (Revoked), or lists another key of its type (Changed).</summary>
    public KnownHostsEntry? Entry { get; }

    /// <summary>For Unknown: the key types known for the host, if any.</summary>
    public IReadOnlyList<string> OtherKnownTypes { get; }
}

/// <summary>An unknown host key a user could choose to trust (StrictHostKeyChecking ask).</summary>
internal sealed class UnknownHostKey
{
    public UnknownHostKey(string hostKeyName, byte[] key, string file, bool hashName, bool mayAsk)
    {
        HostKeyName = hostKeyName;
        Key = key;
        File = file;
        HashName = hashName;
        MayAsk = mayAsk;
    }

    public string HostKeyName { get; }

    public byte[] Key { get; }

    /// <summary>Where the key goes when trusted.</summary>
    public string File { get; }

    public bool HashName { get; }

    /// <summary>The hop's policy is Ask: the person at the console may be asked to trust the key.</summary>
    public bool MayAsk { get; }

    public void Trust() => KnownHostsFile.Append(File, HostKeyName, Key, HashName);
}

/// <summary>Checks host keys against known_hosts files the way ssh does, and adds new ones when the policy allows.</summary>
internal sealed class HostKeyVerifier
{
    private readonly IReadOnlyList<string> _userFiles;
    private readonly IReadOnlyList<string> _globalFiles;
    private readonly bool _hashNewEntries;

    public HostKeyVerifier(IReadOnlyList<string> userFiles, IReadOnlyList<string> globalFiles, JumpHostKeyPolicy policy, bool hashNewEntries)
    {
        _userFiles = userFiles;
        _globalFiles = globalFiles;
        _hashNewEntries = hashNewEntries;
        Policy = policy;
    }

    public JumpHostKeyPolicy Policy { get; }

    public IReadOnlyList<string> UserFiles => _userFiles;

    public IReadOnlyList<string> GlobalFiles => _globalFiles;

    public bool HashNewEntries => _hashNewEntries;

    /// <summary>The file new keys are written to: the first user file, like ssh's; none with UserKnownHostsFile none.</summary>
    public string? WritableFile => _userFiles.Count == 0 ? null : _userFiles[0];

    /// <summary>The name known_hosts lists a hop under: its HostKeyAlias, else host or [host]:port.</summary>
    public static string NameOf(HopTarget hop) => hop.HostKeyAlias ?? KnownHostsFile.HostKeyName(hop.Host, hop.Port);

    /// <summary>
    /// Whether a @cert-authority line applies to the hop: then host certificates are asked for, as ssh asks for
    /// them. For a port other than 22 ssh also tries the bare host name, and so does this.
    /// </summary>
    public bool HasCertificateAuthority(HopTarget hop) => AuthoritiesFor(hop).Any();

    /// <summary>
    /// Checks a host certificate the way ssh does against @cert-authority lines: signed by a listed authority,
    /// a host certificate, valid now, and naming the host among its principals. A certificate no listed
    /// authority signed is judged by its plain key instead.
    /// </summary>
    public HostKeyCheck CheckCertificate(HopTarget hop, string description, byte[] key, HostCertificate certificate)
    {
        var authority = AuthoritiesFor(hop).FirstOrDefault(e => SshKeyBlob.FixedTimeEquals(e.Key, certificate.AuthorityKey));
        if (authority == null)
        {
            return Check(hop, description, key);
        }

        var authorityName = $"{SshKeyBlob.DisplayType(authority.KeyType)} {SshKeyBlob.Sha256Fingerprint(authority.Key)}";
        var revoked = ReadAll().FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked
            && (SshKeyBlob.FixedTimeEquals(e.Key, key) || SshKeyBlob.FixedTimeEquals(e.Key, certificate.AuthorityKey)));
        var now = DateTimeOffset.UtcNow;
        var name = hop.HostKeyAlias ?? hop.Host.ToLowerInvariant();
        var problem =
            revoked != null ? $"its key or authority is marked as revoked in {revoked.File}:{revoked.Line}" :
            !certificate.IsHostCertificate ? "it is a user certificate, not a host certificate" :
            now < certificate.ValidAfter ? $"it is not valid before {certificate.ValidAfter:u}" :
            now > certificate.ValidBefore ? $"it expired on {certificate.ValidBefore:u}" :
            !certificate.Principals.Any(p => string.Equals(p, name, StringComparison.OrdinalIgnoreCase))
                ? $"'{name}' is not among its principals ({string.Join(", ", certificate.Principals)})" : null;
        if (problem != null)
        {
            throw new JumpHostException(JumpErrorIds.HostCertificateInvalid, JumpErrorKind.Security,
                $"The host certificate of {description} (id '{certificate.KeyId}', signed by the authority {authorityName} " +
                $"trusted in {authority.File}:{authority.Line}) was refused: {problem}. The connection was refused.", description);
        }

        return new HostKeyCheck(SshKeyBlob.KeyType(key), SshKeyBlob.Sha256Fingerprint(key), JumpHostKeyStatus.CertifiedByAuthority, authority.File, authority.Line);
    }

    /// <summary>Key types already known for a hop, so the connection can prefer them (as ssh orders HostKeyAlgorithms).</summary>
    public IReadOnlyList<string> KnownKeyTypes(HopTarget hop)
    {
        var name = NameOf(hop);
        return ReadAll()
            .Where(e => e.Marker == KnownHostsMarker.None && e.MatchesHost(name))
            .Select(e => e.KeyType)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>What the known_hosts files say about this key for this hop, without deciding anything.</summary>
    public HostKeyLookup Lookup(HopTarget hop, byte[] key)
    {
        var name = NameOf(hop);
        var keyType = SshKeyBlob.KeyType(key);
        var entries = ReadAll().Where(e => e.MatchesHost(name)).ToList();
        var revoked = entries.FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked && SshKeyBlob.FixedTimeEquals(e.Key, key));
        if (revoked != null)
        {
            return new HostKeyLookup(name, JumpHostKeyMatch.Revoked, revoked, Array.Empty<string>());
        }

        var plain = entries.Where(e => e.Marker == KnownHostsMarker.None).ToList();
        var known = plain.FirstOrDefault(e => SshKeyBlob.FixedTimeEquals(e.Key, key));
        if (known != null)
        {
            return new HostKeyLookup(name, JumpHostKeyMatch.Known, known, Array.Empty<string>());
        }

        var changed = plain.FirstOrDefault(e => e.KeyType == keyType);
        if (changed != null)
        {
            return new HostKeyLookup(name, JumpHostKeyMatch.Changed, changed, Array.Empty<string>());
        }

        return new HostKeyLookup(name, JumpHostKeyMatch.Unknown, null, plain.Select(e => SshKeyBlob.DisplayType(e.KeyType)).Distinct().ToList());
    }

    /// <summary>Returns how the key is trusted, or throws the JumpHostException that says why it is not.</summary>
    public HostKeyCheck Check(HopTarget hop, string description, byte[] key)
    {
        var keyType = SshKeyBlob.KeyType(key);
        var displayType = SshKeyBlob.DisplayType(keyType);
        var fingerprint = SshKeyBlob.Sha256Fingerprint(key);
        var lookup = Lookup(hop, key);
        var entry = lookup.Entry;
        switch (lookup.Match)
        {
            case JumpHostKeyMatch.Known:
                return new HostKeyCheck(keyType, fingerprint, JumpHostKeyStatus.Known, entry!.File, entry.Line);
            case JumpHostKeyMatch.Revoked:
                throw new JumpHostException(JumpErrorIds.HostKeyRevoked, JumpErrorKind.Security,
                    $"The {displayType} host key of {description} ({fingerprint}) is marked as revoked in {entry!.File}:{entry.Line}. " +
                    "The connection was refused. Ask the server's administrator for its current key.", description);
            case JumpHostKeyMatch.Changed:
                throw new JumpHostException(JumpErrorIds.HostKeyMismatch, JumpErrorKind.Security,
                    $"REMOTE HOST IDENTIFICATION HAS CHANGED for {description}: someone could be intercepting the connection " +
                    $"(a man-in-the-middle attack), or the host's key was replaced. The {displayType} key the server sent has fingerprint " +
                    $"{fingerprint}, but {entry!.File}:{entry.Line} lists {SshKeyBlob.Sha256Fingerprint(entry.Key)}. " +
                    $"The connection was refused. If the change is expected, confirm the new fingerprint with the server's administrator, " +
                    $"remove the old key (Remove-JumpHostKey, or line {entry.Line} of {entry.File}), and connect again.", description);
        }

        var name = lookup.HostKeyName;
        var otherTypes = lookup.OtherKnownTypes;
        var writable = WritableFile;
        if (Policy == JumpHostKeyPolicy.AcceptNew && otherTypes.Count == 0 && writable != null)
        {
            var file = writable;
            int addedLine;
            try
            {
                addedLine = KnownHostsFile.Append(file, name, key, _hashNewEntries);
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                throw new JumpHostException(JumpErrorIds.KnownHostsWriteFailed, JumpErrorKind.WriteError,
                    $"The new host key of {description} could not be added to {file}: {ex.Message}", description, ex);
            }

            return new HostKeyCheck(keyType, fingerprint, JumpHostKeyStatus.AddedNew, file, addedLine);
        }

        var line = $"{name} {keyType} {Convert.ToBase64String(key)}";
        var otherNote = otherTypes.Count == 0
            ? string.Empty
            : $" The known_hosts files list other key types for this host ({string.Join(", ", otherTypes)}), so it is not added automatically.";
        var howTo = writable == null
            ? $"No user known_hosts file is in use (UserKnownHostsFile none) to add it to; if you trust it, add this line to a known_hosts file: {line}"
            : otherTypes.Count == 0
                ? $"If you trust it, connect once with -HostKeyPolicy AcceptNew to add it to {writable}, or add this line yourself: {line}"
                : $"If you trust it, add this line to {writable}: {line}";
        throw new JumpHostException(JumpErrorIds.HostKeyUnknown, JumpErrorKind.Security,
            $"The authenticity of {description} can't be established: no known_hosts file lists its {displayType} key, " +
            $"fingerprint {fingerprint}.{otherNote} Compare the fingerprint with the one the server's administrator gives you " +
            $"(ssh-keygen -lf on the server's host key, or Get-JumpHostKey). {howTo}", description)
        {
            UnknownKey = otherTypes.Count == 0 && writable != null ? new UnknownHostKey(name, key, writable, _hashNewEntries, Policy == JumpHostKeyPolicy.Ask) : null,
        };
    }

    private IEnumerable<KnownHostsEntry> AuthoritiesFor(HopTarget hop)
    {
        var names = new[] { NameOf(hop), hop.HostKeyAlias ?? hop.Host.ToLowerInvariant() };
        return ReadAll().Where(e => e.Marker == KnownHostsMarker.CertAuthority && names.Any(e.MatchesHost));
    }

    private IEnumerable<KnownHostsEntry> ReadAll() => _userFiles.Concat(_globalFiles).SelectMany(KnownHostsFile.Read);
}
