namespace JumpHost.Engine.Config;

internal enum SshConfigOriginKind
{
    File,
    CommandLine,
    Default,
}

/// <summary>Where a resolved value came from: a file and line, the command-line overrides, or ssh's default.</summary>
internal sealed class SshConfigOrigin
{
    public static readonly SshConfigOrigin Default = new(SshConfigOriginKind.Default, null, 0);

    public static readonly SshConfigOrigin CommandLine = new(SshConfigOriginKind.CommandLine, null, 0);

    private SshConfigOrigin(SshConfigOriginKind kind, string? file, int line)
    {
        Kind = kind;
        File = file;
        Line = line;
    }

    public SshConfigOriginKind Kind { get; }

    /// <summary>The file as ssh names it (the path given or found by Include), or null.</summary>
    public string? File { get; }

    public int Line { get; }

    public static SshConfigOrigin At(string file, int line) => new(SshConfigOriginKind.File, file, line);

    public override string ToString() => Kind switch
    {
        SshConfigOriginKind.File => $"{File}:{Line}",
        SshConfigOriginKind.CommandLine => SshConfigException.CommandLine,
        _ => "default",
    };
}

/// <summary>A resolved value, where it came from, and the text it was written as (before ~ and % expansion).</summary>
internal sealed class SshConfigValue<T>
{
    public SshConfigValue(T value, SshConfigOrigin origin, string? written = null)
    {
        Value = value;
        Origin = origin;
        Written = written;
    }

    public T Value { get; }

    public SshConfigOrigin Origin { get; }

    /// <summary>The argument as written in the file (what <c>ssh -G</c> prints for unexpanded keywords), or null.</summary>
    public string? Written { get; }

    public override string ToString() => $"{Value} ({Origin})";
}
