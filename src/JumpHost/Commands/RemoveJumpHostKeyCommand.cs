using System;
using System.IO;
using System.Management.Automation;
using JumpHost.Engine;

namespace JumpHost.Commands;

/// <summary>Removes a host's keys from a known_hosts file, like ssh-keygen -R (plain and hashed entries).</summary>
[Cmdlet(VerbsCommon.Remove, "JumpHostKey", SupportsShouldProcess = true)]
[OutputType(typeof(void))]
public sealed class RemoveJumpHostKeyCommand : JumpCmdlet
{
    /// <summary>The hosts whose keys to remove: host, host:port or [host]:port.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    [Alias("ComputerName")]
    public string[] HostName { get; set; } = Array.Empty<string>();

    /// <summary>The port, for host names that give none. Default 22.</summary>
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = HopAddress.DefaultPort;

    /// <summary>The known_hosts file to change. Default: ~/.ssh/known_hosts.</summary>
    [Parameter]
    [ValidateNotNullOrEmpty]
    public string? KnownHostsFile { get; set; }

    protected override void ProcessRecord()
    {
        var file = KnownHostsFile != null
            ? GetUnresolvedProviderPathFromPSPath(KnownHostsFile)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        foreach (var host in HostName)
        {
            try
            {
                var address = HopAddress.Parse(host);
                var name = Engine.KnownHostsFile.HostKeyName(address.Host, address.Port ?? Port);
                if (!ShouldProcess($"{name} in {file}", "Remove host keys"))
                {
                    continue;
                }

                var removed = Engine.KnownHostsFile.Remove(file, name);
                WriteVerbose(removed.Count == 0
                    ? $"{file} lists no key for {name}."
                    : $"Removed {removed.Count} line(s) for {name} from {file}; the previous file is {file}.old.");
                foreach (var entry in removed)
                {
                    WriteVerbose($"Removed line {entry.Line}: {SshKeyBlob.DisplayType(entry.KeyType)} {SshKeyBlob.Sha256Fingerprint(entry.Key)}.");
                }
            }
            catch (JumpHostException ex)
            {
                WriteError(ToErrorRecord(ex, host));
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                WriteError(ToErrorRecord(new JumpHostException(JumpErrorIds.KnownHostsWriteFailed, JumpErrorKind.WriteError,
                    $"{file} could not be changed: {ex.Message}", file, ex), host));
            }
        }
    }
}
