using System;
using System.Collections.Generic;
using System.IO;

namespace JumpHost.Engine.Config;

/// <summary>
/// Reads configuration files into directives, following Include, and rejects what ssh rejects on every run
/// whatever the host: unknown syntax, missing or bad values, unclosed quotes, broken Include. Checks that
/// depend on the host being resolved (unknown keywords, which IgnoreUnknown may excuse) wait for the resolver.
/// </summary>
internal sealed class SshConfigParser
{
    /// <summary>The name ssh gives -o lines in its messages.</summary>
    public const string CommandLineFile = "command-line";

    /// <summary>READCONF_MAX_DEPTH: includes may nest 16 deep.</summary>
    private const int MaxIncludeDepth = 16;

    private static readonly Dictionary<string, bool> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        ["yes"] = true,
        ["true"] = true,
        ["no"] = false,
        ["false"] = false,
    };

    private static readonly Dictionary<string, SshStrictHostKeyChecking> StrictModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["yes"] = SshStrictHostKeyChecking.Yes,
        ["true"] = SshStrictHostKeyChecking.Yes,
        ["no"] = SshStrictHostKeyChecking.No,
        ["false"] = SshStrictHostKeyChecking.No,
        ["off"] = SshStrictHostKeyChecking.No,
        ["ask"] = SshStrictHostKeyChecking.Ask,
        ["accept-new"] = SshStrictHostKeyChecking.AcceptNew,
    };

    private static readonly Dictionary<string, bool> CanonicalizeModes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["yes"] = true,
        ["true"] = true,
        ["always"] = true,
        ["no"] = false,
        ["false"] = false,
    };

    private readonly SshConfigSources _sources;

    public SshConfigParser(SshConfigSources sources)
    {
        _sources = sources;
    }

    /// <summary>A top-level file; null when it does not exist and need not (~/.ssh/config, ssh_config).</summary>
    public SshConfigFile? ReadFile(string path, bool isUserConfig, bool mustExist)
    {
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return mustExist
                ? throw new SshConfigException(path, 0, $"Can't open user config file {path}: No such file or directory. Check the -F path.")
                : null;
        }

        return Read(path, isUserConfig, 0, SshConfigOrigin.At(path, 0));
    }

    /// <summary>One <c>-o</c> option, read like a line of a user file; Host, Match and Include are refused.</summary>
    public SshDirective? ParseOption(string line) =>
        ParseLine(CommandLineFile, 0, line, isUserConfig: true, depth: 0, commandLine: true);

    private SshConfigFile Read(string path, bool isUserConfig, int depth, SshConfigOrigin includedAt)
    {
        if (depth > MaxIncludeDepth)
        {
            throw new SshConfigException(includedAt,
                $"Too many recursive configuration includes (more than {MaxIncludeDepth} deep): an Include probably includes itself.");
        }

        string text;
        try
        {
            // fopen succeeds on a directory and reading it yields no line, so ssh treats it as empty.
            text = Directory.Exists(path) ? string.Empty : File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException || e is UnauthorizedAccessException)
        {
            throw new SshConfigException(includedAt, $"Can't open user config file {path}: {e.Message}");
        }

        var directives = new List<SshDirective>();
        var lines = text.Split('\n');
        var count = text.EndsWith("\n", StringComparison.Ordinal) ? lines.Length - 1 : lines.Length;
        for (var i = 0; i < count; i++)
        {
            var directive = ParseLine(path, i + 1, lines[i], isUserConfig, depth, commandLine: false);
            if (directive != null)
            {
                directives.Add(directive);
            }
        }

        return new SshConfigFile(path, isUserConfig, directives);
    }

    private SshDirective? ParseLine(string file, int lineNumber, string raw, bool isUserConfig, int depth, bool commandLine)
    {
        var origin = SshConfigOrigin.At(file, lineNumber);
        var line = SshConfigLexer.TrimLineEnd(raw);
        if (line.Length == 0)
        {
            return null;
        }

        int? position = 0;
        var keyword = SshConfigLexer.NextToken(line, ref position);
        if (keyword == string.Empty)
        {
            keyword = SshConfigLexer.NextToken(line, ref position);
        }

        if (string.IsNullOrEmpty(keyword) || keyword![0] == '#')
        {
            return null;
        }

        var name = SshConfigLexer.AsciiLower(keyword);
        var start = position == null ? line.Length : SshConfigLexer.SkipWhitespace(line, position.Value);
        if (start >= line.Length)
        {
            throw new SshConfigException(origin, $"no argument after keyword \"{name}\".");
        }

        var rest = line.Substring(start);
        var arguments = SshConfigLexer.SplitArguments(rest)
            ?? throw new SshConfigException(origin, "invalid quotes: a quote is not closed.");
        var reader = new ArgumentReader(origin, name, arguments);
        var kind = SshKeywords.Find(name);
        var value = ParseValue(kind, reader, rest, isUserConfig, depth, commandLine);
        reader.CheckAllConsumed();
        return new SshDirective(origin, kind, name, arguments, value);
    }

    private object? ParseValue(SshKeyword kind, ArgumentReader reader, string rest, bool isUserConfig, int depth, bool commandLine)
    {
        var origin = reader.Origin;
        switch (kind)
        {
            case SshKeyword.Host:
                RefuseOnCommandLine(commandLine, "Host", origin);
                return reader.RemainingNonEmpty();

            case SshKeyword.Match:
                RefuseOnCommandLine(commandLine, "Match", origin);
                reader.ConsumeAll();
                return SshMatchCondition.Parse(rest, origin);

            case SshKeyword.Include:
                RefuseOnCommandLine(commandLine, "Include", origin);
                return ReadIncludes(reader.RemainingNonEmpty(), isUserConfig, depth, origin);

            case SshKeyword.HostName:
            case SshKeyword.User:
            case SshKeyword.HostKeyAlias:
            case SshKeyword.IgnoreUnknown:
            case SshKeyword.IdentityFile:
            case SshKeyword.CertificateFile:
                return reader.Required("Missing argument.");

            case SshKeyword.Port:
            {
                var text = reader.Required("Missing argument.");
                var port = SshNumbers.ParsePort(text);
                return port > 0 ? port : throw new SshConfigException(origin, $"Bad port '{text}'. Give a number from 1 to 65535 or a service name.");
            }

            case SshKeyword.IdentitiesOnly:
            case SshKeyword.HashKnownHosts:
            case SshKeyword.BatchMode:
            case SshKeyword.ClearAllForwardings:
                return reader.Choice(Flags, "yes or no");

            case SshKeyword.StrictHostKeyChecking:
                return reader.Choice(StrictModes, "yes, no, ask or accept-new");

            case SshKeyword.CanonicalizeHostname:
                return reader.Choice(CanonicalizeModes, "yes, no or always");

            case SshKeyword.ServerAliveInterval:
            case SshKeyword.ConnectTimeout:
            {
                var text = reader.Next();
                if (string.IsNullOrEmpty(text))
                {
                    throw new SshConfigException(origin, "missing time value.");
                }

                // "none" leaves the keyword unset, so a later line may still set it.
                var seconds = text == "none" ? -1 : SshNumbers.ParseTime(text!);
                return seconds >= 0 || text == "none"
                    ? seconds
                    : throw new SshConfigException(origin, $"invalid time value '{text}'. Give seconds, or a time such as 30s, 5m or 1h.");
            }

            case SshKeyword.ServerAliveCountMax:
            {
                var error = SshNumbers.ParseCount(reader.Next(), out var count);
                return error == null ? count : throw new SshConfigException(origin, $"integer value {error}.");
            }

            case SshKeyword.UserKnownHostsFile:
            case SshKeyword.GlobalKnownHostsFile:
            {
                var files = reader.RemainingNonEmpty();
                for (var i = 0; i < files.Count; i++)
                {
                    if (string.Equals(files[i], "none", StringComparison.OrdinalIgnoreCase) && files.Count > 1)
                    {
                        throw new SshConfigException(origin, $"keyword {reader.Keyword} \"none\" argument must appear alone.");
                    }
                }

                return files;
            }

            case SshKeyword.ProxyCommand:
                reader.ConsumeAll();
                return rest.TrimStart(' ', '\t', '\r', '\n', '=');

            case SshKeyword.ProxyJump:
            {
                reader.ConsumeAll();
                var text = rest.TrimStart(' ', '\t', '\r', '\n', '=');
                return SshJumpSpec.Parse(text, commandLine, out var why)
                    ?? throw new SshConfigException(origin, $"Invalid ProxyJump \"{text}\": {why}. Write [user@]host[:port] hops separated by commas, or none.");
            }

            case SshKeyword.LocalForward:
            case SshKeyword.RemoteForward:
            case SshKeyword.DynamicForward:
                return ParseForward(kind, reader);

            case SshKeyword.IdentityAgent:
                return ParseIdentityAgent(reader);

            default:
                // Unknown, ignored, deprecated and unsupported keywords take any arguments.
                reader.ConsumeAll();
                return null;
        }
    }

    private object ParseForward(SshKeyword kind, ArgumentReader reader)
    {
        var first = reader.Required("Missing argument.");
        var dynamic = kind == SshKeyword.DynamicForward;
        var spec = first;
        if (!dynamic)
        {
            var second = reader.Next();
            if (string.IsNullOrEmpty(second))
            {
                dynamic = kind == SshKeyword.RemoteForward
                    ? true
                    : throw new SshConfigException(reader.Origin, "Missing target argument: write LocalForward [bind:]port host:hostport.");
            }
            else
            {
                spec = first + ":" + second;
            }
        }

        var forwardKind = kind == SshKeyword.RemoteForward ? SshForwardKind.Remote : SshForwardKind.Local;
        return SshForward.Parse(forwardKind, spec, dynamic, _sources.Environment)
            ?? throw new SshConfigException(reader.Origin, $"Bad forwarding specification '{spec}'. See {reader.Keyword} in ssh_config(5).");
    }

    private object ParseIdentityAgent(ArgumentReader reader)
    {
        var agent = reader.Required("Missing argument.");
        try
        {
            SshTokens.Expand(agent, null, _sources.Environment, reader.Origin, "IdentityAgent");
        }
        catch (SshConfigException e)
        {
            throw new SshConfigException(reader.Origin, $"Invalid environment expansion {agent}: {e.Reason}");
        }

        if (agent.Length > 1 && agent[0] == '$' && agent[1] != '{' && !IsEnvironmentName(agent.Substring(1)))
        {
            throw new SshConfigException(reader.Origin, $"Invalid environment name {agent}.");
        }

        return agent;
    }

    private List<SshConfigFile> ReadIncludes(IReadOnlyList<string> patterns, bool isUserConfig, int depth, SshConfigOrigin origin)
    {
        var files = new List<SshConfigFile>();
        foreach (var pattern in patterns)
        {
            if (pattern[0] == '~' && !isUserConfig)
            {
                throw new SshConfigException(origin, $"bad include path {pattern}: the system file may not use ~.");
            }

            var full = SshGlob.IsAbsolute(pattern) || pattern[0] == '~'
                ? pattern
                : isUserConfig ? "~/.ssh/" + pattern : _sources.SystemDirectory.TrimEnd('/') + "/" + pattern;
            foreach (var path in SshGlob.Expand(full, _sources, origin))
            {
                files.Add(Read(path, isUserConfig, depth + 1, origin));
            }
        }

        return files;
    }

    private static void RefuseOnCommandLine(bool commandLine, string keyword, SshConfigOrigin origin)
    {
        if (commandLine)
        {
            throw new SshConfigException(origin, $"{keyword} directive not supported as a command-line option.");
        }
    }

    private static bool IsEnvironmentName(string name)
    {
        foreach (var c in name)
        {
            if (c > 127 || (!char.IsLetterOrDigit(c) && c != '_'))
            {
                return false;
            }
        }

        return name.Length > 0;
    }

    /// <summary>Hands out a line's arguments one by one and complains, as ssh does, about missing or extra ones.</summary>
    private sealed class ArgumentReader
    {
        private readonly IReadOnlyList<string> _arguments;
        private int _next;

        public ArgumentReader(SshConfigOrigin origin, string keyword, IReadOnlyList<string> arguments)
        {
            Origin = origin;
            Keyword = keyword;
            _arguments = arguments;
        }

        public SshConfigOrigin Origin { get; }

        public string Keyword { get; }

        public string? Next() => _next < _arguments.Count ? _arguments[_next++] : null;

        public string Required(string missing)
        {
            var argument = Next();
            return string.IsNullOrEmpty(argument) ? throw new SshConfigException(Origin, missing) : argument!;
        }

        public T Choice<T>(Dictionary<string, T> choices, string expected)
        {
            var argument = Next();
            if (string.IsNullOrEmpty(argument))
            {
                throw new SshConfigException(Origin, $"missing argument: {Keyword} takes {expected}.");
            }

            return choices.TryGetValue(argument!, out var value)
                ? value
                : throw new SshConfigException(Origin, $"unsupported option \"{argument}\": {Keyword} takes {expected}.");
        }

        public List<string> RemainingNonEmpty()
        {
            var rest = new List<string>();
            while (_next < _arguments.Count)
            {
                var argument = _arguments[_next++];
                if (argument.Length == 0)
                {
                    throw new SshConfigException(Origin, $"keyword {Keyword} empty argument.");
                }

                rest.Add(argument);
            }

            return rest;
        }

        public void ConsumeAll() => _next = _arguments.Count;

        public void CheckAllConsumed()
        {
            if (_next < _arguments.Count)
            {
                throw new SshConfigException(Origin, $"keyword {Keyword} extra arguments at end of line.");
            }
        }
    }
}
