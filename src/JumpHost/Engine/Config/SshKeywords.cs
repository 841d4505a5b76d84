using System;
using System.Collections.Generic;

namespace JumpHost.Engine.Config;

/// <summary>The keywords the resolver acts on; every other keyword ssh knows is <see cref="Ignored"/>.</summary>
internal enum SshKeyword
{
    Unknown,
    Host,
    Match,
    Include,
    IgnoreUnknown,
    HostName,
    User,
    Port,
    IdentityFile,
    IdentitiesOnly,
    CertificateFile,
    ProxyJump,
    ProxyCommand,
    LocalForward,
    RemoteForward,
    DynamicForward,
    ServerAliveInterval,
    ServerAliveCountMax,
    ConnectTimeout,
    StrictHostKeyChecking,
    UserKnownHostsFile,
    GlobalKnownHostsFile,
    HostKeyAlias,
    HashKnownHosts,
    BatchMode,
    IdentityAgent,

    /// <summary>Empties the forward lists when yes, so it decides what the forward keywords resolve to.</summary>
    ClearAllForwardings,

    /// <summary>Anything but "no" makes ssh resolve names in DNS and read the files again: refused, not ignored.</summary>
    CanonicalizeHostname,

    /// <summary>Known to ssh 9.2 and accepted, but not acted on here; reported with its file and line.</summary>
    Ignored,

    /// <summary>Obsolete keywords ssh 9.2 accepts silently.</summary>
    Deprecated,

    /// <summary>Keywords ssh 9.2 reports as "Unsupported option" and then skips.</summary>
    Unsupported,
}

/// <summary>The keyword table of OpenSSH 9.2 as Debian 12 builds it (with GSSAPI key exchange and PKCS#11).</summary>
internal static class SshKeywords
{
    private static readonly Dictionary<string, SshKeyword> Table = Build();

    /// <summary>The keyword for a lower-cased name; <see cref="SshKeyword.Unknown"/> for names ssh rejects.</summary>
    public static SshKeyword Find(string lowerCaseName) =>
        Table.TryGetValue(lowerCaseName, out var keyword) ? keyword : SshKeyword.Unknown;

    private static Dictionary<string, SshKeyword> Build()
    {
        var table = new Dictionary<string, SshKeyword>(StringComparer.Ordinal)
        {
            ["host"] = SshKeyword.Host,
            ["match"] = SshKeyword.Match,
            ["include"] = SshKeyword.Include,
            ["ignoreunknown"] = SshKeyword.IgnoreUnknown,
            ["hostname"] = SshKeyword.HostName,
            ["user"] = SshKeyword.User,
            ["port"] = SshKeyword.Port,
            ["identityfile"] = SshKeyword.IdentityFile,
            ["identityfile2"] = SshKeyword.IdentityFile,
            ["identitiesonly"] = SshKeyword.IdentitiesOnly,
            ["certificatefile"] = SshKeyword.CertificateFile,
            ["proxyjump"] = SshKeyword.ProxyJump,
            ["proxycommand"] = SshKeyword.ProxyCommand,
            ["localforward"] = SshKeyword.LocalForward,
            ["remoteforward"] = SshKeyword.RemoteForward,
            ["dynamicforward"] = SshKeyword.DynamicForward,
            ["serveraliveinterval"] = SshKeyword.ServerAliveInterval,

            // Debian's keepalive patch: both are other names for ServerAliveInterval.
            ["protocolkeepalives"] = SshKeyword.ServerAliveInterval,
            ["setuptimeout"] = SshKeyword.ServerAliveInterval,
            ["serveralivecountmax"] = SshKeyword.ServerAliveCountMax,
            ["connecttimeout"] = SshKeyword.ConnectTimeout,
            ["stricthostkeychecking"] = SshKeyword.StrictHostKeyChecking,
            ["userknownhostsfile"] = SshKeyword.UserKnownHostsFile,
            ["globalknownhostsfile"] = SshKeyword.GlobalKnownHostsFile,
            ["hostkeyalias"] = SshKeyword.HostKeyAlias,
            ["hashknownhosts"] = SshKeyword.HashKnownHosts,
            ["batchmode"] = SshKeyword.BatchMode,
            ["identityagent"] = SshKeyword.IdentityAgent,
            ["clearallforwardings"] = SshKeyword.ClearAllForwardings,
            ["canonicalizehostname"] = SshKeyword.CanonicalizeHostname,
        };

        foreach (var name in new[]
        {
            "addkeystoagent", "addressfamily", "bindaddress", "bindinterface", "canonicaldomains",
            "canonicalizefallbacklocal", "canonicalizemaxdots", "canonicalizepermittedcnames", "casignaturealgorithms",
            "challengeresponseauthentication", "checkhostip", "ciphers", "compression", "connectionattempts",
            "controlmaster", "controlpath", "controlpersist", "dsaauthentication", "enableescapecommandline",
            "enablesshkeysign", "escapechar", "exitonforwardfailure", "fingerprinthash", "forkafterauthentication",
            "forwardagent", "forwardx11", "forwardx11timeout", "forwardx11trusted", "gatewayports",
            "gssapiauthentication", "gssapiclientidentity", "gssapidelegatecredentials", "gssapikexalgorithms",
            "gssapikeyexchange", "gssapirenewalforcesrekey", "gssapiserveridentity", "gssapitrustdns",
            "hostbasedacceptedalgorithms", "hostbasedauthentication", "hostbasedkeytypes", "hostkeyalgorithms",
            "ipqos", "kbdinteractiveauthentication", "kbdinteractivedevices", "keepalive", "kexalgorithms",
            "knownhostscommand", "localcommand", "loglevel", "logverbose", "macs", "nohostauthenticationforlocalhost",
            "numberofpasswordprompts", "passwordauthentication", "permitlocalcommand", "permitremoteopen",
            "pkcs11provider", "preferredauthentications", "proxyusefdpass", "pubkeyacceptedalgorithms",
            "pubkeyacceptedkeytypes", "pubkeyauthentication", "rekeylimit", "remotecommand", "requesttty",
            "requiredrsasize", "revokedhostkeys", "securitykeyprovider", "sendenv", "sessiontype", "setenv",
            "skeyauthentication", "smartcarddevice", "stdinnull", "streamlocalbindmask", "streamlocalbindunlink",
            "syslogfacility", "tcpkeepalive", "tisauthentication", "tunnel", "tunneldevice", "updatehostkeys",
            "verifyhostkeydns", "visualhostkey", "xauthlocation",
        })
        {
            table.Add(name, SshKeyword.Ignored);
        }

        foreach (var name in new[]
        {
            "cipher", "fallbacktorsh", "globalknownhostsfile2", "protocol", "rhostsauthentication",
            "useblacklistedkeys", "userknownhostsfile2", "useroaming", "useprivilegedport", "usersh",
        })
        {
            table.Add(name, SshKeyword.Deprecated);
        }

        foreach (var name in new[]
        {
            "afstokenpassing", "compressionlevel", "kerberosauthentication", "kerberostgtpassing",
            "rhostsrsaauthentication", "rsaauthentication",
        })
        {
            table.Add(name, SshKeyword.Unsupported);
        }

        return table;
    }
}
