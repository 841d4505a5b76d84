using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using JumpHost.Engine;
using JumpHost.Engine.Transfer;
using Renci.SshNet.Common;
using Renci.SshNet.Sftp;

namespace JumpHost.Commands;

/// <summary>Lists files and folders on a session's target over SFTP, as objects.</summary>
[Cmdlet(VerbsCommon.Get, "JumpChildItem")]
[OutputType(typeof(JumpRemoteItem))]
public sealed class GetJumpChildItemCommand : JumpCmdlet
{
    private const int MaxDepth = 64;

    /// <summary>Remote paths: a folder lists its contents; wildcards (* and ?) may stand in the last part. Default: the home folder.</summary>
    [Parameter(Position = 0)]
    [SupportsWildcards]
    [ValidateNotNullOrEmpty]
    public string[] Path { get; set; } = { "." };

    /// <summary>The session whose target to list.</summary>
    [Parameter(Mandatory = true, ValueFromPipeline = true)]
    [ValidateNotNull]
    public JumpSession? Session { get; set; }

    /// <summary>Also lists the contents of sub-folders (symbolic links to folders are not followed).</summary>
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    protected override void ProcessRecord()
    {
        if (Session!.Connection is not { IsHealthy: true } connection)
        {
            WriteError(ToErrorRecord(SessionNotOpen(Session, "List over a session from New-JumpSession."), Session));
            return;
        }

        SessionSftp sftp;
        try
        {
            sftp = SessionSftp.Open(connection.Target);
        }
        catch (JumpHostException ex)
        {
            WriteError(ToErrorRecord(ex, ex.Target));
            return;
        }

        using (sftp)
        {
            foreach (var path in Path)
            {
                try
                {
                    foreach (var item in List(sftp, path))
                    {
                        WriteObject(new JumpRemoteItem(item.Name, item.FullName, item.Length, Modes.Describe(item), item.LastWriteTime, item.IsDirectory, item.IsSymbolicLink));
                    }
                }
                catch (SftpPathNotFoundException ex)
                {
                    WriteError(ToErrorRecord(new JumpHostException(JumpErrorIds.SourceNotFound, JumpErrorKind.NotFound, $"'{path}' does not exist on {Session.HostName}.", path, ex), path));
                }
                catch (SftpPermissionDeniedException ex)
                {
                    WriteError(ToErrorRecord(new JumpHostException(JumpErrorIds.RemotePermissionDenied, JumpErrorKind.PermissionDenied, $"{Session.HostName} refused to list '{path}'.", path, ex), path));
                }
            }
        }
    }

    private IEnumerable<ISftpFile> List(SessionSftp sftp, string path)
    {
        var client = sftp.Client;
        var full = RemotePath.Resolve(client.WorkingDirectory, path).TrimEnd('/');
        if (RemotePath.HasWildcard(RemotePath.Name(full)))
        {
            return Entries(client, RemotePath.Parent(full), 0).Where(e => RemotePath.Matches(e.Name, RemotePath.Name(full)));
        }

        var item = client.Get(full.Length == 0 ? "/" : full);
        return item.IsDirectory ? Entries(client, item.FullName, 0) : new[] { item };
    }

    private IEnumerable<ISftpFile> Entries(Renci.SshNet.SftpClient client, string directory, int depth)
    {
        foreach (var entry in ListFolder(client, directory, depth))
        {
            yield return entry;
            if (Recurse && entry.IsDirectory && !entry.IsSymbolicLink && depth < MaxDepth)
            {
                foreach (var child in Entries(client, entry.FullName, depth + 1))
                {
                    yield return child;
                }
            }
        }
    }

    /// <summary>A sub-folder the server will not list is an error of its own; the rest of the listing goes on.</summary>
    private IEnumerable<ISftpFile> ListFolder(Renci.SshNet.SftpClient client, string directory, int depth)
    {
        try
        {
            return RemoteFolder.Entries(client, directory);
        }
        catch (SftpPermissionDeniedException ex) when (depth > 0)
        {
            WriteError(ToErrorRecord(new JumpHostException(JumpErrorIds.RemotePermissionDenied, JumpErrorKind.PermissionDenied,
                $"{Session!.HostName} refused to list '{directory}'; the other folders are listed.", directory, ex), directory));
            return Enumerable.Empty<ISftpFile>();
        }
    }
}
