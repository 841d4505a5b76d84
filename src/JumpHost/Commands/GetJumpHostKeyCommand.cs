using System;
using System.Linq;
using System.Management.Automation;
using JumpHost.Engine;

namespace JumpHost.Commands;

/// <summary>Fetches a server's host keys without logging in (like ssh-keyscan), directly or through jump hosts.</summary>
[Cmdlet(VerbsCommon.Get, "JumpHostKey", DefaultParameterSetName = HostNameSet)]
[OutputType(typeof(JumpHostKey))]
public sealed class GetJumpHostKeyCommand : JumpTargetCmdlet
{
    /// <summary>The key types to fetch. Default: ed25519, ecdsa and rsa.</summary>
    [Parameter]
    [ValidateSet("ed25519", "ecdsa", "rsa")]
    public string[] KeyType { get; set; } = { "ed25519", "ecdsa", "rsa" };

    protected override void ProcessRecord()
    {
        try
        {
            var route = ResolveRoute(HostName);
            var target = route[route.Count - 1];
            var jumpHosts = route.Take(route.Count - 1).ToList();
            var chain = jumpHosts.Count > 0 ? Await(PrepareChain(jumpHosts)(StopToken)) : null;
            try
            {
                var through = chain?.Target ?? Via?.Connection?.Target;
                var description = through == null ? target.ToString() : $"{target} via {through.Target.Name}";
                foreach (var keyType in KeyType.Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    var key = Await(HostKeyScanner.ScanAsync(target, through, description, keyType, StopToken));
                    if (key == null)
                    {
                        WriteVerbose($"{description} has no {keyType} host key.");
                        continue;
                    }

                    var lookup = target.HostKeys.Lookup(target, key);
                    WriteObject(new JumpHostKey(
                        target.Host,
                        target.Port,
                        SshKeyBlob.KeyType(key),
                        SshKeyBlob.Sha256Fingerprint(key),
                        $"{lookup.HostKeyName} {SshKeyBlob.KeyType(key)} {Convert.ToBase64String(key)}",
                        lookup.Match));
                }
            }
            finally
            {
                chain?.Dispose();
            }
        }
        catch (JumpHostException ex)
        {
            Bridge.Drain();
            WriteError(ToErrorRecord(ex, ex.Target ?? HostName));
        }
    }
}
