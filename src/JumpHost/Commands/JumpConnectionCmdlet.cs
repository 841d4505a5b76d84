using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine;

namespace JumpHost.Commands;

/// <summary>The parameters and logic that open a connection chain: shared by New-JumpSession and ad-hoc Invoke-JumpCommand.</summary>
public abstract class JumpConnectionCmdlet : JumpCmdlet
{
    internal const string HostNameSet = "HostName";
    internal const string ViaSet = "Via";

    /// <summary>The target's SSH port, when the host name gives none. Default 22.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateRange(1, 65535)]
    public int Port { get; set; } = HopAddress.DefaultPort;

    /// <summary>The jump hosts in order, like ssh -J: each [user@]host[:port]; comma lists are accepted.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [ValidateNotNullOrEmpty]
    [Alias("J", "ProxyJump")]
    public string[] JumpHost { get; set; } = Array.Empty<string>();

    /// <summary>An open session to reach the target through (its target becomes the jump host).</summary>
    [Parameter(Mandatory = true, ParameterSetName = ViaSet)]
    [ValidateNotNull]
    public JumpSession? Via { get; set; }

    /// <summary>The user on every hop that names none. Default: the credential's user, else the local user.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    public string? UserName { get; set; }

    /// <summary>Private key files to authenticate with, like ssh -i.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    [Alias("IdentityFile")]
    public string[] KeyFile { get; set; } = Array.Empty<string>();

    /// <summary>The passphrase of encrypted key files.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    public SecureString? KeyPassphrase { get; set; }

    /// <summary>A user name and password for password (or keyboard-interactive password) authentication.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [Credential]
    public PSCredential? Credential { get; set; }

    /// <summary>Seconds to wait for each hop to connect and authenticate.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateRange(1, 3600)]
    public int ConnectTimeout { get; set; } = 30;

    /// <summary>Seconds between keep-alive messages on every hop; 0 sends none.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateRange(0, 86400)]
    public int KeepAliveInterval { get; set; }

    /// <summary>known_hosts files to use instead of ~/.ssh/known_hosts; new keys go to the first.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    public string[] KnownHostsFile { get; set; } = Array.Empty<string>();

    /// <summary>What to do with a host key no known_hosts file lists. Changed keys are always refused.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    public JumpHostKeyPolicy HostKeyPolicy { get; set; } = JumpHostKeyPolicy.Strict;

    /// <summary>The SSH hops to connect, in order, with users and ports settled: the jump hosts, then the target. Throws on a malformed host.</summary>
    internal IReadOnlyList<HopTarget> ResolveRoute(string hostName)
    {
        var defaultUser = UserName ?? Credential?.UserName ?? Environment.UserName;
        var jumpHosts = ParameterSetName == HostNameSet ? HopAddress.ParseList(JumpHost) : Array.Empty<HopAddress>();
        var target = HopAddress.Parse(hostName);
        return jumpHosts
            .Select(hop => new HopTarget(hop.Host, hop.Port ?? HopAddress.DefaultPort, hop.User ?? defaultUser))
            .Append(new HopTarget(target.Host, target.Port ?? Port, target.User ?? defaultUser))
            .ToList();
    }

    /// <summary>How a route reads in messages and -WhatIf: "user@target:22 via relay1:22,relay2:22".</summary>
    internal string DescribeRoute(IReadOnlyList<HopTarget> route)
    {
        var target = route[route.Count - 1];
        var through = route.Take(route.Count - 1).Select(h => h.ToString()).ToList();
        if (Via != null)
        {
            through.Insert(0, $"session {Via.Id} ({Via.Target})");
        }

        return through.Count == 0 ? $"{target.User}@{target}" : $"{target.User}@{target} via {string.Join(",", through)}";
    }

    /// <summary>
    /// Reads every parameter (paths resolve against the current PowerShell location, which only the pipeline
    /// thread may ask for) and returns the work that opens the chain, to run on any thread.
    /// </summary>
    internal Func<CancellationToken, Task<ConnectionChain>> PrepareChain(IReadOnlyList<HopTarget> route)
    {
        var via = Via;
        if (via != null && via.Connection == null)
        {
            throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
                $"The -Via session {via} has no connection (it was built, not opened). Pass a session from New-JumpSession.");
        }

        var settings = new ConnectionSettings(CreateVerifier(), TimeSpan.FromSeconds(ConnectTimeout), TimeSpan.FromSeconds(KeepAliveInterval));
        var keyFiles = KeyFile.Select(ResolvePath).ToList();
        var passphrase = KeyPassphrase;
        var password = Credential?.Password;
        var askToTrust = HostKeyPolicy == JumpHostKeyPolicy.Ask;
        Action<string> log = Log;

        return cancellationToken => Task.Run(
            async () =>
            {
                // With -HostKeyPolicy Ask, each hop whose key the user trusts is added and the chain opened again.
                for (var attempt = 0; ; attempt++)
                {
                    JumpHostException unknown;
                    try
                    {
                        using var auth = AuthenticationMaterial.Load(keyFiles, passphrase, password, log);
                        return await ConnectionChain.OpenAsync(route, via?.Connection, auth, settings, log, cancellationToken).ConfigureAwait(false);
                    }
                    catch (JumpHostException ex) when (askToTrust && ex.UnknownKey != null && attempt < route.Count)
                    {
                        unknown = ex;
                    }

                    if (!await AskToTrustAsync(unknown).ConfigureAwait(false))
                    {
                        throw unknown;
                    }

                    unknown.UnknownKey!.Trust();
                    log($"Added the host key of {unknown.Target} to {unknown.UnknownKey.File}.");
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Asks the user, on the pipeline thread, whether to trust an unknown host key. A host that cannot ask
    /// (a non-interactive run) gets a warning and the answer no, so Ask behaves as Strict there.
    /// </summary>
    private Task<bool> AskToTrustAsync(JumpHostException unknown)
    {
        var answer = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var key = unknown.UnknownKey!;
        Bridge.Post(() =>
        {
            try
            {
                answer.SetResult(ShouldContinue(
                    $"The authenticity of {unknown.Target} can't be established. Its {SshKeyBlob.DisplayType(SshKeyBlob.KeyType(key.Key))} key " +
                    $"fingerprint is {SshKeyBlob.Sha256Fingerprint(key.Key)}. Trust it and add it to {key.File}?",
                    "Unknown host key"));
            }
            catch (Exception ex) when (ex is PSInvalidOperationException || ex is System.Management.Automation.Host.HostException || ex is NotImplementedException)
            {
                WriteWarning($"-HostKeyPolicy Ask: this PowerShell host cannot ask ({ex.Message}), so the unknown key of {unknown.Target} is refused as with Strict.");
                answer.SetResult(false);
            }
        });
        return answer.Task;
    }

    /// <summary>Host key checks as the known-hosts parameters ask for them.</summary>
    internal HostKeyVerifier CreateVerifier() =>
        new(UserKnownHostsFiles(), GlobalKnownHostsFiles(), HostKeyPolicy, hashNewEntries: false);

    /// <summary>A path as PowerShell users mean it: relative to the current location, with ~ expanded.</summary>
    internal string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);

    private IReadOnlyList<string> UserKnownHostsFiles()
    {
        if (KnownHostsFile.Length > 0)
        {
            return KnownHostsFile.Select(ResolvePath).ToList();
        }

        var sshDirectory = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh");
        return new[] { Path.Combine(sshDirectory, "known_hosts"), Path.Combine(sshDirectory, "known_hosts2") };
    }

    private static IReadOnlyList<string> GlobalKnownHostsFiles()
    {
        // ssh's GlobalKnownHostsFile default; Win32-OpenSSH keeps it under %ProgramData%\ssh.
        var directory = Path.DirectorySeparatorChar == '\\'
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.CommonApplicationData), "ssh")
            : "/etc/ssh";
        return new[] { Path.Combine(directory, "ssh_known_hosts"), Path.Combine(directory, "ssh_known_hosts2") };
    }
}
