using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine;
using JumpHost.Engine.Audit;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Runs a command on one or many sessions (in parallel up to -ThrottleLimit), or on an ad-hoc session.</summary>
[Cmdlet(VerbsLifecycle.Invoke, "JumpCommand", DefaultParameterSetName = SessionSet)]
[OutputType(typeof(JumpCommandResult))]
public sealed class InvokeJumpCommandCommand : JumpConnectionCmdlet
{
    private const string SessionSet = "Session";

    private readonly List<Task> _running = new();
    private SemaphoreSlim? _throttle;
    private AuditLog? _audit;

    /// <summary>The target of an ad-hoc session: host, user@host, host:port or user@host:port.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = HostNameSet)]
    [Parameter(Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Runtime.HostNameCompleter))]
    [Alias("ComputerName")]
    public string HostName { get; set; } = string.Empty;

    /// <summary>The sessions to run the command on.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true, ParameterSetName = SessionSet)]
    [ValidateNotNull]
    public JumpSession[] Session { get; set; } = Array.Empty<JumpSession>();

    /// <summary>The command line, run by the login shell of the remote user, as ssh runs it.</summary>
    [Parameter(Mandatory = true, Position = 0)]
    [ValidateNotNullOrEmpty]
    public string Command { get; set; } = string.Empty;

    /// <summary>Seconds the command may run before it is stopped. Default: no limit.</summary>
    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Timeout { get; set; }

    /// <summary>How many sessions run the command at the same time. Default 32.</summary>
    [Parameter]
    [ValidateRange(1, 1024)]
    public int ThrottleLimit { get; set; } = 32;

    protected override void BeginProcessing()
    {
        _throttle = new SemaphoreSlim(ThrottleLimit);
        _audit = SessionRegistry.Current.Audit;
    }

    protected override void ProcessRecord()
    {
        if (ParameterSetName == SessionSet)
        {
            foreach (var session in Session)
            {
                Start(session, () => RunOnSessionAsync(session));
            }
        }
        else
        {
            Func<CancellationToken, Task<ConnectionChain>> openChain;
            try
            {
                openChain = PrepareChain(ResolveRoute(HostName));
            }
            catch (JumpHostException ex)
            {
                WriteError(ToErrorRecord(ex, HostName));
                return;
            }

            Start(HostName, () => RunAdHocAsync(openChain));
        }

        // Results that are ready go out now; the rest in EndProcessing.
        Bridge.Drain();
    }

    protected override void EndProcessing()
    {
        Await(Task.WhenAll(_running));
        _throttle?.Dispose();
        ReportUnrecorded(this, _audit!);
    }

    private void Start(object target, Func<Task<JumpCommandResult>> work)
    {
        var throttle = _throttle!;
        var stopping = StopToken;
        _running.Add(Task.Run(async () =>
        {
            try
            {
                await throttle.WaitAsync(stopping).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                var result = await work().ConfigureAwait(false);
                Bridge.Post(() => WriteObject(result));
            }
            catch (JumpHostException ex)
            {
                Bridge.Post(() => WriteError(ToErrorRecord(ex, target)));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                // Ctrl+C: the pipeline is stopping and reports that itself.
            }
            catch (Exception ex)
            {
                // One host's unexpected failure must not end the others' work.
                Bridge.Post(() => WriteError(new ErrorRecord(ex, "CommandFailed", ErrorCategory.NotSpecified, target)));
            }
            finally
            {
                throttle.Release();
            }
        }));
    }

    private async Task<JumpCommandResult> RunOnSessionAsync(JumpSession session)
    {
        if (session.Connection == null)
        {
            throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
                $"Session {session} has no connection (it was built, not opened). Pass a session from New-JumpSession.");
        }

        return await RunAsync(session.Connection, session).ConfigureAwait(false);
    }

    private async Task<JumpCommandResult> RunAdHocAsync(Func<CancellationToken, Task<ConnectionChain>> openChain)
    {
        var connection = await openChain(StopToken).ConfigureAwait(false);
        try
        {
            // Not registered: the session lives only for this command, and its object shows Closed afterwards.
            var session = new JumpSession(0, connection.Target.Target.Name, connection, Via);
            return await RunAsync(connection, session).ConfigureAwait(false);
        }
        finally
        {
            connection.Close(AuditReasons.CommandFinished);
        }
    }

    /// <summary>Runs the command and records it: text, exit status, duration and output sizes, or why it failed.</summary>
    private async Task<JumpCommandResult> RunAsync(ConnectionChain connection, JumpSession session)
    {
        var audit = _audit!;

        // No audit, no access: a required log that cannot be written refuses the command before it runs.
        if (audit.Settings.Required)
        {
            audit.Check();
        }

        var commandId = AuditIds.New();
        var clock = Stopwatch.StartNew();
        CommandOutcome outcome;
        try
        {
            outcome = await RemoteCommand.RunAsync(connection, Command, CommandTimeout, StopToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is JumpHostException || ex is OperationCanceledException)
        {
            RecordAudit(audit, AuditEvents.Command(connection.Trace.Context, commandId, Command, null, ex, clock.Elapsed));
            throw;
        }

        RecordAudit(audit, AuditEvents.Command(connection.Trace.Context, commandId, Command, outcome, null, clock.Elapsed));
        return ToResult(session, outcome);
    }

    private TimeSpan? CommandTimeout => Timeout > 0 ? TimeSpan.FromSeconds(Timeout) : null;

    private JumpCommandResult ToResult(JumpSession session, CommandOutcome outcome) =>
        new(session, Command, outcome.ExitStatus, outcome.ExitSignal, outcome.Output, outcome.Error, outcome.StartTime, outcome.Duration);
}
