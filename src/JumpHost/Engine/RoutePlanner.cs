using System;
using System.Collections.Generic;
using System.Linq;
using System.Security;
using JumpHost.Engine.Config;

namespace JumpHost.Engine;

/// <summary>What the command line asks for, before ssh_config is read.</summary>
internal sealed class RouteRequest
{
    public RouteRequest(string destination, SshConfigSources configSources)
    {
        Destination = destination;
        ConfigSources = configSources;
    }

    /// <summary>The target as written: host, user@host, host:port, an ssh_config alias...</summary>
    public string Destination { get; }

    public SshConfigSources ConfigSources { get; }

    /// <summary>-JumpHost as given (each item may be a comma list); null lets ssh_config's ProxyJump decide.</summary>
    public IReadOnlyList<string>? JumpHosts { get; init; }

    /// <summary>The target is reached through an open session: ssh_config's ProxyJump does not apply.</summary>
    public bool ThroughSession { get; init; }

    /// <summary>-UserName: the target's user (like ssh -l), and the user of jump hosts that name none.</summary>
    public string? UserName { get; init; }

    /// <summary>-Port when given: the target's port (like ssh -p).</summary>
    public int? Port { get; init; }

    public IReadOnlyList<string> KeyFiles { get; init; } = Array.Empty<string>();

    public SecureString? Passphrase { get; init; }

    public SecureString? Password { get; init; }

    public IReadOnlyList<string>? KnownHostsFiles { get; init; }

    public JumpHostKeyPolicy? HostKeyPolicy { get; init; }

    public TimeSpan? ConnectTimeout { get; init; }

    public TimeSpan? KeepAliveInterval { get; init; }
}

/// <summary>
/// Plans the hops to a destination as ssh would with the same ssh_config: the destination and each jump
/// host (from -JumpHost or ProxyJump) resolved through the configuration with its own settings, with what the
/// command line gives taking precedence.
/// </summary>
internal static class RoutePlanner
{
    private static readonly TimeSpan DefaultConnectTimeout = TimeSpan.FromSeconds(30);

    public static IReadOnlyList<HopTarget> Plan(RouteRequest request, ConnectReporter reporter)
    {
        var destination = HopAddress.Parse(request.Destination);
        try
        {
            var config = SshConfig.Load(request.ConfigSources);
            var overrides = CommandLineOverrides.None;
            var user = destination.User ?? request.UserName;
            if (user != null)
            {
                overrides = overrides.WithUser(user);
            }

            var port = destination.Port ?? request.Port;
            if (port != null)
            {
                overrides = overrides.WithPort(port.Value);
            }

            if (request.ThroughSession)
            {
                overrides = overrides.WithJumpHosts("none");
            }
            else if (request.JumpHosts != null)
            {
                var jumps = HopAddress.ParseList(request.JumpHosts).Select(FormatJump).ToList();
                overrides = overrides.WithJumpHosts(jumps.Count == 0 ? "none" : string.Join(",", jumps));
            }

            var chain = SshJumpChain.Resolve(config, destination.Host, overrides);
            foreach (var ignored in chain.SelectMany(hop => hop.Ignored))
            {
                reporter.Verbose($"ssh_config: {ignored}");
            }

            foreach (var hop in chain.Where(h => h.ServerAliveCountMax.Origin.Kind == SshConfigOriginKind.File))
            {
                reporter.Verbose($"ssh_config: ServerAliveCountMax ({hop.ServerAliveCountMax.Origin}) is not used: keep-alives are sent, but a peer that stops answering is noticed only when the connection fails.");
            }

            return chain.Select(hop => Plan(hop, request)).ToList();
        }
        catch (SshConfigException ex)
        {
            throw new JumpHostException(JumpErrorIds.ConfigInvalid, JumpErrorKind.InvalidData,
                $"ssh_config: {ex.Message}", ex.File == SshConfigException.CommandLine ? request.Destination : ex.Line > 0 ? $"{ex.File}:{ex.Line}" : ex.File, ex);
        }
    }

    private static HopTarget Plan(ResolvedHostConfig hop, RouteRequest request)
    {
        // A user from -UserName fills in for jump hosts whose configuration names none.
        var user = hop.User.Origin.Kind == SshConfigOriginKind.Default && request.UserName != null ? request.UserName : hop.User.Value;
        var policy = request.HostKeyPolicy ?? PolicyOf(hop);
        var hostKeys = new HostKeyVerifier(
            request.KnownHostsFiles ?? hop.UserKnownHostsFiles.Value,
            hop.GlobalKnownHostsFiles.Value,
            policy,
            hop.HashKnownHosts.Value);

        // Key files from the command line come first; like ssh's -i, they replace ssh's default identities.
        var configIdentities = hop.IdentityFiles
            .Where(file => request.KeyFiles.Count == 0 || file.Origin.Kind != SshConfigOriginKind.Default)
            .Select(file => file.Value)
            .ToList();
        var authentication = new AuthenticationPlan(
            request.KeyFiles,
            configIdentities,
            hop.CertificateFiles.Select(file => file.Value).ToList(),
            hop.IdentitiesOnly.Value,
            hop.IdentityAgent?.Value,
            request.Passphrase,
            request.Password);
        return new HopTarget(
            hop.OriginalHost,
            hop.HostName.Value,
            hop.Port.Value,
            user,
            hostKeys,
            authentication,
            request.ConnectTimeout ?? hop.ConnectTimeout.Value ?? DefaultConnectTimeout,
            request.KeepAliveInterval ?? hop.ServerAliveInterval.Value,
            hop.HostKeyAlias?.Value,
            hop,
            Origins(hop, request, user != hop.User.Value));
    }

    /// <summary>Where each value came from, with what the command line overrode after ssh_config marked as such.</summary>
    private static Dictionary<string, string> Origins(ResolvedHostConfig hop, RouteRequest request, bool userFromCommandLine)
    {
        string Of(SshConfigOrigin origin) => origin.ToString();
        string Either(bool fromCommandLine, SshConfigOrigin origin) => fromCommandLine ? SshConfigOrigin.CommandLine.ToString() : Of(origin);
        return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["HostName"] = Of(hop.HostName.Origin),
            ["User"] = Either(userFromCommandLine, hop.User.Origin),
            ["Port"] = Of(hop.Port.Origin),
            ["IdentityFile"] = string.Join(", ", (request.KeyFiles.Count > 0 ? new[] { SshConfigOrigin.CommandLine.ToString() } : Array.Empty<string>())
                .Concat(hop.IdentityFiles.Where(file => request.KeyFiles.Count == 0 || file.Origin.Kind != SshConfigOriginKind.Default).Select(file => Of(file.Origin)))
                .Distinct()),
            ["IdentitiesOnly"] = Of(hop.IdentitiesOnly.Origin),
            ["ProxyJump"] = hop.ProxyJump != null ? Of(hop.ProxyJump.Origin) : hop.ProxyCommand != null ? Of(hop.ProxyCommand.Origin) : Of(SshConfigOrigin.Default),
            ["StrictHostKeyChecking"] = Either(request.HostKeyPolicy != null, hop.StrictHostKeyChecking.Origin),
            ["UserKnownHostsFile"] = Either(request.KnownHostsFiles != null, hop.UserKnownHostsFiles.Origin),
            ["GlobalKnownHostsFile"] = Of(hop.GlobalKnownHostsFiles.Origin),
            ["HostKeyAlias"] = Of(hop.HostKeyAlias?.Origin ?? SshConfigOrigin.Default),
            ["HashKnownHosts"] = Of(hop.HashKnownHosts.Origin),
            ["ConnectTimeout"] = Either(request.ConnectTimeout != null, hop.ConnectTimeout.Origin),
            ["ServerAliveInterval"] = Either(request.KeepAliveInterval != null, hop.ServerAliveInterval.Origin),
            ["IdentityAgent"] = Of(hop.IdentityAgent?.Origin ?? SshConfigOrigin.Default),
        };
    }

    /// <summary>
    /// StrictHostKeyChecking as written in ssh_config; unset, Strict (ssh would ask). "no" becomes AcceptNew:
    /// JumpHost never accepts a changed key. BatchMode rules out asking.
    /// </summary>
    private static JumpHostKeyPolicy PolicyOf(ResolvedHostConfig hop)
    {
        if (hop.StrictHostKeyChecking.Origin.Kind == SshConfigOriginKind.Default)
        {
            return JumpHostKeyPolicy.Strict;
        }

        return hop.StrictHostKeyChecking.Value switch
        {
            SshStrictHostKeyChecking.No or SshStrictHostKeyChecking.AcceptNew => JumpHostKeyPolicy.AcceptNew,
            SshStrictHostKeyChecking.Ask when !hop.BatchMode.Value => JumpHostKeyPolicy.Ask,
            _ => JumpHostKeyPolicy.Strict,
        };
    }

    private static string FormatJump(HopAddress hop)
    {
        var host = hop.Host.Contains(":") ? $"[{hop.Host}]" : hop.Host;
        return (hop.User == null ? string.Empty : hop.User + "@") + host + (hop.Port == null ? string.Empty : ":" + hop.Port);
    }
}
