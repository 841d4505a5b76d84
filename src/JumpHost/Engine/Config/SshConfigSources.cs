using System;
using System.IO;
using System.Net;
using System.Runtime.InteropServices;

namespace JumpHost.Engine.Config;

/// <summary>
/// Which files ssh reads and the facts about the local user that its configuration refers to (~, %d, %u,
/// %l, %i, Match localuser). Everything comes in here, so tests never touch the real ~/.ssh.
/// </summary>
internal sealed class SshConfigSources
{
    public SshConfigSources(
        string homeDirectory,
        string localUser,
        string localHostName,
        string? userId,
        string? configFile = null,
        string? systemDirectory = null,
        Func<string, string?>? environment = null)
    {
        HomeDirectory = homeDirectory;
        LocalUser = localUser;
        LocalHostName = localHostName;
        UserId = userId;
        ConfigFile = configFile;
        SystemDirectory = systemDirectory ?? DefaultSystemDirectory;
        Environment = environment ?? System.Environment.GetEnvironmentVariable;
    }

    /// <summary>/etc/ssh, or %ProgramData%\ssh where Win32-OpenSSH keeps it.</summary>
    public static string DefaultSystemDirectory =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
            ? Path.Combine(System.Environment.GetFolderPath(System.Environment.SpecialFolder.CommonApplicationData), "ssh")
            : "/etc/ssh";

    /// <summary>The home directory: ~, %d, and where relative Include paths of user files are looked up (~/.ssh).</summary>
    public string HomeDirectory { get; }

    /// <summary>The local user name: %u, the default remote user and Match localuser.</summary>
    public string LocalUser { get; }

    /// <summary>The local host name with its domain: %l (and %L up to the first dot), part of %C.</summary>
    public string LocalHostName { get; }

    /// <summary>The numeric user id for %i, or null where there is none (Windows): %i is then an error.</summary>
    public string? UserId { get; }

    /// <summary>
    /// Like <c>ssh -F</c>: null reads the user file then the system file; "none" (any case) reads nothing;
    /// any other value reads only that file, which must exist.
    /// </summary>
    public string? ConfigFile { get; }

    /// <summary>Where ssh_config lives and where its relative Include paths are looked up.</summary>
    public string SystemDirectory { get; }

    /// <summary>Environment variables for ${NAME} in paths.</summary>
    public Func<string, string?> Environment { get; }

    public bool ReadsNoFile => ConfigFile != null && string.Equals(ConfigFile, "none", StringComparison.OrdinalIgnoreCase);

    public string UserConfigFile => Path.Combine(Path.Combine(HomeDirectory, ".ssh"), "config");

    public string SystemConfigFile => Path.Combine(SystemDirectory, "ssh_config");

    /// <summary>The current user as ssh sees it; <paramref name="configFile"/> is what <c>-F</c> would be.</summary>
    public static SshConfigSources ForCurrentUser(string? configFile = null) => new(
        System.Environment.GetFolderPath(System.Environment.SpecialFolder.UserProfile),
        System.Environment.UserName,
        Dns.GetHostName(),
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) ? null : UnixUser.Id().ToString(System.Globalization.CultureInfo.InvariantCulture),
        configFile);

    /// <summary>
    /// The same user without <c>-F</c>: what a ProxyCommand's own <c>ssh</c> reads, since nothing passes it the file.
    /// </summary>
    public SshConfigSources WithDefaultFiles() =>
        new(HomeDirectory, LocalUser, LocalHostName, UserId, null, SystemDirectory, Environment);

    private static class UnixUser
    {
        [DllImport("libc", EntryPoint = "getuid")]
        public static extern uint Id();
    }
}
