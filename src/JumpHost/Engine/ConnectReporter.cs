using System;
using System.Security;

namespace JumpHost.Engine;

/// <summary>
/// How connecting reports to, and asks, the person or script that started it. The engine calls these from
/// any thread; the PowerShell layer carries them to the pipeline thread.
/// </summary>
internal sealed class ConnectReporter
{
    public ConnectReporter(
        Action<string> verbose,
        Action<string> warning,
        Func<string, SecureString?> askPassphrase,
        Func<KeyboardInteractivePrompt, string?>? answerPrompt,
        bool answeredByPerson)
    {
        Verbose = verbose;
        Warning = warning;
        AskPassphrase = askPassphrase;
        AnswerPrompt = answerPrompt;
        AnsweredByPerson = answeredByPerson;
    }

    public Action<string> Verbose { get; }

    public Action<string> Warning { get; }

    /// <summary>Asks for the passphrase of an encrypted key file; null where nobody can answer (a non-interactive run).</summary>
    public Func<string, SecureString?> AskPassphrase { get; }

    /// <summary>Answers a keyboard-interactive question (a one-time password...); null when nobody can answer any.</summary>
    public Func<KeyboardInteractivePrompt, string?>? AnswerPrompt { get; }

    /// <summary>A person answers the questions: a login may take as long as a person needs.</summary>
    public bool AnsweredByPerson { get; }
}
