using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Runtime;

/// <summary>
/// Lets background work report to the pipeline. PowerShell's Write* methods only work on the pipeline
/// thread, so workers post actions here and the pipeline thread runs them while it waits.
/// </summary>
internal sealed class PipelineBridge
{
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(5);

    private readonly BlockingCollection<Action> _actions = new();

    /// <summary>Queues an action (e.g. a WriteVerbose call) for the pipeline thread. Safe from any thread.</summary>
    public void Post(Action action)
    {
        try
        {
            _actions.Add(action);
        }
        catch (InvalidOperationException)
        {
            // The cmdlet has finished; nobody is left to show the message.
        }
    }

    /// <summary>Runs queued actions on the calling (pipeline) thread until the task ends, then returns its result.</summary>
    public T Wait<T>(Task<T> task, CancellationToken stopping)
    {
        Wait((Task)task, stopping);
        return task.GetAwaiter().GetResult();
    }

    /// <summary>Runs queued actions on the calling (pipeline) thread until the task ends; rethrows its failure.</summary>
    public void Wait(Task task, CancellationToken stopping)
    {
        // Wakes the loop below when the task ends.
        _ = task.ContinueWith(_ => Post(() => { }), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        while (!task.IsCompleted)
        {
            Action? action;
            try
            {
                _actions.TryTake(out action, Timeout.Infinite, stopping);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C: the work was given the same token; give it a moment to unwind its connections.
                _ = Task.WhenAny(task, Task.Delay(StopGrace)).GetAwaiter().GetResult();
                throw;
            }

            action?.Invoke();
        }

        Drain();
        task.GetAwaiter().GetResult();
    }

    /// <summary>Runs every action queued so far.</summary>
    public void Drain()
    {
        while (_actions.TryTake(out var action))
        {
            action();
        }
    }
}
