using System;
using System.Linq;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine;

/// <summary>What one remote command produced.</summary>
internal sealed class CommandOutcome
{
    public CommandOutcome(int? exitStatus, string? exitSignal, CollectedOutput output, CollectedOutput error, DateTime startTime, TimeSpan duration)
    {
        ExitStatus = exitStatus;
        ExitSignal = exitSignal;
        Output = output.Text;
        OutputBytes = output.Bytes;
        Error = error.Text;
        ErrorBytes = error.Bytes;
        StartTime = startTime;
        Duration = duration;
    }

    public int? ExitStatus { get; }

    public string? ExitSignal { get; }

    public string Output { get; }

    public string Error { get; }

    /// <summary>How many bytes the command wrote to stdout, as they arrived (before decoding).</summary>
    public long OutputBytes { get; }

    public long ErrorBytes { get; }

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
            SendEndOfInput(command);
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

    /// <summary>
    /// Like ssh -n: the command's stdin is at its end, so a command that reads it goes on instead of waiting.
    /// SSH.NET sends EOF only after data was written to a command's input stream, so send it on the command's
    /// channel directly, unless the command has already ended and its channel closed. If SSH.NET renames the
    /// members this needs, commands lose the EOF and the stdin test fails.
    /// </summary>
    private static void SendEndOfInput(SshCommand command)
    {
        var channel = CommandChannelField?.GetValue(command);
        if (channel != null)
        {
            ChannelMessages.TrySendEof(channel);
        }
    }

    private static readonly FieldInfo? CommandChannelField = typeof(SshCommand).GetField("_channel", BindingFlags.NonPublic | BindingFlags.Instance);

    private static JumpHostException Failed(ChainHop target, string commandText, Exception ex) =>
        ex is SshConnectionException
            ? new JumpHostException(JumpErrorIds.ConnectionLost, JumpErrorKind.Connection,
                $"The connection to {target.Description} was lost while running the command: {ex.Message}", target.Description, ex)
            : new JumpHostException(JumpErrorIds.CommandFailed, JumpErrorKind.InvalidOperation,
                $"The command could not be run on {target.Description}: {ex.Message}", target.Description, ex);
}

/// <summary>One output stream of a command: its text and how many bytes it was.</summary>
internal readonly struct CollectedOutput
{
    public CollectedOutput(string text, long bytes)
    {
        Text = text;
        Bytes = bytes;
    }

    public string Text { get; }

    public long Bytes { get; }
}

/// <summary>
/// Reads an SSH.NET output pipe on its own thread as data arrives, keeping the raw bytes in chunks and
/// decoding them once at the end: the peak is the bytes plus the final string, with no intermediate copy.
/// </summary>
internal static class OutputCollector
{
    private const int FirstChunkSize = 4 * 1024;
    private const int LargestChunkSize = 1024 * 1024;

    public static Task<CollectedOutput> Start(Stream stream) =>
        Task.Factory.StartNew(() => ReadAll(stream), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static CollectedOutput ReadAll(Stream stream)
    {
        var chunks = new List<ArraySegment<byte>>();
        var current = new byte[FirstChunkSize];
        var filled = 0;
        try
        {
            int read;

            // The pipe's Read blocks until data arrives and returns 0 once the command has finished.
            while ((read = stream.Read(current, filled, current.Length - filled)) > 0)
            {
                filled += read;
                if (filled == current.Length)
                {
                    chunks.Add(new ArraySegment<byte>(current));
                    current = new byte[Math.Min(current.Length * 2, LargestChunkSize)];
                    filled = 0;
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The command was disposed before all output arrived: keep what came.
        }

        chunks.Add(new ArraySegment<byte>(current, 0, filled));
        long bytes = 0;
        foreach (var chunk in chunks)
        {
            bytes += chunk.Count;
        }

        return new CollectedOutput(Decode(chunks), bytes);
    }

    private static string Decode(List<ArraySegment<byte>> chunks)
    {
        // Counted by decoding into scratch space: a stateless count would miscount a character split across chunks.
        var counter = Utf8.GetDecoder();
        var scratch = new char[Utf8.GetMaxCharCount(chunks.Max(c => c.Count))];
        var length = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            length += counter.GetChars(chunks[i].Array!, chunks[i].Offset, chunks[i].Count, scratch, 0, flush: i == chunks.Count - 1);
        }

#if NET8_0_OR_GREATER
        return string.Create(length, chunks, (text, parts) =>
        {
            var decoder = Utf8.GetDecoder();
            var position = 0;
            for (var i = 0; i < parts.Count; i++)
            {
                position += decoder.GetChars(parts[i], text.Slice(position), flush: i == parts.Count - 1);
            }
        });
#else
        var chars = new char[length];
        var decoder = Utf8.GetDecoder();
        var position = 0;
        for (var i = 0; i < chunks.Count; i++)
        {
            position += decoder.GetChars(chunks[i].Array!, chunks[i].Offset, chunks[i].Count, chars, position, flush: i == chunks.Count - 1);
        }

        return new string(chars);
#endif
    }

    private static readonly Encoding Utf8 = new UTF8Encoding(false);
}
