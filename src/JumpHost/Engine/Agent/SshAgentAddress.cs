using System;
using System.Runtime.InteropServices;

namespace JumpHost.Engine.Agent;

/// <summary>Where an SSH agent listens: a Unix socket path, or on Windows a named pipe.</summary>
internal sealed class SshAgentAddress
{
    /// <summary>The pipe of the Windows OpenSSH agent service, which Windows' ssh uses when SSH_AUTH_SOCK is unset.</summary>
    public const string WindowsServicePipe = @"\\.\pipe\openssh-ssh-agent";

    private const string EnvironmentVariable = "SSH_AUTH_SOCK";
    private const string PipeSegment = @"\pipe\";

    private SshAgentAddress(string path, string origin, bool isNamedPipe)
    {
        Path = path;
        Origin = origin;
        IsNamedPipe = isNamedPipe;
    }

    /// <summary>The socket path, or the pipe path in the form <c>\\server\pipe\name</c>.</summary>
    public string Path { get; }

    /// <summary>Where the path came from, for messages: SSH_AUTH_SOCK, IdentityAgent, ...</summary>
    public string Origin { get; }

    public bool IsNamedPipe { get; }

    /// <summary>What a user does about an agent that cannot be used, for the end of error messages.</summary>
    public string Advice => IsNamedPipe
        ? "Start the OpenSSH agent service (Start-Service ssh-agent) and add your keys with ssh-add, or set SSH_AUTH_SOCK or IdentityAgent to the pipe of a running agent."
        : "Start an agent with 'eval $(ssh-agent)' and add your keys with ssh-add, or set SSH_AUTH_SOCK or IdentityAgent to the socket of a running agent.";

    /// <summary>
    /// The agent to use, or null when none is configured. <paramref name="identityAgent"/> takes what ssh_config's
    /// IdentityAgent takes: "none", "SSH_AUTH_SOCK", "$VARIABLE" or a path (~ expanded); without it SSH_AUTH_SOCK is
    /// used, and on Windows with neither the agent service's pipe if that exists, as ssh does there.
    /// </summary>
    public static SshAgentAddress? Resolve(string? identityAgent)
    {
        if (identityAgent == null || identityAgent.Length == 0 || identityAgent == EnvironmentVariable)
        {
            return FromVariable(EnvironmentVariable) ?? WindowsService();
        }

        if (string.Equals(identityAgent, "none", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        // ssh treats an unset variable as "no agent", not as an error.
        return identityAgent[0] == '$'
            ? FromVariable(identityAgent.Substring(1).Trim('{', '}'))
            : Create(ExpandHome(identityAgent), "IdentityAgent");
    }

    /// <summary>The server and pipe name of a pipe path, as NamedPipeClientStream takes them.</summary>
    public (string Server, string Name) PipeParts()
    {
        var separator = Path.IndexOf(PipeSegment, 2, StringComparison.OrdinalIgnoreCase);
        return (Path.Substring(2, separator - 2), Path.Substring(separator + PipeSegment.Length));
    }

    public override string ToString() => $"'{Path}' (from {Origin})";

    private static SshAgentAddress? FromVariable(string name)
    {
        var value = Environment.GetEnvironmentVariable(name);
        return value == null || value.Length == 0 ? null : Create(value, name);
    }

    private static SshAgentAddress? WindowsService() =>
        RuntimeInformation.IsOSPlatform(OSPlatform.Windows) && NamedPipeProbe.Exists(WindowsServicePipe)
            ? new SshAgentAddress(WindowsServicePipe, "the Windows OpenSSH agent service", isNamedPipe: true)
            : null;

    private static SshAgentAddress Create(string path, string origin)
    {
        // A pipe is \\server\pipe\name; Windows' ssh also takes forward slashes.
        var windowsPath = path.Replace('/', '\\');
        var isPipe = RuntimeInformation.IsOSPlatform(OSPlatform.Windows)
            && windowsPath.StartsWith(@"\\", StringComparison.Ordinal)
            && windowsPath.IndexOf(PipeSegment, 2, StringComparison.OrdinalIgnoreCase) > 2;
        return isPipe ? new SshAgentAddress(windowsPath, origin, isNamedPipe: true) : new SshAgentAddress(path, origin, isNamedPipe: false);
    }

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Substring(Math.Min(2, path.Length)))
            : path;
}
