using System.Linq;
using System.Management.Automation;
using JumpHost.Engine;

namespace JumpHost.Commands;

/// <summary>Shows how a session would be opened: every hop as ssh_config and the parameters resolve it, connecting nowhere.</summary>
[Cmdlet(VerbsDiagnostic.Resolve, "JumpHost", DefaultParameterSetName = HostNameSet)]
[OutputType(typeof(JumpHopPlan))]
public sealed class ResolveJumpHostCommand : JumpTargetCmdlet
{
    protected override void ProcessRecord()
    {
        try
        {
            var route = ResolveRoute(HostName);
            for (var i = 0; i < route.Count; i++)
            {
                WriteObject(ToPlan(i + 1, route[i], isTarget: i == route.Count - 1));
            }
        }
        catch (JumpHostException ex)
        {
            WriteError(ToErrorRecord(ex, ex.Target ?? HostName));
        }
    }

    internal static JumpHopPlan ToPlan(int index, HopTarget hop, bool isTarget)
    {
        var config = hop.Config;
        var forwards = isTarget && config != null
            ? config.LocalForwards.Concat(config.RemoteForwards).Select(f => f.Value.ToString()).ToArray()
            : System.Array.Empty<string>();
        return new JumpHopPlan(
            index,
            hop.Name,
            hop.Host,
            hop.Port,
            hop.User,
            hop.Authentication.KeyFiles.Concat(hop.Authentication.ConfigIdentityFiles).Distinct().ToArray(),
            hop.Authentication.CertificateFiles.ToArray(),
            hop.Authentication.IdentitiesOnly,
            hop.Authentication.IdentityAgent,
            hop.HostKeys.UserFiles.ToArray(),
            hop.HostKeys.GlobalFiles.ToArray(),
            hop.HostKeys.Policy,
            hop.HostKeyAlias,
            hop.HostKeys.HashNewEntries,
            hop.ConnectTimeout,
            hop.KeepAliveInterval,
            forwards,
            hop.Origins);
    }
}
