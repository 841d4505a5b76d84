using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace JumpHost.Engine.Config;

/// <summary>
/// One resolution, in ssh's order: command-line options, then each file top to bottom with Host and Match
/// switching lines on and off, keeping the first value obtained for each keyword (lists accumulate), then
/// ssh's defaults, HostName, and the ~, % and ${} expansions of the values that take them.
/// </summary>
internal sealed class SshConfigResolver
{
    /// <summary>SSH_MAX_IDENTITY_FILES and SSH_MAX_CERTIFICATE_FILES.</summary>
    private const int MaxKeyFiles = 100;

    /// <summary>SSH_MAX_HOSTS_FILES.</summary>
    private const int MaxKnownHostsFiles = 32;

    private const int DefaultPort = 22;

    /// <summary>add_identity_file keeps the same path twice when it came from different places.</summary>
    private const int SystemFile = 0;
    private const int CommandLineFile = 1;
    private const int UserFile = 2;

    private static readonly string[] DefaultIdentityFiles =
    {
        "~/.ssh/id_rsa", "~/.ssh/id_ecdsa", "~/.ssh/id_ecdsa_sk", "~/.ssh/id_ed25519", "~/.ssh/id_ed25519_sk",
        "~/.ssh/id_xmss", "~/.ssh/id_dsa",
    };

    private readonly SshConfig _config;
    private readonly SshConfigParser _parser;
    private readonly SshConfigSources _sources;
    private readonly List<KeyFile> _identityFiles = new();
    private readonly List<KeyFile> _certificateFiles = new();
    private readonly List<SshConfigValue<SshForward>> _localForwards = new();
    private readonly List<SshConfigValue<SshForward>> _remoteForwards = new();
    private readonly List<SshIgnoredKeyword> _ignored = new();
    private readonly List<string> _files = new();

    private string _hostArgument = string.Empty;
    private SshConfigValue<string>? _user;
    private SshConfigValue<string>? _hostName;
    private SshConfigValue<string>? _hostKeyAlias;
    private SshConfigValue<string>? _identityAgent;
    private SshConfigValue<string>? _proxyCommand;
    private SshConfigValue<string>? _ignoreUnknown;
    private SshConfigValue<SshJumpSpec>? _proxyJump;
    private SshConfigValue<int>? _port;
    private SshConfigValue<int>? _serverAliveInterval;
    private SshConfigValue<int>? _serverAliveCountMax;
    private SshConfigValue<int>? _connectTimeout;
    private SshConfigValue<bool>? _identitiesOnly;
    private SshConfigValue<bool>? _hashKnownHosts;
    private SshConfigValue<bool>? _batchMode;
    private SshConfigValue<bool>? _clearAllForwardings;
    private SshConfigValue<bool>? _canonicalizeHostname;
    private SshConfigValue<SshStrictHostKeyChecking>? _strictHostKeyChecking;
    private SshConfigValue<IReadOnlyList<string>>? _userKnownHostsFiles;
    private SshConfigValue<IReadOnlyList<string>>? _globalKnownHostsFiles;

    public SshConfigResolver(SshConfig config, SshConfigParser parser)
    {
        _config = config;
        _parser = parser;
        _sources = config.Sources;
    }

    public ResolvedHostConfig Resolve(string destination, CommandLineOverrides overrides)
    {
        var userFromCommandLine = ApplyCommandLine(overrides);
        userFromCommandLine |= ApplyDestination(destination);
        if (userFromCommandLine && _user != null && !SshNames.IsValidCommandLineUser(_user.Value))
        {
            throw CommandLineError($"remote username '{_user.Value}' contains invalid characters.");
        }

        if (!SshNames.IsValidCommandLineHost(_hostArgument))
        {
            throw CommandLineError($"hostname '{_hostArgument}' contains invalid characters.");
        }

        foreach (var file in _config.Files)
        {
            var active = true;
            ReadFile(file, neverMatch: false, ref active);
        }

        return Finish();
    }

    /// <summary>Applies -l, -p, -i, -J and -o in order; true when -l or -o set the user.</summary>
    private bool ApplyCommandLine(CommandLineOverrides overrides)
    {
        var origin = SshConfigOrigin.CommandLine;
        foreach (var option in overrides.Options)
        {
            switch (option.Kind)
            {
                case CommandLineOptionKind.User:
                    _user ??= new SshConfigValue<string>(option.Value, origin, option.Value);
                    break;
                case CommandLineOptionKind.Port:
                    var port = SshNumbers.ParsePort(option.Value);
                    if (port <= 0)
                    {
                        throw CommandLineError($"Bad port '{option.Value}'. Give a number from 1 to 65535.");
                    }

                    _port ??= new SshConfigValue<int>(port, origin, option.Value);
                    break;
                case CommandLineOptionKind.IdentityFile:
                    AddKeyFile(_identityFiles, SshTokens.ExpandTilde(option.Value, _sources, origin, "-i"), CommandLineFile, origin, "identity");
                    break;
                case CommandLineOptionKind.JumpHosts:
                    ApplyJumpOption(option.Value);
                    break;
                case CommandLineOptionKind.Option:
                    var directive = _parser.ParseOption(option.Value);
                    if (directive != null)
                    {
                        Apply(directive, UserFile, active: true);
                    }

                    break;
            }
        }

        return _user != null;
    }

    private void ApplyJumpOption(string value)
    {
        if (_proxyJump != null)
        {
            throw CommandLineError("Only a single -J option is permitted (use commas to separate multiple jump hops).");
        }

        if (_proxyCommand != null)
        {
            throw CommandLineError("Cannot specify -J with ProxyCommand.");
        }

        var spec = SshJumpSpec.Parse(value, commandLine: true, out var why)
            ?? throw CommandLineError($"Invalid -J argument '{value}': {why}.");
        _proxyJump = new SshConfigValue<SshJumpSpec>(spec, SshConfigOrigin.CommandLine, value);
        _proxyCommand = new SshConfigValue<string>("none", SshConfigOrigin.CommandLine, "none");
    }

    /// <summary>ssh's destination: ssh://[user@]host[:port], or [user@]host (the last '@' separates); true when it set the user.</summary>
    private bool ApplyDestination(string destination)
    {
        var origin = SshConfigOrigin.CommandLine;
        if (destination.StartsWith("ssh://", StringComparison.Ordinal))
        {
            var uri = SshJumpSpec.ParseUri(destination.Substring("ssh://".Length))
                ?? throw CommandLineError($"'{destination}' is not a valid ssh:// destination.");
            _hostArgument = uri.Host;
            if (_port == null && uri.Port != null)
            {
                _port = new SshConfigValue<int>(uri.Port.Value, origin);
            }

            return SetDestinationUser(uri.User);
        }

        var at = destination.LastIndexOf('@');
        if (at == 0)
        {
            throw CommandLineError($"'{destination}' has an empty user name before '@'.");
        }

        _hostArgument = at < 0 ? destination : destination.Substring(at + 1);
        return SetDestinationUser(at < 0 ? null : destination.Substring(0, at));
    }

    private bool SetDestinationUser(string? user)
    {
        if (user == null || _user != null)
        {
            return false;
        }

        _user = new SshConfigValue<string>(user, SshConfigOrigin.CommandLine, user);
        return true;
    }

    private void ReadFile(SshConfigFile file, bool neverMatch, ref bool active)
    {
        _files.Add(file.Path);
        var group = file.IsUserConfig ? UserFile : SystemFile;
        foreach (var directive in file.Directives)
        {
            switch (directive.Keyword)
            {
                case SshKeyword.Host:
                    active = !neverMatch && HostMatches(directive.ValueAs<List<string>>());
                    break;
                case SshKeyword.Match:
                    var matched = directive.ValueAs<SshMatchCondition>().Matches(
                        MatchHost, _hostArgument, _user?.Value ?? _sources.LocalUser, _sources.LocalUser, neverMatch);
                    active = !neverMatch && matched;
                    break;
                case SshKeyword.Include:
                    var wasActive = active;
                    foreach (var included in directive.ValueAs<List<SshConfigFile>>())
                    {
                        ReadFile(included, neverMatch || !wasActive, ref active);
                        active = wasActive;
                    }

                    break;
                default:
                    Apply(directive, group, active);
                    break;
            }
        }
    }

    /// <summary>Host: one matching pattern activates the block, one matching negated pattern vetoes it.</summary>
    private bool HostMatches(List<string> patterns)
    {
        var active = false;
        foreach (var pattern in patterns)
        {
            var negated = pattern[0] == '!';
            if (SshPattern.Matches(_hostArgument, negated ? pattern.Substring(1) : pattern))
            {
                if (negated)
                {
                    return false;
                }

                active = true;
            }
        }

        return active;
    }

    /// <summary>What Match host compares: HostName so far (with %h), else the destination.</summary>
    private string MatchHost() => _hostName == null ? _hostArgument : ExpandHostName(_hostName);

    private string ExpandHostName(SshConfigValue<string> hostName) =>
        SshTokens.Expand(hostName.Value, new Dictionary<char, string> { ['h'] = _hostArgument }, null, hostName.Origin, "HostName");

    private void Apply(SshDirective directive, int group, bool active)
    {
        var origin = directive.Origin;
        var written = directive.Arguments.Count > 0 ? directive.Arguments[0] : null;
        switch (directive.Keyword)
        {
            case SshKeyword.Unknown:
                if (_ignoreUnknown == null || SshPattern.MatchList(directive.Name, _ignoreUnknown.Value, true) != 1)
                {
                    throw new SshConfigException(origin,
                        $"Bad configuration option: {directive.Name}. Check the spelling, or list it in IgnoreUnknown before this line.");
                }

                Ignore(directive, active, "unknown to ssh, excused by IgnoreUnknown");
                return;
            case SshKeyword.Ignored:
                Ignore(directive, active, "not used by JumpHost");
                return;
            case SshKeyword.Deprecated:
                Ignore(directive, active, "deprecated: ssh ignores it");
                return;
            case SshKeyword.Unsupported:
                Ignore(directive, active, "unsupported: ssh reports it and ignores it");
                return;
        }

        if (!active)
        {
            return;
        }

        switch (directive.Keyword)
        {
            case SshKeyword.IgnoreUnknown:
                SetFirst(ref _ignoreUnknown, directive);
                break;
            case SshKeyword.HostName:
                SetFirst(ref _hostName, directive);
                break;
            case SshKeyword.User:
                SetFirst(ref _user, directive);
                break;
            case SshKeyword.HostKeyAlias:
                SetFirst(ref _hostKeyAlias, directive);
                break;
            case SshKeyword.IdentityAgent:
                SetFirst(ref _identityAgent, directive);
                break;
            case SshKeyword.Port:
                SetFirst(ref _port, directive);
                break;
            case SshKeyword.ServerAliveCountMax:
                SetFirst(ref _serverAliveCountMax, directive);
                break;
            case SshKeyword.ServerAliveInterval:
                SetTime(ref _serverAliveInterval, directive);
                break;
            case SshKeyword.ConnectTimeout:
                SetTime(ref _connectTimeout, directive);
                break;
            case SshKeyword.IdentitiesOnly:
                SetFirst(ref _identitiesOnly, directive);
                break;
            case SshKeyword.HashKnownHosts:
                SetFirst(ref _hashKnownHosts, directive);
                break;
            case SshKeyword.BatchMode:
                SetFirst(ref _batchMode, directive);
                break;
            case SshKeyword.ClearAllForwardings:
                SetFirst(ref _clearAllForwardings, directive);
                break;
            case SshKeyword.CanonicalizeHostname:
                SetFirst(ref _canonicalizeHostname, directive);
                break;
            case SshKeyword.StrictHostKeyChecking:
                SetFirst(ref _strictHostKeyChecking, directive);
                break;
            case SshKeyword.UserKnownHostsFile:
            case SshKeyword.GlobalKnownHostsFile:
                SetKnownHostsFiles(directive);
                break;
            case SshKeyword.IdentityFile:
                AddKeyFile(_identityFiles, written!, group, origin, "identity");
                break;
            case SshKeyword.CertificateFile:
                AddKeyFile(_certificateFiles, written!, group, origin, "certificate");
                break;
            case SshKeyword.LocalForward:
            case SshKeyword.DynamicForward:
                AddForward(_localForwards, directive);
                break;
            case SshKeyword.RemoteForward:
                AddForward(_remoteForwards, directive);
                break;
            case SshKeyword.ProxyCommand:
                SetFirst(ref _proxyCommand, directive);
                break;
            case SshKeyword.ProxyJump:
                SetJump(directive);
                break;
        }
    }

    private void Ignore(SshDirective directive, bool active, string reason)
    {
        if (active)
        {
            _ignored.Add(new SshIgnoredKeyword(directive.Name, directive.Arguments, directive.Origin, reason));
        }
    }

    private static void SetFirst<T>(ref SshConfigValue<T>? target, SshDirective directive)
    {
        target ??= new SshConfigValue<T>(directive.ValueAs<T>(), directive.Origin, string.Join(" ", directive.Arguments));
    }

    /// <summary>A time of "none" leaves the keyword unset, so a later line can still set it.</summary>
    private static void SetTime(ref SshConfigValue<int>? target, SshDirective directive)
    {
        if (directive.ValueAs<int>() >= 0)
        {
            SetFirst(ref target, directive);
        }
    }

    /// <summary>The first line that names known-hosts files gives the whole list.</summary>
    private void SetKnownHostsFiles(SshDirective directive)
    {
        var files = directive.ValueAs<List<string>>();
        if (files.Count == 0)
        {
            // Only a comment after the keyword: nothing is set.
            return;
        }

        if (files.Count > MaxKnownHostsFiles)
        {
            throw new SshConfigException(directive.Origin, $"too many {directive.Name} entries (at most {MaxKnownHostsFiles}).");
        }

        var value = new SshConfigValue<IReadOnlyList<string>>(files, directive.Origin, string.Join(" ", files));
        if (directive.Keyword == SshKeyword.UserKnownHostsFile)
        {
            _userKnownHostsFiles ??= value;
        }
        else
        {
            _globalKnownHostsFiles ??= value;
        }
    }

    /// <summary>
    /// ProxyJump counts only while neither it nor ProxyCommand is set, and then blocks a later ProxyCommand;
    /// "none" blocks a later ProxyJump only.
    /// </summary>
    private void SetJump(SshDirective directive)
    {
        if (_proxyJump != null || _proxyCommand != null)
        {
            return;
        }

        var spec = directive.ValueAs<SshJumpSpec>();
        _proxyJump = new SshConfigValue<SshJumpSpec>(spec, directive.Origin, spec.Written);
        if (!spec.IsNone)
        {
            _proxyCommand = new SshConfigValue<string>("none", directive.Origin, "none");
        }
    }

    private static void AddKeyFile(List<KeyFile> files, string path, int group, SshConfigOrigin origin, string kind)
    {
        if (files.Any(f => f.Group == group && f.Path == path))
        {
            return;
        }

        if (files.Count >= MaxKeyFiles)
        {
            throw new SshConfigException(origin, $"Too many {kind} files specified (max {MaxKeyFiles}).");
        }

        files.Add(new KeyFile(path, group, origin));
    }

    private static void AddForward(List<SshConfigValue<SshForward>> forwards, SshDirective directive)
    {
        var forward = directive.ValueAs<SshForward>();
        if (!forwards.Any(f => f.Value.SameAs(forward)))
        {
            forwards.Add(new SshConfigValue<SshForward>(forward, directive.Origin, string.Join(" ", directive.Arguments)));
        }
    }

    private ResolvedHostConfig Finish()
    {
        if (_canonicalizeHostname != null && _canonicalizeHostname.Value)
        {
            throw new SshConfigException(_canonicalizeHostname.Origin,
                "CanonicalizeHostname is not supported: ssh would look names up in DNS and read the configuration again. Set it to no for the hosts you use with JumpHost.");
        }

        var defaults = SshConfigOrigin.Default;
        var host = SshNames.Canonicalize(_hostName == null ? _hostArgument : ExpandHostName(_hostName));
        var hostName = new SshConfigValue<string>(host, _hostName?.Origin ?? defaults, _hostName?.Value ?? _hostArgument);
        var user = _user ?? new SshConfigValue<string>(_sources.LocalUser, defaults);
        var port = _port ?? new SshConfigValue<int>(DefaultPort, defaults);
        var jump = _proxyJump != null && !_proxyJump.Value.IsNone ? _proxyJump : null;
        var proxyCommand = _proxyCommand != null && !string.Equals(_proxyCommand.Value, "none", StringComparison.OrdinalIgnoreCase) ? _proxyCommand : null;
        CheckJumpLoop(jump, host, port.Value, user.Value);

        var alias = _hostKeyAlias == null ? null
            : new SshConfigValue<string>(SshConfigLexer.AsciiLower(_hostKeyAlias.Value), _hostKeyAlias.Origin, _hostKeyAlias.Written);
        var tokens = SshTokens.ForPaths(_sources, host, port.Value, user.Value, alias?.Value, _hostArgument);
        var clear = _clearAllForwardings != null && _clearAllForwardings.Value;

        return new ResolvedHostConfig(_hostArgument, new ResolvedValues
        {
            HostName = hostName,
            User = user,
            Port = port,
            IdentityFiles = ExpandKeyFiles(_identityFiles.Count > 0 ? _identityFiles : DefaultIdentityFiles.Select(f => new KeyFile(f, SystemFile, defaults)).ToList(), tokens, skipNone: true),
            IdentitiesOnly = _identitiesOnly ?? new SshConfigValue<bool>(false, defaults),
            CertificateFiles = ExpandKeyFiles(_certificateFiles, tokens, skipNone: false),
            ProxyJump = jump,
            ProxyCommand = proxyCommand == null ? null : new SshConfigValue<string>(
                SshTokens.Expand(proxyCommand.Value, SshTokens.ForProxy(host, alias?.Value, _hostArgument, port.Value, user.Value), null, proxyCommand.Origin, "ProxyCommand"),
                proxyCommand.Origin, proxyCommand.Value),
            LocalForwards = clear ? Array.Empty<SshConfigValue<SshForward>>() : ExpandForwards(_localForwards, tokens),
            RemoteForwards = clear ? Array.Empty<SshConfigValue<SshForward>>() : ExpandForwards(_remoteForwards, tokens),
            ServerAliveInterval = Seconds(_serverAliveInterval) ?? DefaultServerAliveInterval(),
            ServerAliveCountMax = _serverAliveCountMax ?? new SshConfigValue<int>(3, defaults),
            ConnectTimeout = _connectTimeout == null
                ? new SshConfigValue<TimeSpan?>(null, defaults)
                : new SshConfigValue<TimeSpan?>(TimeSpan.FromSeconds(_connectTimeout.Value), _connectTimeout.Origin, _connectTimeout.Written),
            StrictHostKeyChecking = _strictHostKeyChecking ?? new SshConfigValue<SshStrictHostKeyChecking>(SshStrictHostKeyChecking.Ask, defaults),
            UserKnownHostsFiles = ExpandKnownHosts(_userKnownHostsFiles, new[] { "~/.ssh/known_hosts", "~/.ssh/known_hosts2" }, tokens),
            GlobalKnownHostsFiles = ExpandKnownHosts(_globalKnownHostsFiles,
                new[] { SystemPath("ssh_known_hosts"), SystemPath("ssh_known_hosts2") }, null),
            HostKeyAlias = alias,
            HashKnownHosts = _hashKnownHosts ?? new SshConfigValue<bool>(false, defaults),
            BatchMode = _batchMode ?? new SshConfigValue<bool>(false, defaults),
            IdentityAgent = _identityAgent == null ? null : new SshConfigValue<string>(
                ExpandPath(_identityAgent.Value, tokens, _identityAgent.Origin, "IdentityAgent"), _identityAgent.Origin, _identityAgent.Value),
            Ignored = _ignored,
            Files = _files,
        });
    }

    /// <summary>Debian's keepalive patch: five minutes in batch mode, none otherwise.</summary>
    private SshConfigValue<TimeSpan> DefaultServerAliveInterval() =>
        new(_batchMode != null && _batchMode.Value ? TimeSpan.FromMinutes(5) : TimeSpan.Zero, SshConfigOrigin.Default);

    /// <summary>ssh refuses to jump through the destination itself (same host, port and user).</summary>
    private static void CheckJumpLoop(SshConfigValue<SshJumpSpec>? jump, string host, int port, string user)
    {
        if (jump == null)
        {
            return;
        }

        var last = jump.Value.Hops[jump.Value.Hops.Count - 1];
        if (last.Host == host && (last.Port ?? DefaultPort) == port && (last.User ?? user) == user)
        {
            throw new SshConfigException(jump.Origin, $"jumphost loop via {last.Host}: the last jump host is the destination itself.");
        }
    }

    /// <summary>~ first, then % tokens and ${VAR}: IdentityFile, CertificateFile, IdentityAgent, UserKnownHostsFile.</summary>
    private string ExpandPath(string path, IReadOnlyDictionary<char, string> tokens, SshConfigOrigin origin, string keyword) =>
        SshTokens.Expand(SshTokens.ExpandTilde(path, _sources, origin, keyword), tokens, _sources.Environment, origin, keyword);

    private IReadOnlyList<SshConfigValue<string>> ExpandKeyFiles(List<KeyFile> files, IReadOnlyDictionary<char, string> tokens, bool skipNone) =>
        files.Where(f => !skipNone || !string.Equals(f.Path, "none", StringComparison.OrdinalIgnoreCase))
            .Select(f => new SshConfigValue<string>(ExpandPath(f.Path, tokens, f.Origin, skipNone ? "IdentityFile" : "CertificateFile"), f.Origin, f.Path))
            .ToList();

    /// <summary>Socket paths in forwards take % tokens (their ${VAR} were expanded when the line was read).</summary>
    private static IReadOnlyList<SshConfigValue<SshForward>> ExpandForwards(List<SshConfigValue<SshForward>> forwards, IReadOnlyDictionary<char, string> tokens) =>
        forwards.Select(f => new SshConfigValue<SshForward>(
            f.Value.WithPaths(path => SshTokens.Expand(path, tokens, null, f.Origin, "forward path")), f.Origin, f.Written)).ToList();

    /// <summary>"none" empties the list; user files take ~, % and ${}, global files only ~ (tokens null).</summary>
    private SshConfigValue<IReadOnlyList<string>> ExpandKnownHosts(SshConfigValue<IReadOnlyList<string>>? files, string[] defaults, IReadOnlyDictionary<char, string>? tokens)
    {
        files ??= new SshConfigValue<IReadOnlyList<string>>(defaults, SshConfigOrigin.Default, string.Join(" ", defaults));
        if (string.Equals(files.Value[0], "none", StringComparison.OrdinalIgnoreCase))
        {
            return new SshConfigValue<IReadOnlyList<string>>(Array.Empty<string>(), files.Origin, files.Written);
        }

        var expanded = files.Value
            .Select(f => tokens == null ? SshTokens.ExpandTilde(f, _sources, files.Origin, "GlobalKnownHostsFile") : ExpandPath(f, tokens, files.Origin, "UserKnownHostsFile"))
            .ToList();
        return new SshConfigValue<IReadOnlyList<string>>(expanded, files.Origin, files.Written);
    }

    private string SystemPath(string name) => _sources.SystemDirectory.TrimEnd('/') + "/" + name;

    private static SshConfigValue<TimeSpan>? Seconds(SshConfigValue<int>? seconds) =>
        seconds == null ? null : new SshConfigValue<TimeSpan>(TimeSpan.FromSeconds(seconds.Value), seconds.Origin, seconds.Written);

    private static SshConfigException CommandLineError(string reason) => new(SshConfigException.CommandLine, 0, reason);

    /// <summary>An IdentityFile or CertificateFile entry before expansion, with the group ssh deduplicates within.</summary>
    private sealed class KeyFile
    {
        public KeyFile(string path, int group, SshConfigOrigin origin)
        {
            Path = path;
            Group = group;
            Origin = origin;
        }

        public string Path { get; }

        public int Group { get; }

        public SshConfigOrigin Origin { get; }
    }
}
