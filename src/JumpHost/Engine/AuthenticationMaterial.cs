using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine;

/// <summary>
/// The keys and password one connection attempt may offer, loaded and checked before any network traffic
/// so that a wrong path or passphrase fails fast with a clear error. Secrets are cleared on Dispose.
/// </summary>
internal sealed class AuthenticationMaterial : IDisposable
{
    private static readonly string[] DefaultIdentityFiles = { "id_ed25519", "id_ecdsa", "id_rsa" };

    private readonly List<PrivateKeyFile> _keys = new();
    private readonly List<string> _keyFilePaths = new();
    private byte[]? _password;

    private AuthenticationMaterial()
    {
    }

    /// <summary>The key files actually loaded, for messages ("tried keys: ...").</summary>
    public IReadOnlyList<string> KeyFilePaths => _keyFilePaths;

    public bool HasPassword => _password != null;

    /// <summary>
    /// Loads the given key files (all must load), or with none given the default identities ~/.ssh/id_ed25519,
    /// id_ecdsa and id_rsa that exist and need no passphrase, as ssh does.
    /// </summary>
    public static AuthenticationMaterial Load(IReadOnlyList<string> keyFiles, SecureString? passphrase, SecureString? password, Action<string> log)
    {
        var material = new AuthenticationMaterial();
        try
        {
            if (keyFiles.Count > 0)
            {
                foreach (var path in keyFiles)
                {
                    material.AddKey(LoadKey(path, passphrase), path);
                }
            }
            else
            {
                material.LoadDefaultIdentities(passphrase, log);
            }

            if (password != null)
            {
                material._password = Utf8Bytes(password);
            }

            if (material._keys.Count == 0 && material._password == null)
            {
                throw new JumpHostException(JumpErrorIds.NoCredentials, JumpErrorKind.InvalidArgument,
                    "No credentials to log in with: give -KeyFile (a private key) or -Credential (a user name and password). " +
                    "No default key (~/.ssh/id_ed25519, id_ecdsa, id_rsa) was found that can be used without a passphrase.");
            }

            return material;
        }
        catch
        {
            material.Dispose();
            throw;
        }
    }

    /// <summary>The SSH.NET authentication methods for one hop's user, in the order ssh offers them.</summary>
    public AuthenticationMethod[] MethodsFor(string user)
    {
        var methods = new List<AuthenticationMethod>();
        if (_keys.Count > 0)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(user, _keys.ToArray()));
        }

        if (_password != null)
        {
            methods.Add(new PasswordAuthenticationMethod(user, _password));

            // Servers that disable "password" often still take it through keyboard-interactive.
            var keyboard = new KeyboardInteractiveAuthenticationMethod(user);
            keyboard.AuthenticationPrompt += AnswerPasswordPrompts;
            methods.Add(keyboard);
        }

        return methods.ToArray();
    }

    public void Dispose()
    {
        foreach (var key in _keys)
        {
            key.Dispose();
        }

        _keys.Clear();
        if (_password != null)
        {
            Array.Clear(_password, 0, _password.Length);
            _password = null;
        }
    }

    private void AnswerPasswordPrompts(object? sender, AuthenticationPromptEventArgs e)
    {
        // Runs on SSH.NET's thread: never throw from here.
        var password = _password;
        if (password == null)
        {
            return;
        }

        foreach (var prompt in e.Prompts)
        {
            if (prompt.Request.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0)
            {
                prompt.Response = Encoding.UTF8.GetString(password);
            }
        }
    }

    private void AddKey(PrivateKeyFile key, string path)
    {
        _keys.Add(key);
        _keyFilePaths.Add(path);
    }

    private void LoadDefaultIdentities(SecureString? passphrase, Action<string> log)
    {
        var sshDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        foreach (var name in DefaultIdentityFiles)
        {
            var path = Path.Combine(sshDirectory, name);
            if (!File.Exists(path))
            {
                continue;
            }

            try
            {
                AddKey(LoadKey(path, passphrase), path);
                log($"Using default identity {path}.");
            }
            catch (JumpHostException ex)
            {
                log($"Skipping default identity {path}: {ex.Message}");
            }
        }
    }

    private static PrivateKeyFile LoadKey(string path, SecureString? passphrase)
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
            return ReadKey(path, null);
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

        if (passphrase == null)
        {
            throw new JumpHostException(JumpErrorIds.KeyPassphraseRequired, JumpErrorKind.Authentication,
                $"The key file '{path}' is encrypted. Give its passphrase with -KeyPassphrase (a SecureString, e.g. from Read-Host -AsSecureString).", path);
        }

        var passphraseBytes = Utf8Bytes(passphrase);
        try
        {
            return ReadKey(path, Encoding.UTF8.GetString(passphraseBytes));
        }
        catch (Exception ex) when (IsUnreadableKey(ex))
        {
            throw new JumpHostException(JumpErrorIds.KeyPassphraseIncorrect, JumpErrorKind.Authentication,
                $"The key file '{path}' could not be decrypted: the passphrase given with -KeyPassphrase is wrong.", path, ex);
        }
        finally
        {
            Array.Clear(passphraseBytes, 0, passphraseBytes.Length);
        }
    }

    private static PrivateKeyFile ReadKey(string path, string? passphrase)
    {
        try
        {
            using var stream = File.OpenRead(path);
            return passphrase == null ? new PrivateKeyFile(stream) : new PrivateKeyFile(stream, passphrase);
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

    private static byte[] Utf8Bytes(SecureString secret)
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
}
