using System;
using System.Linq;
using System.Management.Automation;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Lists the forwards of the current runspace that have not been stopped.</summary>
[Cmdlet(VerbsCommon.Get, "PortForward", DefaultParameterSetName = AllSet)]
[OutputType(typeof(PortForward))]
public sealed class GetPortForwardCommand : PSCmdlet
{
    private const string AllSet = "All";
    private const string IdSet = "Id";
    private const string SessionSet = "Session";

    /// <summary>Forward ids.</summary>
    [Parameter(Mandatory = true, Position = 0, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = Array.Empty<int>();

    /// <summary>Only the forwards that run over these sessions.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public JumpSession[] Session { get; set; } = Array.Empty<JumpSession>();

    protected override void ProcessRecord()
    {
        var forwards = SessionRegistry.Current.Forwards;
        switch (ParameterSetName)
        {
            case IdSet:
                WriteObject(SessionLookup.ById(forwards, Id, WriteError), enumerateCollection: true);
                break;
            case SessionSet:
                WriteObject(forwards.Where(f => Session.Any(s => ReferenceEquals(s, f.Session))), enumerateCollection: true);
                break;
            default:
                WriteObject(forwards, enumerateCollection: true);
                break;
        }
    }
}
