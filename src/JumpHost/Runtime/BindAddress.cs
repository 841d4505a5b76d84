using System;
using System.Net;
using JumpHost.Engine;

namespace JumpHost.Runtime;

/// <summary>Parses -BindAddress and -RemoteBindAddress, and keeps forwards on loopback unless told otherwise.</summary>
internal static class BindAddress
{
    /// <summary>An IP address, "localhost" (loopback) or "*" (every address).</summary>
    public static IPAddress Parse(string text, string parameterName)
    {
        var value = text.Trim();
        if (string.Equals(value, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            return IPAddress.Loopback;
        }

        if (value == "*")
        {
            return IPAddress.Any;
        }

        if (IPAddress.TryParse(value.Trim('[', ']'), out var address))
        {
            return address;
        }

        throw new JumpHostException(JumpErrorIds.InvalidBindAddress, JumpErrorKind.InvalidArgument,
            $"'{text}' is not an address to listen on. Give -{parameterName} an IP address (127.0.0.1, ::1, 192.0.2.10), localhost, or * for every address.");
    }

    /// <summary>Refuses a non-loopback address unless the caller allowed remote connections (OpenSSH's GatewayPorts).</summary>
    public static void CheckAllowed(IPAddress address, bool allowRemoteConnections, string parameterName)
    {
        if (!IPAddress.IsLoopback(address) && !allowRemoteConnections)
        {
            throw new JumpHostException(JumpErrorIds.NonLoopbackBindRefused, JumpErrorKind.InvalidArgument,
                $"-{parameterName} {address} would let other computers connect to the forward and reach the far side of the session through it. " +
                "Forwards listen on loopback only unless you add -AllowRemoteConnections (OpenSSH's GatewayPorts).");
        }
    }
}
