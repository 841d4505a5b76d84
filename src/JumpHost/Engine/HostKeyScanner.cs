using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine;

/// <summary>
/// Fetches a server's host keys without logging in, like ssh-keyscan: a key exchange offering one key type
/// at a time, stopped as soon as the server has shown its key.
/// </summary>
internal static class HostKeyScanner
{
    /// <summary>The key types ssh-keyscan asks for by default, and the host key algorithms that fetch them.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> KeyTypes = new Dictionary<string, string[]>(StringComparer.OrdinalIgnoreCase)
    {
        ["ed25519"] = new[] { "ssh-ed25519" },
        ["ecdsa"] = new[] { "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521" },
        ["rsa"] = new[] { "rsa-sha2-512", "rsa-sha2-256" },
    };

    /// <summary>The server's key of one type, or null when it has none of that type.</summary>
    public static async Task<byte[]?> ScanAsync(HopTarget target, ChainHop? through, string description, string keyType, CancellationToken cancellationToken)
    {
        var tunnel = through == null ? null : HopTunnel.Open(through, target, description);
        try
        {
            var info = HopTunnel.ConnectionTo(target, target.Host, tunnel, new NoneAuthenticationMethod(target.User));
            info.Timeout = target.ConnectTimeout;
            var wanted = KeyTypes[keyType];
            foreach (var algorithm in info.HostKeyAlgorithms.Keys.Where(a => !wanted.Contains(a)).ToList())
            {
                info.HostKeyAlgorithms.Remove(algorithm);
            }

            byte[]? key = null;
            var identified = false;
            using var client = new SshClient(info);
            client.ServerIdentificationReceived += (_, _) => identified = true;
            client.HostKeyReceived += (_, e) =>
            {
                key = e.HostKey;

                // Seen: end the key exchange here, before any authentication.
                e.CanTrust = false;
            };
            try
            {
                await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (key != null || ex.Message.StartsWith("No matching host key algorithm", StringComparison.Ordinal))
            {
                // Expected: the exchange was refused once the key was seen, or the server has no key of this type.
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && (ex is SshException || ex is System.Net.Sockets.SocketException || ex is OperationCanceledException))
            {
                throw ConnectionChain.MapConnectFailure(ex, target, description, tunnel, identified, target.ConnectTimeout);
            }

            return key;
        }
        finally
        {
            tunnel?.Close();
        }
    }
}
