using System;

namespace JumpHost.Engine.Config;

/// <summary>
/// A configuration that ssh would refuse, or that this resolver cannot follow exactly, naming the file and
/// line at fault the way ssh does ("file line N: ..."). <see cref="File"/> is <see cref="CommandLine"/> for
/// the command-line overrides; <see cref="Line"/> is 0 when no single line is to blame.
/// </summary>
internal sealed class SshConfigException : Exception
{
    public const string CommandLine = "command line";

    public SshConfigException(string file, int line, string reason)
        : base(line > 0 ? $"{file} line {line}: {reason}" : $"{file}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    public SshConfigException(SshConfigOrigin origin, string reason)
        : this(origin.File ?? origin.ToString(), origin.Line, reason)
    {
    }

    public string File { get; }

    public int Line { get; }

    /// <summary>The message without the location, for callers that show the location separately.</summary>
    public string Reason { get; }
}
