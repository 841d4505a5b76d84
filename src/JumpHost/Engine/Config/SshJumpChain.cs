using System.Collections.Generic;

namespace JumpHost.Engine.Config;

/// <summary>
/// Resolves a destination together with every jump host in front of it, the way ssh reaches them: for
/// <c>ProxyJump a,b</c> it runs <c>ssh -l user -p port -J a [-F file] -W %h:%p b</c>, so b is resolved through
/// the configuration again (with a as its own ProxyJump), then a, which may have a ProxyJump of its own.
/// A ProxyCommand of the form <c>ssh -W %h:%p host</c> is followed the same way, with the default files,
/// because that ssh is not given -F.
/// </summary>
internal static class SshJumpChain
{
    /// <summary>Beyond this many hops the configuration is taken to loop.</summary>
    private const int MaxHops = 32;

    /// <summary>The hops from the first jump host to the destination, which is last; each with its own settings.</summary>
    public static IReadOnlyList<ResolvedHostConfig> Resolve(SshConfig config, string destination, CommandLineOverrides? overrides = null)
    {
        var chain = new List<ResolvedHostConfig>();
        Add(chain, config, destination, overrides ?? CommandLineOverrides.None, 0);
        return chain;
    }

    private static void Add(List<ResolvedHostConfig> chain, SshConfig config, string destination, CommandLineOverrides overrides, int depth)
    {
        var target = config.Resolve(destination, overrides);
        if (depth >= MaxHops)
        {
            throw new SshConfigException(target.ProxyJump?.Origin ?? target.ProxyCommand?.Origin ?? SshConfigOrigin.Default,
                $"the jump hosts in front of {destination} go on for more than {MaxHops} hops: ProxyJump or ProxyCommand probably loops.");
        }

        var jump = Jump(config, target);
        if (jump != null)
        {
            Add(chain, jump.Value.Config, jump.Value.Command.Destination, jump.Value.Command.Overrides, depth + 1);
        }

        chain.Add(target);
    }

    private static (SshConfig Config, SshJumpCommand Command)? Jump(SshConfig config, ResolvedHostConfig target)
    {
        if (target.ProxyJump != null)
        {
            var spec = target.ProxyJump.Value;
            var tokens = target.ProxyTokens();
            var origin = target.ProxyJump.Origin;
            var last = spec.Hops[spec.Hops.Count - 1];
            var overrides = CommandLineOverrides.None;
            if (last.User != null)
            {
                overrides = overrides.WithUser(SshTokens.Expand(last.User, tokens, null, origin, "ProxyJump"));
            }

            if (last.Port != null)
            {
                overrides = overrides.WithPort(last.Port.Value);
            }

            if (spec.Extra != null)
            {
                overrides = overrides.WithJumpHosts(SshTokens.Expand(spec.Extra, tokens, null, origin, "ProxyJump"));
            }

            var host = SshTokens.Expand(last.Host, tokens, null, origin, "ProxyJump");
            return (config, new SshJumpCommand(host, overrides));
        }

        if (target.ProxyCommand != null)
        {
            var command = SshProxyCommand.Parse(target.ProxyCommand, target.ProxyTokens());
            return (SshConfig.Load(config.Sources.WithDefaultFiles()), command);
        }

        return null;
    }
}
