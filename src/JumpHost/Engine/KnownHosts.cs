using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;

namespace JumpHost.Engine;

internal enum KnownHostsMarker
{
    None,
    CertAuthority,
    Revoked,
}

/// <summary>One key line of a known_hosts file, as sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT" describes it.</summary>
internal sealed class KnownHostsEntry
{
    public KnownHostsEntry(string file, int line, KnownHostsMarker marker, string hostPatterns, byte[] key)
    {
        File = file;
        Line = line;
        Marker = marker;
        HostPatterns = hostPatterns;
        Key = key;
        KeyType = SshKeyBlob.KeyType(key);
    }

    public string File { get; }

    public int Line { get; }

    public KnownHostsMarker Marker { get; }

    /// <summary>The host field: a comma-separated pattern list or one hashed name (<c>|1|salt|hash</c>).</summary>
    public string HostPatterns { get; }

    public byte[] Key { get; }

    /// <summary>The key type named inside the key blob (e.g. ssh-ed25519), not the line's own type field.</summary>
    public string KeyType { get; }

    public bool MatchesHost(string hostKeyName)
    {
        if (HostPatterns.StartsWith("|1|", StringComparison.Ordinal))
        {
            return HashedNameMatches(HostPatterns, hostKeyName);
        }

        // ssh's match_hostname: a negated pattern that matches vetoes the whole line.
        var matched = false;
        foreach (var raw in HostPatterns.Split(','))
        {
            var negated = raw.StartsWith("!", StringComparison.Ordinal);
            var pattern = negated ? raw.Substring(1) : raw;
            if (WildcardPattern.IsMatch(hostKeyName, pattern))
            {
                if (negated)
                {
                    return false;
                }

                matched = true;
            }
        }

        return matched;
    }

    private static bool HashedNameMatches(string hashed, string hostKeyName)
    {
        var parts = hashed.Split('|');
        if (parts.Length != 4)
        {
            return false;
        }

        try
        {
            var salt = Convert.FromBase64String(parts[2]);
            var expected = Convert.FromBase64String(parts[3]);
            using var hmac = new HMACSHA1(salt);
            var actual = hmac.ComputeHash(Encoding.UTF8.GetBytes(hostKeyName));
            return SshKeyBlob.FixedTimeEquals(actual, expected);
        }
        catch (FormatException)
        {
            return false;
        }
    }
}

/// <summary>Reads and appends OpenSSH known_hosts files.</summary>
internal static class KnownHostsFile
{
    private static readonly object AppendLock = new();

    /// <summary>The name a host is recorded under: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string HostKeyName(string host, int port) =>
        port == HopAddress.DefaultPort ? host.ToLowerInvariant() : $"[{host.ToLowerInvariant()}]:{port}";

    /// <summary>Reads every key line of a file; a missing file has none. Lines ssh would skip are skipped.</summary>
    public static IReadOnlyList<KnownHostsEntry> Read(string path)
    {
        var entries = new List<KnownHostsEntry>();
        if (!File.Exists(path))
        {
            return entries;
        }

        var lineNumber = 0;
        foreach (var line in ReadLinesShared(path))
        {
            lineNumber++;
            var entry = ParseLine(path, lineNumber, line);
            if (entry != null)
            {
                entries.Add(entry);
            }
        }

        return entries;
    }

    /// <summary>
    /// Appends <c>name type key</c> unless another writer already added that exact key for that name.
    /// Returns the line number that holds the key.
    /// </summary>
    public static int Append(string path, string hostKeyName, byte[] key)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            Permissions.RestrictToOwner(directory, isDirectory: true);
        }

        var newLine = $"{hostKeyName} {SshKeyBlob.KeyType(key)} {Convert.ToBase64String(key)}";

        // In-process lock for runspaces of this process, exclusive file handle for other processes.
        lock (AppendLock)
        {
            using var stream = OpenExclusive(path);
            var existing = new StreamReader(stream, Encoding.UTF8, false, 4096, leaveOpen: true).ReadToEnd();
            var lineNumber = 0;
            foreach (var line in existing.Split('\n'))
            {
                lineNumber++;
                var entry = ParseLine(path, lineNumber, line.TrimEnd('\r'));
                if (entry != null && entry.Marker == KnownHostsMarker.None && entry.MatchesHost(hostKeyName)
                    && SshKeyBlob.FixedTimeEquals(entry.Key, key))
                {
                    return lineNumber;
                }
            }

            var needsNewLine = existing.Length > 0 && !existing.EndsWith("\n", StringComparison.Ordinal);
            var text = (needsNewLine ? "\n" : string.Empty) + newLine + "\n";
            var bytes = Encoding.UTF8.GetBytes(text);
            stream.Seek(0, SeekOrigin.End);
            stream.Write(bytes, 0, bytes.Length);
            stream.Flush(flushToDisk: true);
            return existing.Length == 0 ? 1 : (needsNewLine ? lineNumber + 1 : lineNumber);
        }
    }

    private static KnownHostsEntry? ParseLine(string path, int lineNumber, string line)
    {
        var text = line.Trim();
        if (text.Length == 0 || text.StartsWith("#", StringComparison.Ordinal))
        {
            return null;
        }

        var fields = text.Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        var index = 0;
        var marker = KnownHostsMarker.None;
        if (fields[0].StartsWith("@", StringComparison.Ordinal))
        {
            if (string.Equals(fields[0], "@cert-authority", StringComparison.OrdinalIgnoreCase))
            {
                marker = KnownHostsMarker.CertAuthority;
            }
            else if (string.Equals(fields[0], "@revoked", StringComparison.OrdinalIgnoreCase))
            {
                marker = KnownHostsMarker.Revoked;
            }
            else
            {
                return null;
            }

            index = 1;
        }

        if (fields.Length < index + 3)
        {
            return null;
        }

        byte[] key;
        try
        {
            key = Convert.FromBase64String(fields[index + 2]);
        }
        catch (FormatException)
        {
            return null;
        }

        return SshKeyBlob.TryKeyType(key) == null ? null : new KnownHostsEntry(path, lineNumber, marker, fields[index], key);
    }

    private static IEnumerable<string> ReadLinesShared(string path)
    {
        using var stream = WhenNotLocked(() => new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            yield return line;
        }
    }

    private static FileStream OpenExclusive(string path) => WhenNotLocked(() =>
    {
        var created = !File.Exists(path);
        var stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        if (created)
        {
            Permissions.RestrictToOwner(path, isDirectory: false);
        }

        return stream;
    });

    /// <summary>
    /// Opens the file, waiting while another writer holds it: an append keeps the file exclusively for a
    /// few milliseconds, and on Unix .NET turns that into a lock that also makes readers fail at once.
    /// </summary>
    private static FileStream WhenNotLocked(Func<FileStream> open)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            try
            {
                return open();
            }
            catch (IOException ex) when (ex is not FileNotFoundException && ex is not DirectoryNotFoundException && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(20);
            }
        }
    }
}
