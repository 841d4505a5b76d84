using System.Linq;
using System.Management.Automation;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Lists the sessions of the current runspace.</summary>
[Cmdlet(VerbsCommon.Get, "JumpSession", DefaultParameterSetName = NameSet)]
[OutputType(typeof(JumpSession))]
public sealed class GetJumpSessionCommand : PSCmdlet
{
    private const string NameSet = "Name";
    private const string IdSet = "Id";

    /// <summary>Session names; wildcards are allowed. Default: every session.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[]? Name { get; set; }

    /// <summary>Session ids.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = System.Array.Empty<int>();

    protected override void ProcessRecord()
    {
        var sessions = SessionRegistry.Current.Sessions;
        var selected = ParameterSetName == IdSet
            ? SessionLookup.ById(sessions, Id, WriteError)
            : Name == null ? sessions : SessionLookup.ByName(sessions, Name, WriteError);
        foreach (var session in selected.Distinct())
        {
            WriteObject(session);
        }
    }
}
