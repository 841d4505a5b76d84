using System;
using System.Collections.Generic;
using JumpHost.Engine.Config;

namespace JumpHost.Engine;

/// <summary>
/// One hop, fully planned: where to connect, as whom, how to trust its host key and how to log in. Planned
/// from the command line and ssh_config as ssh would (each jump host with its own configuration).
/// </summary>
internal sealed class HopTarget
{
    public HopTarget(
        string name,
        string host,
        int port,
        string user,
        HostKeyVerifier hostKeys,
        AuthenticationPlan authentication,
        TimeSpan connectTimeout,
        TimeSpan keepAliveInterval,
        string? hostKeyAlias = null,
        ResolvedHostConfig? config = null,
        IReadOnlyDictionary<string, string>? origins = null)
    {
        Name = name;
        Host = host;
        Port = port;
        User = user;
        HostKeys = hostKeys;
        Authentication = authentication;
        ConnectTimeout = connectTimeout;
        KeepAliveInterval = keepAliveInterval;
        HostKeyAlias = hostKeyAlias;
        Config = config;
        Origins = origins ?? new Dictionary<string, string>();
    }

    /// <summary>The host as the user wrote it (an ssh_config alias, or the host name itself).</summary>
    public string Name { get; }

    /// <summary>The address to connect to (ssh_config's HostName, else the name).</summary>
    public string Host { get; }

    public int Port { get; }

    public string User { get; }

    public HostKeyVerifier HostKeys { get; }

    public AuthenticationPlan Authentication { get; }

    public TimeSpan ConnectTimeout { get; }

    /// <summary>Seconds between keep-alive messages (ssh_config's ServerAliveInterval); zero sends none.</summary>
    public TimeSpan KeepAliveInterval { get; }

    /// <summary>The name known_hosts lists this hop under instead of its host name (ssh's HostKeyAlias).</summary>
    public string? HostKeyAlias { get; }

    /// <summary>The ssh_config settings the hop was planned from, with the file and line of each value.</summary>
    public ResolvedHostConfig? Config { get; }

    /// <summary>For each setting, where its value came from: "file:line", "command line" or "default".</summary>
    public IReadOnlyDictionary<string, string> Origins { get; }

    public override string ToString() => $"{Name}:{Port}";
}

/// <summary>What one hop may log in with, before anything is loaded.</summary>
internal sealed class AuthenticationPlan
{
    public AuthenticationPlan(
        IReadOnlyList<string> keyFiles,
        IReadOnlyList<string> configIdentityFiles,
        IReadOnlyList<string> certificateFiles,
        bool identitiesOnly,
        string? identityAgent,
        System.Security.SecureString? passphrase,
        System.Security.SecureString? password)
    {
        KeyFiles = keyFiles;
        ConfigIdentityFiles = configIdentityFiles;
        CertificateFiles = certificateFiles;
        IdentitiesOnly = identitiesOnly;
        IdentityAgent = identityAgent;
        Passphrase = passphrase;
        Password = password;
    }

    /// <summary>Key files given on the command line (-KeyFile): each must load.</summary>
    public IReadOnlyList<string> KeyFiles { get; }

    /// <summary>ssh_config's IdentityFile list (or ssh's defaults): missing or unusable ones are skipped.</summary>
    public IReadOnlyList<string> ConfigIdentityFiles { get; }

    /// <summary>ssh_config's CertificateFile list, offered with the keys they certify.</summary>
    public IReadOnlyList<string> CertificateFiles { get; }

    /// <summary>Only the identity files' keys, also when the agent holds others (ssh_config IdentitiesOnly).</summary>
    public bool IdentitiesOnly { get; }

    /// <summary>ssh_config's IdentityAgent; null means SSH_AUTH_SOCK.</summary>
    public string? IdentityAgent { get; }

    public System.Security.SecureString? Passphrase { get; }

    public System.Security.SecureString? Password { get; }
}
