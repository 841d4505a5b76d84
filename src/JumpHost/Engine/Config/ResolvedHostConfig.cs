using System;
using System.Collections.Generic;
using System.Linq;

namespace JumpHost.Engine.Config;

/// <summary>StrictHostKeyChecking; <c>ssh -G</c> prints them as true, false, ask and accept-new.</summary>
internal enum SshStrictHostKeyChecking
{
    Yes,
    No,
    Ask,
    AcceptNew,
}

/// <summary>A keyword that applied to the host but that the resolver does not act on, for -Verbose.</summary>
internal sealed class SshIgnoredKeyword
{
    public SshIgnoredKeyword(string keyword, IReadOnlyList<string> arguments, SshConfigOrigin origin, string reason)
    {
        Keyword = keyword;
        Arguments = arguments;
        Origin = origin;
        Reason = reason;
    }

    /// <summary>The keyword in lower case.</summary>
    public string Keyword { get; }

    public IReadOnlyList<string> Arguments { get; }

    public SshConfigOrigin Origin { get; }

    /// <summary>Why it was not acted on: not used by this module, deprecated, unsupported, or excused by IgnoreUnknown.</summary>
    public string Reason { get; }

    public override string ToString() => $"{Keyword} {string.Join(" ", Arguments)} ({Origin}): {Reason}";
}

/// <summary>
/// The configuration ssh would use for one destination, keyword by keyword, each value with its origin.
/// Paths are expanded (~, %tokens, ${VAR}) as ssh expands them before use; <see cref="SshConfigValue{T}.Written"/>
/// keeps the text as written, which is what <c>ssh -G</c> prints for IdentityFile, CertificateFile,
/// GlobalKnownHostsFile and ProxyCommand.
/// </summary>
internal sealed class ResolvedHostConfig
{
    public ResolvedHostConfig(string originalHost, ResolvedValues values)
    {
        OriginalHost = originalHost;
        HostName = values.HostName;
        User = values.User;
        Port = values.Port;
        IdentityFiles = values.IdentityFiles;
        IdentitiesOnly = values.IdentitiesOnly;
        CertificateFiles = values.CertificateFiles;
        ProxyJump = values.ProxyJump;
        ProxyCommand = values.ProxyCommand;
        LocalForwards = values.LocalForwards;
        RemoteForwards = values.RemoteForwards;
        ServerAliveInterval = values.ServerAliveInterval;
        ServerAliveCountMax = values.ServerAliveCountMax;
        ConnectTimeout = values.ConnectTimeout;
        StrictHostKeyChecking = values.StrictHostKeyChecking;
        UserKnownHostsFiles = values.UserKnownHostsFiles;
        GlobalKnownHostsFiles = values.GlobalKnownHostsFiles;
        HostKeyAlias = values.HostKeyAlias;
        HashKnownHosts = values.HashKnownHosts;
        BatchMode = values.BatchMode;
        IdentityAgent = values.IdentityAgent;
        Ignored = values.Ignored;
        Files = values.Files;
    }

    /// <summary>The destination as given (%n), which Host and Match originalhost are matched against.</summary>
    public string OriginalHost { get; }

    /// <summary>The host to connect to (%h): HostName applied, then lower-cased unless it is an address.</summary>
    public SshConfigValue<string> HostName { get; }

    public SshConfigValue<string> User { get; }

    public SshConfigValue<int> Port { get; }

    /// <summary>Command-line files first, then the configuration's; ssh's defaults when none is given. "none" entries are left out.</summary>
    public IReadOnlyList<SshConfigValue<string>> IdentityFiles { get; }

    public SshConfigValue<bool> IdentitiesOnly { get; }

    public IReadOnlyList<SshConfigValue<string>> CertificateFiles { get; }

    /// <summary>The jump hosts, outermost first, as written (not yet resolved themselves); null without ProxyJump.</summary>
    public SshConfigValue<SshJumpSpec>? ProxyJump { get; }

    /// <summary>The ProxyCommand with %h, %k, %n, %p, %r expanded; null without one (or with "none").</summary>
    public SshConfigValue<string>? ProxyCommand { get; }

    /// <summary>LocalForward and DynamicForward entries in the order ssh keeps them (one list in ssh too).</summary>
    public IReadOnlyList<SshConfigValue<SshForward>> LocalForwards { get; }

    public IEnumerable<SshConfigValue<SshForward>> DynamicForwards => LocalForwards.Where(f => f.Value.IsDynamic);

    public IReadOnlyList<SshConfigValue<SshForward>> RemoteForwards { get; }

    /// <summary>Zero means no keepalives.</summary>
    public SshConfigValue<TimeSpan> ServerAliveInterval { get; }

    public SshConfigValue<int> ServerAliveCountMax { get; }

    /// <summary>Null means none: the system's TCP timeout.</summary>
    public SshConfigValue<TimeSpan?> ConnectTimeout { get; }

    public SshConfigValue<SshStrictHostKeyChecking> StrictHostKeyChecking { get; }

    /// <summary>Expanded paths; empty for "none".</summary>
    public SshConfigValue<IReadOnlyList<string>> UserKnownHostsFiles { get; }

    /// <summary>~-expanded paths (ssh expands no % token here); empty for "none".</summary>
    public SshConfigValue<IReadOnlyList<string>> GlobalKnownHostsFiles { get; }

    /// <summary>Lower-cased, as ssh uses it; null when not set.</summary>
    public SshConfigValue<string>? HostKeyAlias { get; }

    public SshConfigValue<bool> HashKnownHosts { get; }

    public SshConfigValue<bool> BatchMode { get; }

    /// <summary>The agent socket (expanded), "none", "SSH_AUTH_SOCK" or "$VAR"; null when not set.</summary>
    public SshConfigValue<string>? IdentityAgent { get; }

    /// <summary>Keywords that applied to this host but are not acted on, in the order ssh read them.</summary>
    public IReadOnlyList<SshIgnoredKeyword> Ignored { get; }

    /// <summary>Every file read, in reading order (Include targets included).</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The tokens ProxyCommand and the hops of ProxyJump are expanded with (%h %k %n %p %r).</summary>
    public IReadOnlyDictionary<char, string> ProxyTokens() =>
        SshTokens.ForProxy(HostName.Value, HostKeyAlias?.Value, OriginalHost, Port.Value, User.Value);
}

/// <summary>The values a resolution produced, handed to <see cref="ResolvedHostConfig"/> in one piece.</summary>
internal sealed class ResolvedValues
{
    public SshConfigValue<string> HostName { get; set; } = null!;

    public SshConfigValue<string> User { get; set; } = null!;

    public SshConfigValue<int> Port { get; set; } = null!;

    public IReadOnlyList<SshConfigValue<string>> IdentityFiles { get; set; } = Array.Empty<SshConfigValue<string>>();

    public SshConfigValue<bool> IdentitiesOnly { get; set; } = null!;

    public IReadOnlyList<SshConfigValue<string>> CertificateFiles { get; set; } = Array.Empty<SshConfigValue<string>>();

    public SshConfigValue<SshJumpSpec>? ProxyJump { get; set; }

    public SshConfigValue<string>? ProxyCommand { get; set; }

    public IReadOnlyList<SshConfigValue<SshForward>> LocalForwards { get; set; } = Array.Empty<SshConfigValue<SshForward>>();

    public IReadOnlyList<SshConfigValue<SshForward>> RemoteForwards { get; set; } = Array.Empty<SshConfigValue<SshForward>>();

    public SshConfigValue<TimeSpan> ServerAliveInterval { get; set; } = null!;

    public SshConfigValue<int> ServerAliveCountMax { get; set; } = null!;

    public SshConfigValue<TimeSpan?> ConnectTimeout { get; set; } = null!;

    public SshConfigValue<SshStrictHostKeyChecking> StrictHostKeyChecking { get; set; } = null!;

    public SshConfigValue<IReadOnlyList<string>> UserKnownHostsFiles { get; set; } = null!;

    public SshConfigValue<IReadOnlyList<string>> GlobalKnownHostsFiles { get; set; } = null!;

    public SshConfigValue<string>? HostKeyAlias { get; set; }

    public SshConfigValue<bool> HashKnownHosts { get; set; } = null!;

    public SshConfigValue<bool> BatchMode { get; set; } = null!;

    public SshConfigValue<string>? IdentityAgent { get; set; }

    public IReadOnlyList<SshIgnoredKeyword> Ignored { get; set; } = Array.Empty<SshIgnoredKeyword>();

    public IReadOnlyList<string> Files { get; set; } = Array.Empty<string>();
}
