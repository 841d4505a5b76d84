namespace JumpHost;

/// <summary>One question a server asks during keyboard-interactive login (a one-time password, a PIN...), as a -KeyboardInteractive handler receives it.</summary>
public sealed class KeyboardInteractivePrompt
{
    public KeyboardInteractivePrompt(string hostName, string userName, string instruction, string prompt, bool echo)
    {
        HostName = hostName;
        UserName = userName;
        Instruction = instruction;
        Prompt = prompt;
        Echo = echo;
    }

    /// <summary>The hop asking, as written (e.g. an ssh_config alias).</summary>
    public string HostName { get; }

    public string UserName { get; }

    /// <summary>The server's instructions for the exchange; often empty.</summary>
    public string Instruction { get; }

    /// <summary>The question itself, e.g. "One-time password (OATH) for `admin':".</summary>
    public string Prompt { get; }

    /// <summary>Whether the answer may be shown as typed; false for secrets.</summary>
    public bool Echo { get; }

    public override string ToString() => Prompt;
}
