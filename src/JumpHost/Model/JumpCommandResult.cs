using System;

namespace JumpHost;

/// <summary>The outcome of one command on one session.</summary>
public sealed class JumpCommandResult
{
    public JumpCommandResult(JumpSession session, string command, int? exitStatus, string? exitSignal, string output, string error, DateTime startTime, TimeSpan duration)
    {
        Session = session;
        Command = command;
        ExitStatus = exitStatus;
        ExitSignal = exitSignal;
        Output = output;
        Error = error;
        StartTime = startTime;
        Duration = duration;
    }

    public JumpSession Session { get; }

    public int SessionId => Session.Id;

    public string HostName => Session.HostName;

    public string Command { get; }

    /// <summary>The remote exit status; null when the command ended by a signal or the channel closed without one.</summary>
    public int? ExitStatus { get; }

    /// <summary>The signal that ended the command (e.g. KILL), if any.</summary>
    public string? ExitSignal { get; }

    /// <summary>Everything the command wrote to stdout, decoded as UTF-8.</summary>
    public string Output { get; }

    /// <summary>Everything the command wrote to stderr, decoded as UTF-8.</summary>
    public string Error { get; }

    public bool Succeeded => ExitStatus == 0;

    public DateTime StartTime { get; }

    public TimeSpan Duration { get; }

    public override string ToString() => Output;
}
