using System;
using System.Linq;
using System.Management.Automation;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Stops forwards and frees their ports at once; a one-shot forward's session closes with it.</summary>
[Cmdlet(VerbsLifecycle.Stop, "PortForward", DefaultParameterSetName = ForwardSet, SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class StopPortForwardCommand : PSCmdlet
{
    private const string ForwardSet = "Forward";
    private const string IdSet = "Id";

    /// <summary>The forwards to stop.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = ForwardSet)]
    [ValidateNotNull]
    public PortForward[] Forward { get; set; } = Array.Empty<PortForward>();

    /// <summary>Ids of the forwards to stop.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = Array.Empty<int>();

    protected override void ProcessRecord()
    {
        var registry = SessionRegistry.Current;
        var forwards = ParameterSetName == IdSet ? SessionLookup.ById(registry.Forwards, Id, WriteError) : Forward;
        foreach (var forward in forwards.Distinct())
        {
            var what = forward.OwnsSession ? $"{forward}, and the session it opened for itself" : forward.ToString();
            if (ShouldProcess(what, "Stop port forward"))
            {
                registry.Stop(forward);
            }
        }

        JumpCmdlet.ReportUnrecorded(this, registry.Audit);
    }
}
