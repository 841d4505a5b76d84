using System;
using System.Collections.Generic;
using System.Linq;

namespace JumpHost;

/// <summary>One hop of a planned route (Resolve-JumpHost): where it connects, as whom, how, and which file and line said so.</summary>
public sealed class JumpHopPlan
{
    public JumpHopPlan(
        int index,
        string name,
        string hostName,
        int port,
        string userName,
        string[] identityFiles,
        string[] certificateFiles,
        bool identitiesOnly,
        string? identityAgent,
        string[] knownHostsFiles,
        string[] globalKnownHostsFiles,
        JumpHostKeyPolicy hostKeyPolicy,
        string? hostKeyAlias,
        bool hashKnownHosts,
        TimeSpan connectTimeout,
        TimeSpan keepAliveInterval,
        string[] forwards,
        IReadOnlyDictionary<string, string> origins)
    {
        Index = index;
        Name = name;
        HostName = hostName;
        Port = port;
        UserName = userName;
        IdentityFiles = identityFiles;
        CertificateFiles = certificateFiles;
        IdentitiesOnly = identitiesOnly;
        IdentityAgent = identityAgent;
        KnownHostsFiles = knownHostsFiles;
        GlobalKnownHostsFiles = globalKnownHostsFiles;
        HostKeyPolicy = hostKeyPolicy;
        HostKeyAlias = hostKeyAlias;
        HashKnownHosts = hashKnownHosts;
        ConnectTimeout = connectTimeout;
        KeepAliveInterval = keepAliveInterval;
        Forwards = forwards;
        Origins = origins.ToDictionary(pair => pair.Key, pair => pair.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>1 for the first jump host; the last hop is the target.</summary>
    public int Index { get; }

    /// <summary>The host as written (an ssh_config alias, or the host name).</summary>
    public string Name { get; }

    /// <summary>The address connected to: ssh_config's HostName, else the name.</summary>
    public string HostName { get; }

    public int Port { get; }

    public string UserName { get; }

    /// <summary>The key files offered, in order (ssh_config's IdentityFile, after -KeyFile); missing ones are skipped.</summary>
    public string[] IdentityFiles { get; }

    public string[] CertificateFiles { get; }

    public bool IdentitiesOnly { get; }

    /// <summary>ssh_config's IdentityAgent; empty means SSH_AUTH_SOCK.</summary>
    public string? IdentityAgent { get; }

    /// <summary>The user known_hosts files; new keys go to the first.</summary>
    public string[] KnownHostsFiles { get; }

    public string[] GlobalKnownHostsFiles { get; }

    public JumpHostKeyPolicy HostKeyPolicy { get; }

    public string? HostKeyAlias { get; }

    /// <summary>New known_hosts entries are written hashed.</summary>
    public bool HashKnownHosts { get; }

    public TimeSpan ConnectTimeout { get; }

    public TimeSpan KeepAliveInterval { get; }

    /// <summary>The target's LocalForward, RemoteForward and DynamicForward lines, as ssh -G prints them.</summary>
    public string[] Forwards { get; }

    /// <summary>For each setting (HostName, User, Port, IdentityFile...), the file:line that set it, or "default" or "command line".</summary>
    public IReadOnlyDictionary<string, string> Origins { get; }

    public override string ToString() => $"{UserName}@{Name}:{Port}" + (HostName == Name ? string.Empty : $" ({HostName})");
}
