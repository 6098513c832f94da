using System.Collections.Concurrent;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// Runs work posted from any thread on the one thread that calls <see cref="Run"/>. PowerShell allows
/// WriteObject, WriteError, ShouldProcess and friends only on the pipeline thread, while tunnels report
/// from worker threads; the cmdlet thread pumps this queue until the command's task has finished.
/// </summary>
internal sealed class PipelinePump : IDisposable
{
    private readonly BlockingCollection<WorkItem> _queue = [];
    private int _pumpThread = -1;
    private int _abandoned;

    /// <summary>Queues <paramref name="action"/> for the pump thread; runs it inline on that thread. Dropped after the pump ended.</summary>
    public void Post(Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        if (Environment.CurrentManagedThreadId == Volatile.Read(ref _pumpThread))
        {
            action();
            return;
        }

        TryEnqueue(new WorkItem(action, null, false));
    }

    /// <summary>
    /// Runs <paramref name="func"/> on the pump thread and waits for its answer (ShouldProcess needs one).
    /// Answers <paramref name="fallback"/> when the pump has ended or the function threw.
    /// </summary>
    public bool Invoke(Func<bool> func, bool fallback)
    {
        ArgumentNullException.ThrowIfNull(func);
        if (Environment.CurrentManagedThreadId == Volatile.Read(ref _pumpThread))
        {
            return func();
        }

        WorkItem item = new(null, func, fallback);
        if (!TryEnqueue(item))
        {
            return fallback;
        }

        return item.Answer.Task.GetAwaiter().GetResult();
    }

    /// <summary>
    /// Pumps queued work on the calling thread until <paramref name="work"/> has completed and the queue
    /// is drained. If a queued action throws (PipelineStoppedException when the user pressed Ctrl+C),
    /// the rest is abandoned (waiting callers get their fallback) and the exception propagates.
    /// </summary>
    public void Run(Task work)
    {
        ArgumentNullException.ThrowIfNull(work);
        Volatile.Write(ref _pumpThread, Environment.CurrentManagedThreadId);
        work.ContinueWith(_ => Complete(), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            foreach (WorkItem item in _queue.GetConsumingEnumerable())
            {
                item.Execute();
            }
        }
        catch
        {
            Abandon();
            throw;
        }
        finally
        {
            Volatile.Write(ref _pumpThread, -1);
        }
    }

    /// <summary>Stops accepting work and answers everything still queued with its fallback.</summary>
    public void Abandon()
    {
        Interlocked.Exchange(ref _abandoned, 1);
        Complete();
        while (_queue.TryTake(out WorkItem? item))
        {
            item.Answer.TrySetResult(item.Fallback);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Abandon();
        _queue.Dispose();
    }

    private void Complete()
    {
        try
        {
            _queue.CompleteAdding();
        }
        catch (ObjectDisposedException)
        {
            // Already disposed: nothing left to complete.
        }
    }

    private bool TryEnqueue(WorkItem item)
    {
        if (Volatile.Read(ref _abandoned) != 0)
        {
            return false;
        }

        try
        {
            return _queue.TryAdd(item);
        }
        catch (InvalidOperationException)
        {
            return false; // completed or disposed: a straggling worker thread reported too late
        }
    }

    private sealed class WorkItem(Action? action, Func<bool>? func, bool fallback)
    {
        public TaskCompletionSource<bool> Answer { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public bool Fallback => fallback;

        public void Execute()
        {
            if (action is not null)
            {
                action();
                Answer.TrySetResult(true);
                return;
            }

            try
            {
                Answer.TrySetResult(func!());
            }
            catch
            {
                Answer.TrySetResult(fallback);
                throw;
            }
        }
    }
}
