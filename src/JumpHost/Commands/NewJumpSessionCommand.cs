using System.Management.Automation;
using JumpHost.Engine;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Opens an SSH session to a target through zero or more jump hosts.</summary>
[Cmdlet(VerbsCommon.New, "JumpSession", DefaultParameterSetName = HostNameSet, SupportsShouldProcess = true)]
[OutputType(typeof(JumpSession))]
public sealed class NewJumpSessionCommand : JumpTargetCmdlet
{
    /// <summary>A friendly name for Get-JumpSession -Name. Default: the target host name.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? Name { get; set; }

    protected override void ProcessRecord()
    {
        try
        {
            var route = ResolveRoute(HostName);
            if (!ShouldProcess(DescribeRoute(route), "Open SSH session"))
            {
                return;
            }

            var connection = Await(PrepareChain(route)(StopToken));
            WriteObject(SessionRegistry.Current.Add(connection, Name, Via));
        }
        catch (JumpHostException ex)
        {
            Bridge.Drain();
            ThrowTerminatingError(ToErrorRecord(ex, ex.Target ?? HostName));
        }
    }
}
