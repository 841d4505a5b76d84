using System.Collections.Generic;

namespace JumpHost.Engine.Config;

/// <summary>One configuration file as read: its directives in order, with the files each Include brought in.</summary>
internal sealed class SshConfigFile
{
    public SshConfigFile(string path, bool isUserConfig, IReadOnlyList<SshDirective> directives)
    {
        Path = path;
        IsUserConfig = isUserConfig;
        Directives = directives;
    }

    /// <summary>The path as ssh names it in messages: as given, or as Include's glob produced it.</summary>
    public string Path { get; }

    /// <summary>
    /// A user file (~/.ssh/config, -F, -o and what they include) rather than the system file: ssh resolves
    /// relative Include paths against ~/.ssh instead of /etc/ssh, and keeps their IdentityFiles apart.
    /// </summary>
    public bool IsUserConfig { get; }

    public IReadOnlyList<SshDirective> Directives { get; }
}

/// <summary>One keyword line, checked as ssh checks it whichever host it is later resolved for.</summary>
internal sealed class SshDirective
{
    public SshDirective(SshConfigOrigin origin, SshKeyword keyword, string name, IReadOnlyList<string> arguments, object? value)
    {
        Origin = origin;
        Keyword = keyword;
        Name = name;
        Arguments = arguments;
        Value = value;
    }

    public SshConfigOrigin Origin { get; }

    public SshKeyword Keyword { get; }

    /// <summary>The keyword in lower case, as ssh reports it.</summary>
    public string Name { get; }

    /// <summary>The arguments after quote removal (argv_split).</summary>
    public IReadOnlyList<string> Arguments { get; }

    /// <summary>
    /// The parsed argument: string, int (seconds or count or port), bool, <see cref="SshStrictHostKeyChecking"/>,
    /// string list, <see cref="SshForward"/>, <see cref="SshJumpSpec"/>, <see cref="SshMatchCondition"/>, the
    /// included <see cref="SshConfigFile"/> list, or null for keywords that are only reported.
    /// </summary>
    public object? Value { get; }

    public T ValueAs<T>() => (T)Value!;
}
