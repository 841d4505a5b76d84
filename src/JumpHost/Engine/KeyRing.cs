using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using JumpHost.Engine.Agent;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine;

/// <summary>
/// The private keys and agents of one connection attempt, each loaded once however many hops use it, and
/// checked before any network traffic so that a wrong path or passphrase fails fast. Disposing clears them.
/// </summary>
internal sealed class KeyRing : IDisposable
{
    private readonly Dictionary<string, PrivateKeyFile> _keys = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SshAgentKeySource?> _agents = new(StringComparer.Ordinal);
    private readonly ConnectReporter _reporter;

    public KeyRing(ConnectReporter reporter)
    {
        _reporter = reporter;
    }

    /// <summary>
    /// The key in the file, with the first of the certificates that certifies it. An encrypted key takes the
    /// passphrase, or asks for one where someone can answer.
    /// </summary>
    public PrivateKeyFile Load(string path, SecureString? passphrase, IReadOnlyList<string> certificates)
    {
        lock (_keys)
        {
            if (_keys.TryGetValue(path, out var loaded))
            {
                return loaded;
            }

            WarnIfReadableByOthers(path);
            var key = KeyFiles.Read(path, certificates, passphrase, () => _reporter.AskPassphrase(path));
            _keys[path] = key;
            return key;
        }
    }

    /// <summary>The agent (ssh_config IdentityAgent, else SSH_AUTH_SOCK), or null when there is none or it fails.</summary>
    public SshAgentKeySource? Agent(string? identityAgent)
    {
        lock (_agents)
        {
            var name = identityAgent ?? string.Empty;
            if (!_agents.TryGetValue(name, out var agent))
            {
                try
                {
                    agent = SshAgentKeySource.TryOpen(identityAgent);
                    if (agent != null)
                    {
                        _reporter.Verbose($"The SSH agent at {agent.Agent} holds {agent.Identities.Count} key(s).");
                    }
                }
                catch (SshAgentException ex)
                {
                    // Like ssh: an agent that cannot be used is reported, and the other keys are still tried.
                    _reporter.Warning(ex.Message);
                    agent = null;
                }

                _agents[name] = agent;
            }

            return agent;
        }
    }

    public void Dispose()
    {
        lock (_keys)
        {
            foreach (var key in _keys.Values)
            {
                key.Dispose();
            }

            _keys.Clear();
        }
    }

    private void WarnIfReadableByOthers(string path)
    {
#if NET8_0_OR_GREATER
        if (!OperatingSystem.IsWindows() && File.Exists(path)
            && (File.GetUnixFileMode(path) & (UnixFileMode.GroupRead | UnixFileMode.OtherRead | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite)) != 0)
        {
            _reporter.Warning($"The private key file '{path}' can be read by other users of this computer (ssh refuses such keys). Restrict it: chmod 600 '{path}'.");
        }
#endif
    }
}

/// <summary>Reading OpenSSH, PEM and PuTTY private key files, with clear errors for each way it fails.</summary>
internal static class KeyFiles
{
    public static PrivateKeyFile Read(string path, IReadOnlyList<string> certificates, SecureString? passphrase, Func<SecureString?> askPassphrase)
    {
        if (!File.Exists(path))
        {
            throw new JumpHostException(JumpErrorIds.KeyFileNotFound, JumpErrorKind.NotFound,
                $"The key file '{path}' does not exist. Give the path of a private key (for example ~/.ssh/id_ed25519) to -KeyFile.", path);
        }

        // Reading without a passphrase first tells an encrypted key apart from a damaged one,
        // so a wrong passphrase is reported as such and not as an unreadable file.
        try
        {
            return ReadKey(path, null, certificates);
        }
        catch (SshPassPhraseNullOrEmptyException)
        {
            // Encrypted: decrypt it below.
        }
        catch (Exception ex) when (IsUnreadableKey(ex))
        {
            throw new JumpHostException(JumpErrorIds.KeyFileInvalid, JumpErrorKind.InvalidData,
                $"The file '{path}' is not a private key that can be read ({ex.Message}). Give an OpenSSH, PEM or PuTTY private key file, not a .pub file.", path, ex);
        }

        passphrase ??= askPassphrase();
        if (passphrase == null)
        {
            throw new JumpHostException(JumpErrorIds.KeyPassphraseRequired, JumpErrorKind.Authentication,
                $"The key file '{path}' is encrypted. Give its passphrase with -KeyPassphrase (a SecureString, e.g. from Read-Host -AsSecureString), or add the key to ssh-agent.", path);
        }

        var passphraseBytes = Utf8Bytes(passphrase);
        try
        {
            return ReadKey(path, Encoding.UTF8.GetString(passphraseBytes), certificates);
        }
        catch (Exception ex) when (IsUnreadableKey(ex))
        {
            throw new JumpHostException(JumpErrorIds.KeyPassphraseIncorrect, JumpErrorKind.Authentication,
                $"The key file '{path}' could not be decrypted: the passphrase given is wrong.", path, ex);
        }
        finally
        {
            Array.Clear(passphraseBytes, 0, passphraseBytes.Length);
        }
    }

    /// <summary>The secret as UTF-8 bytes, for SSH.NET; the caller clears them when done.</summary>
    public static byte[] Utf8Bytes(SecureString secret)
    {
        var pointer = Marshal.SecureStringToGlobalAllocUnicode(secret);
        var chars = new char[secret.Length];
        try
        {
            Marshal.Copy(pointer, chars, 0, chars.Length);
            return Encoding.UTF8.GetBytes(chars);
        }
        finally
        {
            Array.Clear(chars, 0, chars.Length);
            Marshal.ZeroFreeGlobalAllocUnicode(pointer);
        }
    }

    private static PrivateKeyFile ReadKey(string path, string? passphrase, IReadOnlyList<string> certificates)
    {
        try
        {
            foreach (var certificate in certificates)
            {
                try
                {
                    using var keyWithCertificate = File.OpenRead(path);
                    using var cert = File.OpenRead(certificate);
                    return new PrivateKeyFile(keyWithCertificate, passphrase, cert);
                }
                catch (ArgumentException)
                {
                    // This certificate certifies another key (or is no certificate): try the next.
                }
            }

            using var key = File.OpenRead(path);
            return passphrase == null ? new PrivateKeyFile(key) : new PrivateKeyFile(key, passphrase);
        }
        catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
        {
            throw new JumpHostException(JumpErrorIds.KeyFileInvalid, JumpErrorKind.InvalidData,
                $"The key file '{path}' cannot be read: {ex.Message}", path, ex);
        }
    }

    /// <summary>Exceptions SSH.NET's key parsers throw for data that is not a key they can decode.</summary>
    private static bool IsUnreadableKey(Exception ex) =>
        ex is SshException || ex is NotSupportedException || ex is ArgumentException || ex is FormatException
        || ex is IndexOutOfRangeException || ex is InvalidOperationException || ex is System.Security.Cryptography.CryptographicException;
}
