namespace JumpHost.Engine;

// HopAddress (compiled in from the module) throws these; the real ones pull in the whole engine.
internal enum JumpErrorKind
{
    InvalidArgument,
}

internal static class JumpErrorIds
{
    public const string InvalidHostSpec = "InvalidHostSpec";
}

internal sealed class JumpHostException : System.Exception
{
    public JumpHostException(string errorId, JumpErrorKind kind, string message)
        : base($"{errorId} ({kind}): {message}")
    {
    }
}
