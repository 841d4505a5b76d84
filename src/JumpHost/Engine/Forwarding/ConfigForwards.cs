using System;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using JumpHost.Engine.Config;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// Starts the LocalForward, RemoteForward and DynamicForward lines of the target's ssh_config entry on an open
/// chain, as ssh starts them with the session. Forwards stay on loopback: a line naming another address (or *)
/// is bound to loopback and reported, since widening it is Start-PortForward -AllowRemoteConnections' choice.
/// </summary>
internal static class ConfigForwards
{
    /// <summary>Starts each forward; one that fails is reported and the others still start.</summary>
    public static IReadOnlyList<Forward> Start(ConnectionChain chain, ConnectReporter reporter, Action<JumpHostException> failed)
    {
        var started = new List<Forward>();
        var config = chain.Target.Target.Config;
        if (config == null)
        {
            return started;
        }

        foreach (var line in config.LocalForwards.Concat(config.RemoteForwards))
        {
            var forward = line.Value;
            try
            {
                if (forward.ListenPath != null || forward.ConnectPath != null || (forward.Kind == SshForwardKind.Remote && forward.IsDynamic))
                {
                    throw new JumpHostException(JumpErrorIds.ForwardFailed, JumpErrorKind.InvalidArgument,
                        $"{forward} ({line.Origin}) is not started: Unix socket forwards and remote SOCKS forwards are not supported.", line.Origin.ToString());
                }

                var address = Loopback(forward, line.Origin, reporter);
                started.Add(forward.Kind == SshForwardKind.Remote
                    ? RemoteForward.Start(chain, address, forward.ListenPort, forward.ConnectHost!, forward.ConnectPort)
                    : forward.IsDynamic
                        ? ChannelForward.StartDynamic(chain, new IPEndPoint(address, forward.ListenPort))
                        : ChannelForward.StartLocal(chain, new IPEndPoint(address, forward.ListenPort), forward.ConnectHost!, forward.ConnectPort));
                reporter.Verbose($"Started {forward} ({line.Origin}).");
            }
            catch (JumpHostException ex)
            {
                failed(ex);
            }
        }

        return started;
    }

    private static IPAddress Loopback(SshForward forward, SshConfigOrigin origin, ConnectReporter reporter)
    {
        if (forward.ListenHost == null || forward.ListenHost == "localhost")
        {
            return IPAddress.Loopback;
        }

        if (IPAddress.TryParse(forward.ListenHost, out var address) && IPAddress.IsLoopback(address))
        {
            return address;
        }

        reporter.Warning($"{forward} ({origin}) asks to listen on {forward.ListenHost}: it listens on loopback instead. " +
            "To let other computers use it, start it with Start-PortForward -AllowRemoteConnections.");
        return IPAddress.Loopback;
    }
}
