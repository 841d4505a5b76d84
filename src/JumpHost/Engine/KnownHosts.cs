using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Linq;
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

/// <summary>
/// Reads and changes OpenSSH known_hosts files. Changes are whole-file replacements (write a temporary file
/// beside it, then rename), so a reader or a crash never sees half a line, made under a lock that other
/// runspaces and processes share, so two writers never lose each other's lines.
/// </summary>
internal static class KnownHostsFile
{
    private static readonly TimeSpan LockTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The name a host is recorded under: <c>host</c> on port 22, <c>[host]:port</c> otherwise.</summary>
    public static string HostKeyName(string host, int port) =>
        port == HopAddress.DefaultPort ? host.ToLowerInvariant() : $"[{host.ToLowerInvariant()}]:{port}";

    /// <summary>The hashed form ssh writes with HashKnownHosts: <c>|1|salt|HMAC-SHA1(salt, name)</c>.</summary>
    public static string HashHostKeyName(string hostKeyName)
    {
        var salt = new byte[20];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(salt);
        }

        using var hmac = new HMACSHA1(salt);
        return $"|1|{Convert.ToBase64String(salt)}|{Convert.ToBase64String(hmac.ComputeHash(Encoding.UTF8.GetBytes(hostKeyName)))}";
    }

    /// <summary>Reads every key line of a file; a missing file has none. Lines ssh would skip are skipped.</summary>
    public static IReadOnlyList<KnownHostsEntry> Read(string path)
    {
        var entries = new List<KnownHostsEntry>();
        var lineNumber = 0;
        foreach (var line in ReadLines(path))
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
    /// Adds <c>name type key</c> (the name hashed when asked) unless another writer already added that key for
    /// that name. Returns the line number that holds the key.
    /// </summary>
    public static int Append(string path, string hostKeyName, byte[] key, bool hashName)
    {
        using (AcquireLock(path))
        {
            var lines = ReadLines(path).ToList();
            for (var i = 0; i < lines.Count; i++)
            {
                var entry = ParseLine(path, i + 1, lines[i]);
                if (entry != null && entry.Marker == KnownHostsMarker.None && entry.MatchesHost(hostKeyName) && SshKeyBlob.FixedTimeEquals(entry.Key, key))
                {
                    return i + 1;
                }
            }

            var name = hashName ? HashHostKeyName(hostKeyName) : hostKeyName;
            lines.Add($"{name} {SshKeyBlob.KeyType(key)} {Convert.ToBase64String(key)}");
            Replace(path, lines);
            return lines.Count;
        }
    }

    /// <summary>
    /// Removes every key line for the host (plain and hashed), as <c>ssh-keygen -R</c> does: the whole line
    /// goes, @cert-authority and @revoked lines stay, and the previous file is kept as <c>path.old</c>.
    /// Returns the lines removed.
    /// </summary>
    public static IReadOnlyList<KnownHostsEntry> Remove(string path, string hostKeyName)
    {
        using (AcquireLock(path))
        {
            var lines = ReadLines(path).ToList();
            var kept = new List<string>();
            var removed = new List<KnownHostsEntry>();
            for (var i = 0; i < lines.Count; i++)
            {
                var entry = ParseLine(path, i + 1, lines[i]);
                if (entry != null && entry.Marker == KnownHostsMarker.None && entry.MatchesHost(hostKeyName))
                {
                    removed.Add(entry);
                }
                else
                {
                    kept.Add(lines[i]);
                }
            }

            if (removed.Count > 0)
            {
                File.Copy(path, path + ".old", overwrite: true);
                Replace(path, kept);
            }

            return removed;
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

    private static IEnumerable<string> ReadLines(string path)
    {
        if (!File.Exists(path))
        {
            yield break;
        }

        // Delete sharing: a writer may rename a new file over this one while it is being read.
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string? line;
        while ((line = reader.ReadLine()) != null)
        {
            yield return line;
        }
    }

    /// <summary>Writes the lines to a temporary file beside the target and renames it over the target.</summary>
    private static void Replace(string path, IReadOnlyList<string> lines)
    {
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory);
            Permissions.RestrictToOwner(directory, isDirectory: true);
        }

        var temporary = Path.Combine(directory, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var bytes = Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l + "\n")));
                stream.Write(bytes, 0, bytes.Length);
                stream.Flush(flushToDisk: true);
            }

            Permissions.CopyOrRestrict(fullPath, temporary);
            if (File.Exists(fullPath))
            {
                File.Replace(temporary, fullPath, null);
            }
            else
            {
                File.Move(temporary, fullPath);
            }
        }
        finally
        {
            if (File.Exists(temporary))
            {
                File.Delete(temporary);
            }
        }
    }

    /// <summary>A lock on one known_hosts file shared by every runspace and process of this user on this computer.</summary>
    private static IDisposable AcquireLock(string path)
    {
        using var sha = SHA256.Create();
        var id = BitConverter.ToString(sha.ComputeHash(Encoding.UTF8.GetBytes(Path.GetFullPath(path)))).Replace("-", string.Empty).Substring(0, 32);
        var mutex = new Mutex(false, @"Global\JumpHost.KnownHosts." + id);
        try
        {
            if (!mutex.WaitOne(LockTimeout))
            {
                throw new IOException($"Another program has held the lock on {path} for {LockTimeout.TotalSeconds:0} s.");
            }
        }
        catch (AbandonedMutexException)
        {
            // Its holder ended without releasing it; the file itself is whole, since writes are renames.
        }
        catch
        {
            mutex.Dispose();
            throw;
        }

        return new HeldMutex(mutex);
    }

    private sealed class HeldMutex : IDisposable
    {
        private readonly Mutex _mutex;

        public HeldMutex(Mutex mutex)
        {
            _mutex = mutex;
        }

        public void Dispose()
        {
            _mutex.ReleaseMutex();
            _mutex.Dispose();
        }
    }
}
