using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using JumpHost.Engine;
using JumpHost.Engine.Audit;
using JumpHost.Engine.Transfer;
using JumpHost.Runtime;

namespace JumpHost.Commands;

/// <summary>Copies files and folders to (-ToSession) or from (-FromSession) a session's target over SFTP, through its jump hosts.</summary>
[Cmdlet(VerbsCommon.Copy, "JumpItem", DefaultParameterSetName = ToSessionSet, SupportsShouldProcess = true)]
[OutputType(typeof(JumpTransfer))]
public sealed class CopyJumpItemCommand : JumpCmdlet
{
    private const string ToSessionSet = "ToSession";
    private const string FromSessionSet = "FromSession";
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromMilliseconds(250);

    private readonly List<string> _paths = new();

    /// <summary>What to copy: local paths (wildcards) to upload, or remote paths (wildcards in the last part) to download.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    [Alias("FullName")]
    public string[] Path { get; set; } = Array.Empty<string>();

    /// <summary>Where to: a remote folder or file name (upload), or a local one (download).</summary>
    [Parameter(Mandatory = true, Position = 1)]
    [ValidateNotNullOrEmpty]
    public string Destination { get; set; } = string.Empty;

    /// <summary>Upload to this session's target.</summary>
    [Parameter(Mandatory = true, ParameterSetName = ToSessionSet)]
    [ValidateNotNull]
    public JumpSession? ToSession { get; set; }

    /// <summary>Download from this session's target.</summary>
    [Parameter(Mandatory = true, ParameterSetName = FromSessionSet)]
    [ValidateNotNull]
    public JumpSession? FromSession { get; set; }

    /// <summary>Copies folders and everything in them.</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    /// <summary>Overwrites files that exist at the destination.</summary>
    [Parameter]
    public SwitchParameter Force { get; set; }

    /// <summary>Returns a record for each file copied.</summary>
    [Parameter]
    public SwitchParameter PassThru { get; set; }

    /// <summary>Computes SHA-256 on both sides after each file and fails the file when they differ.</summary>
    [Parameter]
    public SwitchParameter Verify { get; set; }

    /// <summary>Continues a partial copy a cut -Resume copy left, and keeps the partial file if this copy is cut too.</summary>
    [Parameter]
    public SwitchParameter Resume { get; set; }

    private bool Uploading => ParameterSetName == ToSessionSet;

    protected override void ProcessRecord()
    {
        _paths.AddRange(Path);
    }

    protected override void EndProcessing()
    {
        var session = (Uploading ? ToSession : FromSession)!;
        if (session.Connection is not { IsHealthy: true } connection)
        {
            ThrowTerminatingError(ToErrorRecord(SessionNotOpen(session, "Copy over a session from New-JumpSession."), session));
            return;
        }

        // No audit, no access: a required log that cannot be written refuses the copy before it starts.
        var audit = SessionRegistry.Current.Audit;
        if (audit.Settings.Required)
        {
            try
            {
                audit.Check();
            }
            catch (JumpHostException ex)
            {
                ThrowTerminatingError(ToErrorRecord(ex, ex.Target));
            }
        }

        using var sftp = OpenSftp(connection);
        var sources = Uploading ? ResolveLocalSources() : _paths.Select(p => RemoteFullPath(sftp, p)).ToList();
        if (sources.Count == 0)
        {
            return;
        }

        TransferPlan plan;
        try
        {
            var destination = Uploading ? RemoteFullPath(sftp, Destination) : GetUnresolvedProviderPathFromPSPath(Destination);
            plan = Await(Task.Run(() => Uploading
                ? TransferPlan.ForUpload(sftp.Client, sources, destination, Recurse)
                : TransferPlan.ForDownload(sftp.Client, sources, destination, Recurse)));
        }
        catch (JumpHostException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, ex.Target));
            return;
        }

        foreach (var skipped in plan.Skipped)
        {
            WriteError(ToErrorRecord(skipped, skipped.Target));
        }

        var files = plan.Files.Where(f => ShouldProcess($"{f.Source} -> {f.Destination}", Uploading ? "Upload file" : "Download file")).ToList();
        // A tree of empty folders is copied too: its folders are all there is to create.
        if (files.Count > 0 || (plan.Directories.Count > 0 && ShouldProcess(Destination, Uploading ? "Create remote folders" : "Create folders")))
        {
            Copy(connection, sftp, audit, plan.Directories, files);
        }
    }

    private void Copy(ConnectionChain connection, SessionSftp sftp, AuditLog audit, IReadOnlyList<string> directories, IReadOnlyList<PlannedFile> files)
    {
        var options = new CopyOptions(Force, Resume, Verify);
        var total = files.Sum(f => f.Length);
        var progress = new TransferProgressReporter(this, total);
        Await(Task.Run(async () =>
        {
            foreach (var directory in directories)
            {
                try
                {
                    if (Uploading)
                    {
                        await FileCopier.CreateRemoteDirectoryAsync(sftp.Client, directory).ConfigureAwait(false);
                    }
                    else
                    {
                        System.IO.Directory.CreateDirectory(directory);
                    }
                }
                catch (JumpHostException ex)
                {
                    Bridge.Post(() => WriteError(ToErrorRecord(ex, directory)));
                }
            }

            var direction = Uploading ? TransferDirection.Upload : TransferDirection.Download;
            void Audit(PlannedFile file, CopyOutcome? outcome, TimeSpan elapsed, Exception? error) => RecordAudit(audit,
                AuditEvents.Transfer(connection.Trace.Context, direction, file.Source, file.Destination, file.Length, outcome?.Sha256, elapsed, error));

            foreach (var file in files)
            {
                StopToken.ThrowIfCancellationRequested();
                var clock = Stopwatch.StartNew();
                try
                {
                    var outcome = Uploading
                        ? await FileCopier.UploadAsync(sftp.Client, connection.Target.Client, file, options, done => progress.Report(file, done), StopToken).ConfigureAwait(false)
                        : await FileCopier.DownloadAsync(sftp.Client, connection.Target.Client, file, options, done => progress.Report(file, done), StopToken).ConfigureAwait(false);
                    progress.Finished(file);
                    Audit(file, outcome, outcome.Duration, null);
                    if (PassThru)
                    {
                        var record = new JumpTransfer(Uploading ? JumpTransferDirection.Upload : JumpTransferDirection.Download,
                            file.Source, file.Destination, file.Length, outcome.Duration, outcome.ResumedFrom, outcome.Sha256);
                        Bridge.Post(() => WriteObject(record));
                    }
                }
                catch (JumpHostException ex)
                {
                    // One file's failure does not stop the others.
                    progress.Finished(file);
                    Audit(file, null, clock.Elapsed, ex);
                    Bridge.Post(() => WriteError(ToErrorRecord(ex, file.Source)));
                }
                catch (System.IO.IOException ex)
                {
                    progress.Finished(file);
                    var error = new JumpHostException(JumpErrorIds.TransferFailed, JumpErrorKind.WriteError, $"'{file.Destination}' could not be written: {ex.Message}", file.Destination, ex);
                    Audit(file, null, clock.Elapsed, error);
                    Bridge.Post(() => WriteError(ToErrorRecord(error, file.Destination)));
                }
                catch (OperationCanceledException ex)
                {
                    Audit(file, null, clock.Elapsed, ex);
                    throw;
                }
            }

            progress.Complete();
        }));
    }

    private SessionSftp OpenSftp(ConnectionChain connection)
    {
        try
        {
            return SessionSftp.Open(connection.Target);
        }
        catch (JumpHostException ex)
        {
            ThrowTerminatingError(ToErrorRecord(ex, ex.Target));
            throw;
        }
    }

    /// <summary>Local sources as PowerShell resolves them (wildcards, the current location); a path that matches nothing is an error.</summary>
    private List<string> ResolveLocalSources()
    {
        var resolved = new List<string>();
        foreach (var path in _paths)
        {
            try
            {
                resolved.AddRange(GetResolvedProviderPathFromPSPath(path, out var provider)
                    .Where(_ => provider.Name == "FileSystem"));
            }
            catch (ItemNotFoundException ex)
            {
                WriteError(ToErrorRecord(new JumpHostException(JumpErrorIds.SourceNotFound, JumpErrorKind.NotFound,
                    $"'{path}' does not exist here: {ex.Message}", path, ex), path));
            }
        }

        return resolved;
    }

    private static string RemoteFullPath(SessionSftp sftp, string path) => RemotePath.Resolve(sftp.Client.WorkingDirectory, path);

    /// <summary>Progress per file and overall, written at most four times a second on the pipeline thread.</summary>
    private sealed class TransferProgressReporter
    {
        private readonly CopyJumpItemCommand _command;
        private readonly long _total;
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private readonly object _gate = new();
        private long _finished;
        private TimeSpan _nextWrite = TimeSpan.Zero;

        public TransferProgressReporter(CopyJumpItemCommand command, long total)
        {
            _command = command;
            _total = total;
        }

        public void Report(PlannedFile file, long done)
        {
            lock (_gate)
            {
                if (_clock.Elapsed < _nextWrite)
                {
                    return;
                }

                _nextWrite = _clock.Elapsed + ProgressInterval;
                var overall = _finished + done;
                var rate = overall / Math.Max(_clock.Elapsed.TotalSeconds, 0.001);
                var remaining = rate > 0 ? (int)((_total - overall) / rate) : -1;
                var activity = _command.Uploading ? "Uploading" : "Downloading";
                var all = new ProgressRecord(0, activity, $"{Size(overall)} of {Size(_total)} at {Size((long)rate)}/s")
                {
                    PercentComplete = _total == 0 ? 100 : (int)(100 * overall / _total),
                    SecondsRemaining = remaining,
                };
                var one = new ProgressRecord(1, file.Source, $"{Size(done)} of {Size(file.Length)}")
                {
                    ParentActivityId = 0,
                    PercentComplete = file.Length == 0 ? 100 : (int)(100 * Math.Min(done, file.Length) / file.Length),
                };
                _command.Bridge.Post(() =>
                {
                    _command.WriteProgress(all);
                    _command.WriteProgress(one);
                });
            }
        }

        public void Finished(PlannedFile file)
        {
            lock (_gate)
            {
                _finished += file.Length;
            }
        }

        public void Complete()
        {
            var activity = _command.Uploading ? "Uploading" : "Downloading";
            _command.Bridge.Post(() =>
            {
                _command.WriteProgress(new ProgressRecord(1, activity, "Done") { ParentActivityId = 0, RecordType = ProgressRecordType.Completed });
                _command.WriteProgress(new ProgressRecord(0, activity, "Done") { RecordType = ProgressRecordType.Completed });
            });
        }

        private static string Size(long bytes) =>
            bytes >= 1 << 30 ? $"{bytes / (double)(1 << 30):0.0} GiB" : bytes >= 1 << 20 ? $"{bytes / (double)(1 << 20):0.0} MiB" : $"{bytes / 1024.0:0.0} KiB";
    }
}
