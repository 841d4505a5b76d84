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

/// <summary>Checks host keys against known_hosts files the way ssh does, and adds new ones when the policy allows.</summary>
internal sealed class HostKeyVerifier
{
    private readonly IReadOnlyList<string> _userFiles;
    private readonly IReadOnlyList<string> _globalFiles;

    public HostKeyVerifier(IReadOnlyList<string> userFiles, IReadOnlyList<string> globalFiles, JumpHostKeyPolicy policy)
    {
        if (userFiles.Count == 0)
        {
            throw new ArgumentException("At least one user known_hosts file is needed.", nameof(userFiles));
        }

        _userFiles = userFiles;
        _globalFiles = globalFiles;
        Policy = policy;
    }

    public JumpHostKeyPolicy Policy { get; }

    /// <summary>The file new keys are written to: the first user file, like ssh's UserKnownHostsFile.</summary>
    public string WritableFile => _userFiles[0];

    /// <summary>Key types already known for a host, so the connection can prefer them (as ssh orders HostKeyAlgorithms).</summary>
    public IReadOnlyList<string> KnownKeyTypes(string host, int port)
    {
        var name = KnownHostsFile.HostKeyName(host, port);
        return ReadAll()
            .Where(e => e.Marker == KnownHostsMarker.None && e.MatchesHost(name))
            .Select(e => e.KeyType)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Returns how the key is trusted, or throws the JumpHostException that says why it is not.</summary>
    public HostKeyCheck Check(string host, int port, string description, byte[] key)
    {
        var name = KnownHostsFile.HostKeyName(host, port);
        var keyType = SshKeyBlob.KeyType(key);
        var displayType = SshKeyBlob.DisplayType(keyType);
        var fingerprint = SshKeyBlob.Sha256Fingerprint(key);
        var entries = ReadAll().Where(e => e.MatchesHost(name)).ToList();

        var revoked = entries.FirstOrDefault(e => e.Marker == KnownHostsMarker.Revoked && SshKeyBlob.FixedTimeEquals(e.Key, key));
        if (revoked != null)
        {
            throw new JumpHostException(JumpErrorIds.HostKeyRevoked, JumpErrorKind.Security,
                $"The {displayType} host key of {description} ({fingerprint}) is marked as revoked in {revoked.File}:{revoked.Line}. " +
                "The connection was refused. Ask the server's administrator for its current key.", description);
        }

        var plain = entries.Where(e => e.Marker == KnownHostsMarker.None).ToList();
        var known = plain.FirstOrDefault(e => SshKeyBlob.FixedTimeEquals(e.Key, key));
        if (known != null)
        {
            return new HostKeyCheck(keyType, fingerprint, JumpHostKeyStatus.Known, known.File, known.Line);
        }

        var changed = plain.FirstOrDefault(e => e.KeyType == keyType);
        if (changed != null)
        {
            throw new JumpHostException(JumpErrorIds.HostKeyMismatch, JumpErrorKind.Security,
                $"REMOTE HOST IDENTIFICATION HAS CHANGED for {description}: someone could be intercepting the connection " +
                $"(a man-in-the-middle attack), or the host's key was replaced. The {displayType} key the server sent has fingerprint " +
                $"{fingerprint}, but {changed.File}:{changed.Line} lists {SshKeyBlob.Sha256Fingerprint(changed.Key)}. " +
                $"The connection was refused. If the change is expected, confirm the new fingerprint with the server's administrator, " +
                $"remove line {changed.Line} from {changed.File}, and connect again.", description);
        }

        var otherTypes = plain.Select(e => SshKeyBlob.DisplayType(e.KeyType)).Distinct().ToList();
        if (Policy == JumpHostKeyPolicy.AcceptNew && otherTypes.Count == 0)
        {
            var file = WritableFile;
            int addedLine;
            try
            {
                addedLine = KnownHostsFile.Append(file, name, key);
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
        var howTo = otherTypes.Count == 0
            ? $"If you trust it, connect once with -HostKeyPolicy AcceptNew to add it to {WritableFile}, or add this line yourself: {line}"
            : $"If you trust it, add this line to {WritableFile}: {line}";
        throw new JumpHostException(JumpErrorIds.HostKeyUnknown, JumpErrorKind.Security,
            $"The authenticity of {description} can't be established: no known_hosts file lists its {displayType} key, " +
            $"fingerprint {fingerprint}.{otherNote} Compare the fingerprint with the one the server's administrator gives you " +
            $"(ssh-keygen -lf on the server's host key). {howTo}", description);
    }

    private IEnumerable<KnownHostsEntry> ReadAll() => _userFiles.Concat(_globalFiles).SelectMany(KnownHostsFile.Read);
}
