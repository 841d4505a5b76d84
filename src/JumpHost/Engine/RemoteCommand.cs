using System;
using System.Diagnostics;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine;

/// <summary>What one remote command produced.</summary>
internal sealed class CommandOutcome
{
    public CommandOutcome(int? exitStatus, string? exitSignal, string output, string error, DateTime startTime, TimeSpan duration)
    {
        ExitStatus = exitStatus;
        ExitSignal = exitSignal;
        Output = output;
        Error = error;
        StartTime = startTime;
        Duration = duration;
    }

    public int? ExitStatus { get; }

    public string? ExitSignal { get; }

    public string Output { get; }

    public string Error { get; }

    public DateTime StartTime { get; }

    public TimeSpan Duration { get; }
}

/// <summary>Runs a command on a chain's target and collects its output while it streams.</summary>
internal static class RemoteCommand
{
    public static async Task<CommandOutcome> RunAsync(ConnectionChain chain, string commandText, TimeSpan? timeout, CancellationToken cancellationToken)
    {
        var target = chain.Target;
        if (!chain.IsHealthy)
        {
            throw new JumpHostException(JumpErrorIds.SessionNotOpen, JumpErrorKind.InvalidOperation,
                $"The session to {target.Description} is {(chain.IsClosed ? "closed" : "broken: " + chain.Failure)}. Open a new one with New-JumpSession.",
                target.Description);
        }

        var startTime = DateTime.Now;
        var stopwatch = Stopwatch.StartNew();
        using var command = target.Client.CreateCommand(commandText, new UTF8Encoding(false));
        if (timeout.HasValue)
        {
            command.CommandTimeout = timeout.Value;
        }

        Task execution;
        try
        {
            execution = command.ExecuteAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is SshException || ex is InvalidOperationException)
        {
            throw Failed(target, commandText, ex);
        }

        // SSH.NET buffers unread output without limit; draining both streams as data arrives keeps memory flat.
        var output = OutputCollector.Start(command.OutputStream);
        var error = OutputCollector.Start(command.ExtendedOutputStream);
        try
        {
            await execution.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (SshOperationTimeoutException ex)
        {
            throw new JumpHostException(JumpErrorIds.CommandTimeout, JumpErrorKind.Timeout,
                $"The command on {target.Description} did not finish within {timeout?.TotalSeconds:0.###} s and was stopped. " +
                "Raise -Timeout, or run long jobs in the background on the server (nohup, systemd-run).", target.Description, ex);
        }
        catch (Exception ex) when (ex is SshException || ex is ObjectDisposedException)
        {
            throw Failed(target, commandText, ex);
        }

        var outputText = await output.ConfigureAwait(false);
        var errorText = await error.ConfigureAwait(false);
        return new CommandOutcome(command.ExitStatus, command.ExitSignal, outputText, errorText, startTime, stopwatch.Elapsed);
    }

    private static JumpHostException Failed(ChainHop target, string commandText, Exception ex) =>
        ex is SshConnectionException
            ? new JumpHostException(JumpErrorIds.ConnectionLost, JumpErrorKind.Connection,
                $"The connection to {target.Description} was lost while running the command: {ex.Message}", target.Description, ex)
            : new JumpHostException(JumpErrorIds.CommandFailed, JumpErrorKind.InvalidOperation,
                $"The command could not be run on {target.Description}: {ex.Message}", target.Description, ex);
}

/// <summary>Reads an SSH.NET output pipe on its own thread and decodes UTF-8 as it arrives.</summary>
internal static class OutputCollector
{
    private const int ChunkSize = 64 * 1024;

    public static Task<string> Start(Stream stream) =>
        Task.Factory.StartNew(() => ReadAll(stream), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static string ReadAll(Stream stream)
    {
        var decoder = new UTF8Encoding(false).GetDecoder();
        var bytes = new byte[ChunkSize];
        var chars = new char[ChunkSize + 1];
        var text = new StringBuilder();
        try
        {
            int read;

            // The pipe's Read blocks until data arrives and returns 0 once the command has finished.
            while ((read = stream.Read(bytes, 0, bytes.Length)) > 0)
            {
                var count = decoder.GetChars(bytes, 0, read, chars, 0, flush: false);
                text.Append(chars, 0, count);
            }
        }
        catch (ObjectDisposedException)
        {
            // The command was disposed before all output arrived: keep what came.
        }

        var tail = decoder.GetChars(bytes, 0, 0, chars, 0, flush: true);
        text.Append(chars, 0, tail);
        return text.ToString();
    }
}
