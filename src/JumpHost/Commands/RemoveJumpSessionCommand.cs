using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Closes sessions: every hop of their chains, and the sessions opened through them.</summary>
[Cmdlet(VerbsCommon.Remove, "JumpSession", DefaultParameterSetName = SessionSet, SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveJumpSessionCommand : PSCmdlet
{
    private const string SessionSet = "Session";
    private const string IdSet = "Id";
    private const string NameSet = "Name";

    /// <summary>The sessions to close.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public JumpSession[] Session { get; set; } = System.Array.Empty<JumpSession>();

    /// <summary>Ids of the sessions to close.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet)]
    public int[] Id { get; set; } = System.Array.Empty<int>();

    /// <summary>Names of the sessions to close; wildcards are allowed.</summary>
    [Parameter(Mandatory = true, ParameterSetName = NameSet)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Name { get; set; } = System.Array.Empty<string>();

    protected override void ProcessRecord()
    {
        var registry = SessionRegistry.Current;
        foreach (var session in Resolve(registry.Sessions).Distinct())
        {
            // Already closed, e.g. with a session it was opened through earlier in this pipeline.
            if (session.State == JumpSessionState.Closed && session.Connection != null)
            {
                continue;
            }

            var dependents = registry.Sessions.Where(s => DependsOn(s, session)).ToList();
            var target = dependents.Count == 0
                ? session.ToString()
                : $"{session}, and the {dependents.Count} session(s) opened through it: {string.Join(", ", dependents)}";
            if (!ShouldProcess(target, "Close SSH session"))
            {
                continue;
            }

            foreach (var dependent in dependents)
            {
                WriteVerbose($"Session {dependent} was opened through {session} and is closed with it.");
            }

            foreach (var forward in registry.Forwards.Where(f => f.Session == session || dependents.Contains(f.Session)))
            {
                WriteVerbose($"Forward {forward} runs over {forward.Session} and stops with it.");
            }

            registry.Remove(session);
        }

        JumpCmdlet.ReportUnrecorded(this, registry.Audit);
    }

    private IEnumerable<JumpSession> Resolve(IReadOnlyList<JumpSession> sessions) => ParameterSetName switch
    {
        IdSet => SessionLookup.ById(sessions, Id, WriteError),
        NameSet => SessionLookup.ByName(sessions, Name, WriteError),
        _ => Session,
    };

    private static bool DependsOn(JumpSession candidate, JumpSession session)
    {
        for (var via = candidate.Via; via != null; via = via.Via)
        {
            if (ReferenceEquals(via, session))
            {
                return true;
            }
        }

        return false;
    }
}
