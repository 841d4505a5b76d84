using System.Collections.Generic;
using System.Management.Automation;
using System.Threading.Tasks;
using JumpHost.Engine;
using JumpHost.Engine.Forwarding;
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

    /// <summary>Also starts the target's LocalForward, RemoteForward and DynamicForward lines from ssh_config.</summary>
    [Parameter]
    public SwitchParameter StartForwards { get; set; }

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
            var registry = SessionRegistry.Current;
            var session = registry.Add(connection, Name, Via);
            if (StartForwards)
            {
                var reporter = Reporter;
                var failures = new List<JumpHostException>();
                foreach (var engine in Await(Task.Run(() => ConfigForwards.Start(connection, reporter, failures.Add))))
                {
                    var forward = registry.AddForward(engine, session, ownsSession: false);
                    try
                    {
                        if (AuditTrail.ForwardStarted(registry.Audit, forward) is { } notRecorded)
                        {
                            failures.Add(notRecorded);
                        }
                    }
                    catch (JumpHostException)
                    {
                        // No audit, no access: the required log could not record the forward, so it does not run.
                        registry.Stop(forward);
                        throw;
                    }
                }

                Bridge.Drain();

                // The session first: it is open and usable even when some of its forwards failed.
                WriteObject(session);
                foreach (var failure in failures)
                {
                    WriteError(ToErrorRecord(failure, failure.Target));
                }

                return;
            }

            WriteObject(session);
        }
        catch (JumpHostException ex)
        {
            Bridge.Drain();
            ThrowTerminatingError(ToErrorRecord(ex, ex.Target ?? HostName));
        }
    }
}
