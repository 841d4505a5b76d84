using System;
using System.Security;

namespace JumpHost.Engine;

/// <summary>
/// How connecting reports to, and asks, the person or script that started it. The engine calls these from
/// any thread; the PowerShell layer carries them to the pipeline thread.
/// </summary>
internal sealed class ConnectReporter
{
    public static readonly ConnectReporter Silent = new(_ => { }, _ => { }, _ => null);

    public ConnectReporter(Action<string> verbose, Action<string> warning, Func<string, SecureString?> askPassphrase)
    {
        Verbose = verbose;
        Warning = warning;
        AskPassphrase = askPassphrase;
    }

    public Action<string> Verbose { get; }

    public Action<string> Warning { get; }

    /// <summary>Asks for the passphrase of an encrypted key file; null where nobody can answer (a non-interactive run).</summary>
    public Func<string, SecureString?> AskPassphrase { get; }
}
