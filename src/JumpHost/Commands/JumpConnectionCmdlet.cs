using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using JumpHost.Engine;
using JumpHost.Engine.Audit;
using JumpHost.Engine.Config;

namespace JumpHost.Commands;

/// <summary>The parameters and logic that open a connection chain: shared by New-JumpSession and ad-hoc Invoke-JumpCommand.</summary>
public abstract class JumpConnectionCmdlet : JumpCmdlet
{
    private ConnectReporter? _reporter;
    private KeyRing? _keys;

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
    [ArgumentCompleter(typeof(Runtime.HostNameCompleter))]
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

    /// <summary>Answers keyboard-interactive questions (one-time passwords): called with a KeyboardInteractivePrompt, returns the answer.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNull]
    public ScriptBlock? KeyboardInteractive { get; set; }

    /// <summary>The ssh_config file to read instead of ~/.ssh/config and /etc/ssh/ssh_config, like ssh -F.</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    [ValidateNotNullOrEmpty]
    public string? ConfigFile { get; set; }

    /// <summary>Reads no ssh_config file at all (ssh -F none).</summary>
    [Parameter(ParameterSetName = HostNameSet)]
    [Parameter(ParameterSetName = ViaSet)]
    public SwitchParameter NoConfig { get; set; }

    /// <summary>
    /// The SSH hops to connect, in order (the jump hosts, then the target), planned from the parameters and
    /// ssh_config as ssh would. Throws on a malformed host or configuration.
    /// </summary>
    internal IReadOnlyList<HopTarget> ResolveRoute(string hostName)
    {
        if (ConfigFile != null && NoConfig)
        {
            throw new JumpHostException(JumpErrorIds.ConfigInvalid, JumpErrorKind.InvalidArgument,
                "-ConfigFile and -NoConfig contradict each other: give one or the other.");
        }

        var bound = MyInvocation.BoundParameters;
        var configFile = NoConfig ? "none"
            : ConfigFile == null ? null
            : string.Equals(ConfigFile, "none", StringComparison.OrdinalIgnoreCase) ? "none"
            : ResolvePath(ConfigFile);
        var request = new RouteRequest(hostName, SshConfigSources.ForCurrentUser(configFile))
        {
            JumpHosts = ParameterSetName == HostNameSet && bound.ContainsKey(nameof(JumpHost)) ? JumpHost : null,
            ThroughSession = ParameterSetName == ViaSet,
            UserName = UserName ?? Credential?.UserName,
            Port = bound.ContainsKey(nameof(Port)) ? Port : null,
            KeyFiles = KeyFile.Select(ResolvePath).ToList(),
            Passphrase = KeyPassphrase,
            Password = Credential?.Password,
            KnownHostsFiles = KnownHostsFile.Length > 0 ? KnownHostsFile.Select(ResolvePath).ToList() : null,
            HostKeyPolicy = bound.ContainsKey(nameof(HostKeyPolicy)) ? HostKeyPolicy : null,
            ConnectTimeout = bound.ContainsKey(nameof(ConnectTimeout)) ? TimeSpan.FromSeconds(ConnectTimeout) : null,
            KeepAliveInterval = bound.ContainsKey(nameof(KeepAliveInterval)) ? TimeSpan.FromSeconds(KeepAliveInterval) : null,
        };
        var route = RoutePlanner.Plan(request, Reporter);

        // Planning ran on the pipeline thread: write what it reported (ignored keywords...) now.
        Bridge.Drain();
        return route;
    }

    /// <summary>
    /// Reports from connecting go to the pipeline; passphrases and keyboard-interactive questions are asked
    /// through the host when it can ask, or answered by -KeyboardInteractive.
    /// </summary>
    internal ConnectReporter Reporter => _reporter ??= new ConnectReporter(
        Log,
        message => Bridge.Post(() => WriteWarning(message)),
        AskPassphrase,
        KeyboardInteractive != null ? AnswerWithHandler : HostCanAsk ? AnswerThroughHost : null,
        answeredByPerson: KeyboardInteractive == null && HostCanAsk);

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _keys?.Dispose();
        }

        base.Dispose(disposing);
    }

    /// <summary>An interactive host; the engine's default host of a runspace without one cannot ask anything.</summary>
    private bool HostCanAsk => Host?.UI != null && Host.Name != "Default Host";

    /// <summary>How a route reads in -WhatIf: "jhlab@inner:22 (target1) via jhlab@edge:22 (bastion)".</summary>
    internal string DescribeRoute(IReadOnlyList<HopTarget> route)
    {
        static string Hop(HopTarget hop) => $"{hop.User}@{hop}" + (hop.Host == hop.Name ? string.Empty : $" ({hop.Host})");
        var through = route.Take(route.Count - 1).Select(Hop).ToList();
        if (Via != null)
        {
            through.Insert(0, $"session {Via.Id} ({Via.Target})");
        }

        var target = Hop(route[route.Count - 1]);
        return through.Count == 0 ? target : $"{target} via {string.Join(", ", through)}";
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

        var reporter = Reporter;

        // One key ring for the whole command: a passphrase is asked once however many hosts come down the pipeline.
        var keys = _keys ??= new KeyRing(reporter);

        // No audit, no access: a required log that cannot be written refuses the session before any hop is reached.
        var audit = Runtime.SessionRegistry.Current.Audit;
        if (audit.Settings.Required)
        {
            audit.Check();
        }

        return cancellationToken => Task.Run(
            async () =>
            {
                var trace = new ChainTrace(route, via?.Connection?.Trace);
                ConnectionChain chain;
                try
                {
                    chain = await OpenAsync(route, via, keys, reporter, trace, cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    RecordAudit(audit, AuditEvents.SessionFailed(trace, ex));
                    throw;
                }

                if (Runtime.AuditTrail.SessionOpened(audit, chain) is { } notRecorded)
                {
                    Bridge.Post(() => WriteError(ToErrorRecord(notRecorded, notRecorded.Target)));
                }

                return chain;
            },
            cancellationToken);
    }

    /// <summary>Opens the chain; with -HostKeyPolicy Ask, each hop whose key the user trusts is added and the chain opened again.</summary>
    private async Task<ConnectionChain> OpenAsync(
        IReadOnlyList<HopTarget> route, JumpSession? via, KeyRing keys, ConnectReporter reporter, ChainTrace trace, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            JumpHostException unknown;
            try
            {
                return await ConnectionChain.OpenAsync(route, via?.Connection, keys, reporter, trace, cancellationToken).ConfigureAwait(false);
            }
            catch (JumpHostException ex) when (ex.UnknownKey is { MayAsk: true } && attempt < route.Count)
            {
                unknown = ex;
            }

            if (!await AskToTrustAsync(unknown).ConfigureAwait(false))
            {
                throw unknown;
            }

            unknown.UnknownKey!.Trust();
            trace.Restart();
            reporter.Verbose($"Added the host key of {unknown.Target} to {unknown.UnknownKey.File}.");
        }
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

    /// <summary>
    /// Asks the person at the console for a key's passphrase, on the pipeline thread; null where the host
    /// cannot ask. Called from the connecting thread, which waits for the answer.
    /// </summary>
    private SecureString? AskPassphrase(string keyFile) => HostCanAsk ? OnPipelineThread(() =>
    {
        var field = new System.Management.Automation.Host.FieldDescription("Passphrase");
        field.SetParameterType(typeof(SecureString));
        var reply = Host.UI.Prompt("Encrypted key", $"Enter the passphrase for {keyFile}", new System.Collections.ObjectModel.Collection<System.Management.Automation.Host.FieldDescription> { field });
        return reply != null && reply.TryGetValue("Passphrase", out var value) ? value?.BaseObject as SecureString : null;
    }) : null;

    /// <summary>Runs -KeyboardInteractive on the pipeline thread for one question; its first output is the answer.</summary>
    private string? AnswerWithHandler(KeyboardInteractivePrompt prompt) => OnPipelineThread(() =>
    {
        var answer = KeyboardInteractive!.Invoke(prompt).FirstOrDefault()?.BaseObject;
        return answer is SecureString secret ? PlainText(secret) : answer?.ToString();
    });

    /// <summary>Asks the person at the console one keyboard-interactive question; a secret is read without echo.</summary>
    private string? AnswerThroughHost(KeyboardInteractivePrompt prompt) => OnPipelineThread(() =>
    {
        var field = new System.Management.Automation.Host.FieldDescription(prompt.Prompt);
        field.SetParameterType(prompt.Echo ? typeof(string) : typeof(SecureString));
        var reply = Host.UI.Prompt($"{prompt.UserName}@{prompt.HostName}", prompt.Instruction, new System.Collections.ObjectModel.Collection<System.Management.Automation.Host.FieldDescription> { field });
        var answer = reply != null && reply.TryGetValue(prompt.Prompt, out var value) ? value?.BaseObject : null;
        return answer is SecureString secret ? PlainText(secret) : answer?.ToString();
    });

    /// <summary>Runs work on the pipeline thread from a connecting thread and waits for it; a host that cannot ask gives null.</summary>
    private T? OnPipelineThread<T>(Func<T?> work)
        where T : class
    {
        var answer = new TaskCompletionSource<T?>(TaskCreationOptions.RunContinuationsAsynchronously);
        Bridge.Post(() =>
        {
            try
            {
                answer.SetResult(work());
            }
            catch (Exception ex) when (ex is PSInvalidOperationException || ex is System.Management.Automation.Host.HostException || ex is NotImplementedException || ex is RuntimeException)
            {
                WriteWarning($"A login question could not be answered: {ex.Message}");
                answer.SetResult(null);
            }
        });
        return answer.Task.GetAwaiter().GetResult();
    }

    private static string PlainText(SecureString secret)
    {
        var bytes = KeyFiles.Utf8Bytes(secret);
        try
        {
            return System.Text.Encoding.UTF8.GetString(bytes);
        }
        finally
        {
            Array.Clear(bytes, 0, bytes.Length);
        }
    }

    /// <summary>A path as PowerShell users mean it: relative to the current location, with ~ expanded.</summary>
    internal string ResolvePath(string path) => GetUnresolvedProviderPathFromPSPath(path);
}
