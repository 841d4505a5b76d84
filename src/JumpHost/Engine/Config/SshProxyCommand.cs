using System;
using System.Collections.Generic;
using System.Text;

namespace JumpHost.Engine.Config;

/// <summary>
/// The one kind of ProxyCommand that is a jump host in disguise: <c>ssh [options] -W %h:%p host</c> (also
/// <c>'[%h]:%p'</c>, <c>exec ssh</c>, <c>/usr/bin/ssh</c>). It becomes the destination and command line of the
/// hop's own ssh. Any other command is refused, naming the line that set it.
/// </summary>
internal static class SshProxyCommand
{
    /// <summary>Flags that change nothing about which host, user, port or key the hop uses.</summary>
    private const string HarmlessFlags = "246aCNnqTvx";

    /// <summary>ssh's getopt string: options that take an argument.</summary>
    private const string FlagsWithArgument = "bceilmopBDEFIJLOQRSwW";

    /// <summary>The hop's destination and command-line options, or an exception saying why it cannot be followed.</summary>
    public static SshJumpCommand Parse(SshConfigValue<string> proxyCommand, IReadOnlyDictionary<char, string> tokens)
    {
        var written = proxyCommand.Written ?? proxyCommand.Value;
        var words = SplitShellWords(written) ?? throw Unsupported(proxyCommand, "it uses shell syntax beyond plain words and quotes");
        var i = 0;
        if (i < words.Count && words[i] == "exec")
        {
            i++;
        }

        if (i == words.Count || (words[i] != "ssh" && !words[i].EndsWith("/ssh", StringComparison.Ordinal)))
        {
            throw Unsupported(proxyCommand, "it does not run ssh");
        }

        var overrides = CommandLineOverrides.None;
        string? destination = null;
        var forwardsStdio = false;
        var endOfOptions = false;
        for (i++; i < words.Count; i++)
        {
            var word = words[i];
            if (endOfOptions || word.Length < 2 || word[0] != '-')
            {
                if (destination != null)
                {
                    throw Unsupported(proxyCommand, $"'{word}' would be run as a command on the jump host");
                }

                destination = Expand(word, tokens, proxyCommand);
                overrides = AddDestination(overrides, ref destination, proxyCommand);
                continue;
            }

            if (word == "--")
            {
                endOfOptions = true;
                continue;
            }

            for (var j = 1; j < word.Length; j++)
            {
                var flag = word[j];
                if (FlagsWithArgument.IndexOf(flag) < 0)
                {
                    if (HarmlessFlags.IndexOf(flag) < 0)
                    {
                        throw Unsupported(proxyCommand, $"option -{flag} is not understood here");
                    }

                    continue;
                }

                string argument;
                if (j + 1 < word.Length)
                {
                    argument = word.Substring(j + 1);
                }
                else if (i + 1 < words.Count)
                {
                    argument = words[++i];
                }
                else
                {
                    throw Unsupported(proxyCommand, $"option -{flag} has no argument");
                }

                if (flag == 'W')
                {
                    forwardsStdio = argument == "%h:%p" || argument == "[%h]:%p"
                        ? true
                        : throw Unsupported(proxyCommand, $"-W {argument} does not forward to %h:%p");
                }
                else
                {
                    overrides = AddOption(overrides, flag, Expand(argument, tokens, proxyCommand), proxyCommand);
                }

                break;
            }
        }

        if (!forwardsStdio || destination == null)
        {
            throw Unsupported(proxyCommand, "only 'ssh -W %h:%p host' can be followed as a jump host");
        }

        return new SshJumpCommand(destination, overrides);
    }

    private static CommandLineOverrides AddOption(CommandLineOverrides overrides, char flag, string argument, SshConfigValue<string> proxyCommand) => flag switch
    {
        'l' => overrides.WithUser(argument),
        'p' => overrides.WithPort(argument),
        'i' => overrides.WithIdentityFile(argument),
        'J' => overrides.WithJumpHosts(argument),
        'o' => overrides.WithOption(argument),
        _ => throw Unsupported(proxyCommand, $"option -{flag} is not understood here"),
    };

    /// <summary>
    /// The destination's user (and an ssh:// port) count from where the destination stands among the options,
    /// first value winning, so they become options at that position and the destination a bare host.
    /// </summary>
    private static CommandLineOverrides AddDestination(CommandLineOverrides overrides, ref string destination, SshConfigValue<string> proxyCommand)
    {
        if (destination.StartsWith("ssh://", StringComparison.Ordinal))
        {
            var uri = SshJumpSpec.ParseUri(destination.Substring("ssh://".Length))
                ?? throw Unsupported(proxyCommand, $"'{destination}' is not a valid ssh:// destination");
            destination = uri.Host;
            overrides = uri.User == null ? overrides : overrides.WithUser(uri.User);
            return uri.Port == null ? overrides : overrides.WithPort(uri.Port.Value);
        }

        var at = destination.LastIndexOf('@');
        if (at <= 0)
        {
            return overrides;
        }

        var user = destination.Substring(0, at);
        destination = destination.Substring(at + 1);
        return overrides.WithUser(user);
    }

    private static string Expand(string word, IReadOnlyDictionary<char, string> tokens, SshConfigValue<string> proxyCommand) =>
        SshTokens.Expand(word, tokens, null, proxyCommand.Origin, "ProxyCommand");

    /// <summary>sh's word splitting for plain commands: quotes and backslashes; null when the shell would do more.</summary>
    private static List<string>? SplitShellWords(string command)
    {
        var words = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < command.Length; i++)
        {
            var c = command[i];
            if (c == ' ' || c == '\t')
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }

                continue;
            }

            if ("|&;<>()$`*?#\n".IndexOf(c) >= 0 && !(c == '#' && inWord))
            {
                return null;
            }

            inWord = true;
            if (c == '\\' && i + 1 < command.Length)
            {
                word.Append(command[++i]);
            }
            else if (c == '\'')
            {
                var close = command.IndexOf('\'', i + 1);
                if (close < 0)
                {
                    return null;
                }

                word.Append(command, i + 1, close - i - 1);
                i = close;
            }
            else if (c == '"')
            {
                for (i++; i < command.Length && command[i] != '"'; i++)
                {
                    if (command[i] == '$' || command[i] == '`')
                    {
                        return null;
                    }

                    if (command[i] == '\\' && i + 1 < command.Length && "\\\"".IndexOf(command[i + 1]) >= 0)
                    {
                        i++;
                    }

                    word.Append(command[i]);
                }

                if (i == command.Length)
                {
                    return null;
                }
            }
            else
            {
                word.Append(c);
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return words;
    }

    private static SshConfigException Unsupported(SshConfigValue<string> proxyCommand, string why) =>
        new(proxyCommand.Origin,
            $"ProxyCommand '{proxyCommand.Written ?? proxyCommand.Value}' is not supported: {why}. JumpHost follows only 'ssh -W %h:%p host' (with -l, -p, -i, -J or -o); write ProxyJump host instead.");
}

/// <summary>What a jump host's own ssh is run with: a destination host and its command-line options.</summary>
internal sealed class SshJumpCommand
{
    public SshJumpCommand(string destination, CommandLineOverrides overrides)
    {
        Destination = destination;
        Overrides = overrides;
    }

    public string Destination { get; }

    public CommandLineOverrides Overrides { get; }
}
