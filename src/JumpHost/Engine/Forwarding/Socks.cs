using System;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine.Audit;

namespace JumpHost.Engine.Forwarding;

/// <summary>What a SOCKS client asked for, and how to answer it in its own dialect.</summary>
internal sealed class SocksRequest
{
    public SocksRequest(int version, string host, int port)
    {
        Version = version;
        Host = host;
        Port = port;
    }

    /// <summary>4 for SOCKS 4 and 4a, 5 for SOCKS 5.</summary>
    public int Version { get; }

    public string Host { get; }

    public int Port { get; }

    public override string ToString() => Host.Contains(":") ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>
/// A SOCKS 5 user name and password (RFC 1929) that a client must present. Made once at random, it proves that
/// a connection comes from the one client it was handed to, not from another process on this computer.
/// </summary>
internal sealed class SocksCredential
{
    private const string OneTimeUserName = "jumphost";

    private SocksCredential(string userName, string password)
    {
        UserName = userName;
        Password = password;
    }

    public string UserName { get; }

    public string Password { get; }

    /// <summary>A fresh password of 32 random bytes, as hex (SOCKS allows at most 255 bytes of it).</summary>
    public static SocksCredential CreateOneTime()
    {
        var secret = new byte[32];
        using (var random = RandomNumberGenerator.Create())
        {
            random.GetBytes(secret);
        }

        return new SocksCredential(OneTimeUserName, AuditHash.Hex(secret));
    }

    /// <summary>Compares in time independent of where the bytes differ, so timing tells nothing about the password.</summary>
    public bool Matches(byte[] userName, byte[] password) =>
        SshKeyBlob.FixedTimeEquals(userName, Encoding.ASCII.GetBytes(UserName)) & SshKeyBlob.FixedTimeEquals(password, Encoding.ASCII.GetBytes(Password));
}

/// <summary>
/// The server side of the SOCKS protocol that applications talk to: SOCKS 4, 4a and 5 (RFC 1928), CONNECT
/// only; no authentication, or a required SOCKS 5 user name and password (RFC 1929). Host names are passed on
/// unresolved, for the far side to resolve.
/// </summary>
internal static class Socks
{
    private const byte NoAuthentication = 0;
    private const byte UserNameAndPassword = 2;
    private const byte NoAcceptableMethod = 0xFF;
    private const byte Socks5GeneralFailure = 1;
    private const byte Socks5CommandNotSupported = 7;
    private const byte Socks5AddressTypeNotSupported = 8;

    /// <summary>
    /// Reads a client's CONNECT request; answers and returns null for anything else. With a
    /// <paramref name="required"/> credential only a SOCKS 5 client that presents it gets as far as its request.
    /// </summary>
    public static async Task<SocksRequest?> ReadRequestAsync(Stream stream, SocksCredential? required, CancellationToken cancellationToken)
    {
        var version = await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false);
        return version switch
        {
            4 when required == null => await ReadSocks4Async(stream, cancellationToken).ConfigureAwait(false),
            5 => await ReadSocks5Async(stream, required, cancellationToken).ConfigureAwait(false),
            _ => null,
        };
    }

    /// <summary>Tells the client whether its connection is open.</summary>
    public static Task ReplyAsync(Stream stream, SocksRequest request, bool succeeded, CancellationToken cancellationToken)
    {
        var reply = Reply(request, succeeded);
        return stream.WriteAsync(reply, 0, reply.Length, cancellationToken);
    }

    /// <summary>The answer that tells the client whether its connection is open.</summary>
    public static byte[] Reply(SocksRequest request, bool succeeded) => request.Version == 4
        ? new byte[] { 0, (byte)(succeeded ? 90 : 91), 0, 0, 0, 0, 0, 0 }
        : new byte[] { 5, succeeded ? (byte)0 : Socks5GeneralFailure, 0, 1, 0, 0, 0, 0, 0, 0 };

    private static async Task<SocksRequest?> ReadSocks4Async(Stream stream, CancellationToken cancellationToken)
    {
        var header = await ReadExactlyAsync(stream, 7, cancellationToken).ConfigureAwait(false);
        var command = header[0];
        var port = (header[1] << 8) | header[2];
        await ReadNullTerminatedAsync(stream, cancellationToken).ConfigureAwait(false); // user id, unused

        // SOCKS 4a: an address 0.0.0.x (x != 0) means a host name follows, to be resolved by the proxy.
        var host = header[3] == 0 && header[4] == 0 && header[5] == 0 && header[6] != 0
            ? await ReadNullTerminatedAsync(stream, cancellationToken).ConfigureAwait(false)
            : new IPAddress(new[] { header[3], header[4], header[5], header[6] }).ToString();
        var request = new SocksRequest(4, host, port);
        if (command != 1)
        {
            await ReplyAsync(stream, request, succeeded: false, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return request;
    }

    private static async Task<SocksRequest?> ReadSocks5Async(Stream stream, SocksCredential? required, CancellationToken cancellationToken)
    {
        var methodCount = await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false);
        var methods = await ReadExactlyAsync(stream, methodCount, cancellationToken).ConfigureAwait(false);
        var method = required == null ? NoAuthentication : UserNameAndPassword;
        var offered = Array.IndexOf(methods, method) >= 0;
        await stream.WriteAsync(new byte[] { 5, offered ? method : NoAcceptableMethod }, 0, 2, cancellationToken).ConfigureAwait(false);
        if (!offered || (required != null && !await AuthenticateAsync(stream, required, cancellationToken).ConfigureAwait(false)))
        {
            return null;
        }

        var header = await ReadExactlyAsync(stream, 4, cancellationToken).ConfigureAwait(false);
        string? host = header[3] switch
        {
            1 => new IPAddress(await ReadExactlyAsync(stream, 4, cancellationToken).ConfigureAwait(false)).ToString(),
            3 => Encoding.ASCII.GetString(await ReadExactlyAsync(stream, await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false)),
            4 => new IPAddress(await ReadExactlyAsync(stream, 16, cancellationToken).ConfigureAwait(false)).ToString(),
            _ => null,
        };
        if (host == null)
        {
            await WriteSocks5ErrorAsync(stream, Socks5AddressTypeNotSupported, cancellationToken).ConfigureAwait(false);
            return null;
        }

        var portBytes = await ReadExactlyAsync(stream, 2, cancellationToken).ConfigureAwait(false);
        if (header[0] != 5 || header[1] != 1)
        {
            await WriteSocks5ErrorAsync(stream, Socks5CommandNotSupported, cancellationToken).ConfigureAwait(false);
            return null;
        }

        return new SocksRequest(5, host, (portBytes[0] << 8) | portBytes[1]);
    }

    /// <summary>RFC 1929: version 1, the user name and the password, each with a length byte; status 0 admits.</summary>
    private static async Task<bool> AuthenticateAsync(Stream stream, SocksCredential required, CancellationToken cancellationToken)
    {
        var version = await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false);
        var userName = await ReadExactlyAsync(stream, await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var password = await ReadExactlyAsync(stream, await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        var admitted = version == 1 && required.Matches(userName, password);
        await stream.WriteAsync(new byte[] { 1, admitted ? (byte)0 : (byte)1 }, 0, 2, cancellationToken).ConfigureAwait(false);
        return admitted;
    }

    private static Task WriteSocks5ErrorAsync(Stream stream, byte code, CancellationToken cancellationToken) =>
        stream.WriteAsync(new byte[] { 5, code, 0, 1, 0, 0, 0, 0, 0, 0 }, 0, 10, cancellationToken);

    private static async Task<string> ReadNullTerminatedAsync(Stream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (true)
        {
            var c = await ReadByteAsync(stream, cancellationToken).ConfigureAwait(false);
            if (c == 0)
            {
                return text.ToString();
            }

            if (text.Length >= 255)
            {
                throw new InvalidDataException("A SOCKS 4 field is longer than 255 bytes.");
            }

            text.Append((char)c);
        }
    }

    private static async Task<byte> ReadByteAsync(Stream stream, CancellationToken cancellationToken) =>
        (await ReadExactlyAsync(stream, 1, cancellationToken).ConfigureAwait(false))[0];

    private static async Task<byte[]> ReadExactlyAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        var buffer = new byte[count];
        if (await StreamFill.FillAsync(stream, buffer, count, cancellationToken).ConfigureAwait(false) < count)
        {
            throw new EndOfStreamException("The SOCKS peer closed the connection in the middle of a request.");
        }

        return buffer;
    }
}
