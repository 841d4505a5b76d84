namespace JumpHost.HelpGen;

/// <summary>A page does not follow the platyPS schema; reported as "file:line: message".</summary>
internal sealed class HelpFormatException(int line, string message) : Exception(message)
{
    /// <summary>1-based line in the markdown file.</summary>
    public int Line { get; } = line;
}
