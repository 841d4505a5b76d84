using System;
using System.Management.Automation;
using System.Net;
using System.Threading.Tasks;
using JumpHost.Engine;
using JumpHost.Engine.Forwarding;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Starts a local (-L), remote (-R) or dynamic SOCKS (-D) forward over a session, or a local one over a session of its own.</summary>
[Cmdlet(VerbsLifecycle.Start, "PortForward", DefaultParameterSetName = LocalSet)]
[OutputType(typeof(PortForward))]
public sealed class StartPortForwardCommand : JumpConnectionCmdlet
{
    private const string LocalSet = "Local";
    private const string RemoteSet = "Remote";
    private const string DynamicSet = "Dynamic";

    /// <summary>The session whose target the forward runs through.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = LocalSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = RemoteSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = DynamicSet)]
    [ValidateNotNull]
    public JumpSession? Session { get; set; }

    /// <summary>One-shot form: the SSH host to open a session to for this forward alone.</summary>
    [Parameter(Mandatory = true, ParameterSetName = HostNameSet)]
    [Parameter(Mandatory = true, ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Runtime.HostNameCompleter))]
    [Alias("ComputerName")]
    public string HostName { get; set; } = string.Empty;

    /// <summary>Carry connections from a port on the session's target back to this side (ssh -R).</summary>
    [Parameter(Mandatory = true, ParameterSetName = RemoteSet)]
    public SwitchParameter Remote { get; set; }

    /// <summary>A SOCKS 4/4a/5 proxy whose connections leave from the session's target (ssh -D).</summary>
    [Parameter(Mandatory = true, ParameterSetName = DynamicSet)]
    public SwitchParameter Dynamic { get; set; }

    /// <summary>The local port to listen on (0 takes a free one), or with -Remote the port of the local service.</summary>
    [Parameter(ParameterSetName = LocalSet)]
    [Parameter(ParameterSetName = DynamicSet)]
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [Parameter(Mandatory = true, ParameterSetName = RemoteSet)]
    [ValidateRange(0, 65535)]
    public int LocalPort { get; set; }

    /// <summary>The destination host, as the session's target resolves it. Default: localhost, the target itself.</summary>
    [Parameter(ParameterSetName = LocalSet)]
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    public string RemoteHost { get; set; } = "localhost";

    /// <summary>The destination port, or with -Remote the port the target listens on (0 lets it choose).</summary>
    [Parameter(Mandatory = true, ParameterSetName = LocalSet)]
    [Parameter(Mandatory = true, ParameterSetName = HostNameSet)]
    [Parameter(Mandatory = true, ParameterSetName = ViaSet)]
    [Parameter(Mandatory = true, ParameterSetName = RemoteSet)]
    [ValidateRange(0, 65535)]
    public int RemotePort { get; set; }

    /// <summary>The local address to listen on. Default 127.0.0.1; others need -AllowRemoteConnections.</summary>
    [Parameter(ParameterSetName = LocalSet)]
    [Parameter(ParameterSetName = DynamicSet)]
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    public string BindAddress { get; set; } = "127.0.0.1";

    /// <summary>With -Remote: the address the target listens on. Default 127.0.0.1; others need -AllowRemoteConnections.</summary>
    [Parameter(ParameterSetName = RemoteSet)]
    [ValidateNotNullOrEmpty]
    public string RemoteBindAddress { get; set; } = "127.0.0.1";

    /// <summary>With -Remote: the host that connections are carried to, as this computer resolves it. Default localhost.</summary>
    [Parameter(ParameterSetName = RemoteSet)]
    [ValidateNotNullOrEmpty]
    public string LocalHost { get; set; } = "localhost";

    /// <summary>Allows listening on an address other computers can reach (OpenSSH's GatewayPorts).</summary>
    [Parameter]
    public SwitchParameter AllowRemoteConnections { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            // Everything that can be checked here is checked before any hop is connected.
            var start = PrepareStart();
            var registry = SessionRegistry.Current;
            PortForward forward;
            if (Session != null)
            {
                var chain = Session.Connection is { IsHealthy: true } open ? open : throw SessionNotOpen(Session, "Start the forward over a session from New-JumpSession.");
                forward = registry.AddForward(Await(Task.Run(() => start(chain))), Session, ownsSession: false);
            }
            else
            {
                var connection = Await(PrepareChain(ResolveRoute(HostName))(StopToken));
                try
                {
                    var session = new JumpSession(0, HostName, connection, Via);
                    forward = registry.AddForward(Await(Task.Run(() => start(connection))), session, ownsSession: true);
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            }

            try
            {
                if (AuditTrail.ForwardStarted(registry.Audit, forward) is { } notRecorded)
                {
                    WriteError(ToErrorRecord(notRecorded, notRecorded.Target));
                }
            }
            catch (JumpHostException)
            {
                // No audit, no access: the required log could not record the forward, so it does not run.
                registry.Stop(forward);
                throw;
            }

            WarnIfReachableFromOtherComputers(forward);
            WriteObject(forward);
        }
        catch (JumpHostException ex)
        {
            Bridge.Drain();
            ThrowTerminatingError(ToErrorRecord(ex, ex.Target));
        }
    }

    /// <summary>Checks the addresses and ports, and returns how to start the forward on a chain.</summary>
    private Func<ConnectionChain, Forward> PrepareStart()
    {
        if (Remote)
        {
            RequirePort(LocalPort, nameof(LocalPort), "the port of the service on this computer");
            var remoteBind = Runtime.BindAddress.Parse(RemoteBindAddress, nameof(RemoteBindAddress));
            Runtime.BindAddress.CheckAllowed(remoteBind, AllowRemoteConnections, nameof(RemoteBindAddress));
            var (remotePort, localHost, localPort) = (RemotePort, LocalHost, LocalPort);
            return chain => RemoteForward.Start(chain, remoteBind, remotePort, localHost, localPort);
        }

        var bindAddress = Runtime.BindAddress.Parse(BindAddress, nameof(BindAddress));
        Runtime.BindAddress.CheckAllowed(bindAddress, AllowRemoteConnections, nameof(BindAddress));
        var bind = new IPEndPoint(bindAddress, LocalPort);
        if (Dynamic)
        {
            return chain => ChannelForward.StartDynamic(chain, bind);
        }

        RequirePort(RemotePort, nameof(RemotePort), "the destination's port");
        var (remoteHost, destinationPort) = (RemoteHost, RemotePort);
        return chain => ChannelForward.StartLocal(chain, bind, remoteHost, destinationPort);
    }

    private static void RequirePort(int port, string parameterName, string what)
    {
        if (port == 0)
        {
            throw new JumpHostException(JumpErrorIds.InvalidPort, JumpErrorKind.InvalidArgument,
                $"-{parameterName} is {what}: give a port from 1 to 65535.");
        }
    }

    private void WarnIfReachableFromOtherComputers(PortForward forward)
    {
        var (address, where) = Remote
            ? (RemoteBindAddress, $"{forward.RemoteEndpoint} on {forward.Session.HostName}")
            : (BindAddress, forward.LocalEndpoint);
        if (!IPAddress.IsLoopback(Runtime.BindAddress.Parse(address, string.Empty)))
        {
            WriteWarning($"The forward listens on {where}: other computers that can reach it can use it to connect through the session.");
        }
    }
}
