using System;
using System.Collections.Generic;
using System.Linq;

namespace JumpHost.Engine.Config;

/// <summary>
/// The OpenSSH client configuration, read once and resolved per destination exactly as OpenSSH 9.2's
/// <c>ssh -G</c> does: <see cref="Load"/> reads the files (and what they include) and rejects what ssh would
/// reject for any host; <see cref="Resolve"/> applies the command line and the matching blocks, first value
/// wins, then ssh's defaults and expansions.
/// </summary>
internal sealed class SshConfig
{
    private readonly SshConfigParser _parser;

    private SshConfig(SshConfigSources sources, SshConfigParser parser, IReadOnlyList<SshConfigFile> files)
    {
        Sources = sources;
        _parser = parser;
        Files = files;
    }

    public SshConfigSources Sources { get; }

    /// <summary>The files read at the top level, in the order ssh reads them (user file, then system file).</summary>
    public IReadOnlyList<SshConfigFile> Files { get; }

    public static SshConfig Load(SshConfigSources sources)
    {
        var parser = new SshConfigParser(sources);
        IEnumerable<SshConfigFile?> files;
        if (sources.ReadsNoFile)
        {
            files = Enumerable.Empty<SshConfigFile>();
        }
        else if (sources.ConfigFile != null)
        {
            files = new[] { parser.ReadFile(sources.ConfigFile, isUserConfig: true, mustExist: true) };
        }
        else
        {
            files = new[]
            {
                parser.ReadFile(sources.UserConfigFile, isUserConfig: true, mustExist: false),
                parser.ReadFile(sources.SystemConfigFile, isUserConfig: false, mustExist: false),
            };
        }

        return new SshConfig(sources, parser, files.Where(f => f != null).Select(f => f!).ToList());
    }

    /// <summary>
    /// Resolves a destination (<c>host</c>, <c>user@host</c> or <c>ssh://user@host:port</c>) like
    /// <c>ssh -G [overrides] destination</c>.
    /// </summary>
    /// <summary>The names of its Host lines that name one host (no wildcard, no negation), for tab completion.</summary>
    public IEnumerable<string> HostAliases() => Files
        .SelectMany(file => file.Directives)
        .Where(directive => directive.Keyword == SshKeyword.Host)
        .SelectMany(directive => directive.Arguments)
        .Where(pattern => pattern.IndexOfAny(new[] { '*', '?', '!' }) < 0)
        .Distinct(StringComparer.Ordinal);

    public ResolvedHostConfig Resolve(string destination, CommandLineOverrides? overrides = null) =>
        new SshConfigResolver(this, _parser).Resolve(destination, overrides ?? CommandLineOverrides.None);
}
