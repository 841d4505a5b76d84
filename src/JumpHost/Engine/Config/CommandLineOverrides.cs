using System.Collections.Generic;

namespace JumpHost.Engine.Config;

internal enum CommandLineOptionKind
{
    User,
    Port,
    IdentityFile,
    JumpHosts,
    Option,
}

/// <summary>One ssh command-line option that takes part in configuration: -l, -p, -i, -J or -o.</summary>
internal sealed class CommandLineOption
{
    public CommandLineOption(CommandLineOptionKind kind, string value)
    {
        Kind = kind;
        Value = value;
    }

    public CommandLineOptionKind Kind { get; }

    public string Value { get; }
}

/// <summary>
/// What ssh's command line contributes before any file is read. Options keep the order they were added in,
/// because ssh gives the first value for a keyword precedence, between options as in files:
/// <c>-l a -o User=b</c> is user a, <c>-o User=b -l a</c> is user b.
/// </summary>
internal sealed class CommandLineOverrides
{
    public static readonly CommandLineOverrides None = new();

    private readonly List<CommandLineOption> _options = new();

    public IReadOnlyList<CommandLineOption> Options => _options;

    /// <summary>ssh -l user.</summary>
    public CommandLineOverrides WithUser(string user) => Add(CommandLineOptionKind.User, user);

    /// <summary>ssh -p port (a number or a service name, as ssh accepts).</summary>
    public CommandLineOverrides WithPort(string port) => Add(CommandLineOptionKind.Port, port);

    public CommandLineOverrides WithPort(int port) => WithPort(port.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>ssh -i file: offered before the configuration's IdentityFile entries.</summary>
    public CommandLineOverrides WithIdentityFile(string path) => Add(CommandLineOptionKind.IdentityFile, path);

    /// <summary>ssh -J [user@]host[:port][,...], or "none".</summary>
    public CommandLineOverrides WithJumpHosts(string jumps) => Add(CommandLineOptionKind.JumpHosts, jumps);

    /// <summary>ssh -o: "Keyword value" or "Keyword=value", read like a configuration line.</summary>
    public CommandLineOverrides WithOption(string line) => Add(CommandLineOptionKind.Option, line);

    private CommandLineOverrides Add(CommandLineOptionKind kind, string value)
    {
        var copy = new CommandLineOverrides();
        copy._options.AddRange(_options);
        copy._options.Add(new CommandLineOption(kind, value));
        return copy;
    }
}
