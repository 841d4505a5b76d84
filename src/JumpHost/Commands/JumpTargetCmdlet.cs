using System.Management.Automation;

namespace JumpHost.Commands;

/// <summary>A connection cmdlet whose first positional parameter is the SSH host it is about (New-JumpSession, Get-JumpHostKey).</summary>
public abstract class JumpTargetCmdlet : JumpConnectionCmdlet
{
    /// <summary>The target: host, user@host, host:port or user@host:port.</summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = HostNameSet)]
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    [ArgumentCompleter(typeof(Runtime.HostNameCompleter))]
    [Alias("ComputerName")]
    public string HostName { get; set; } = string.Empty;
}
