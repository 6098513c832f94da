using Jormungandr.Time;

namespace Jormungandr.Engine;

/// <summary>
/// Wakes one waiting loop from any thread. The loop takes <see cref="Arm"/> before it looks at its
/// work and then waits on that task, so a <see cref="Set"/> between looking and waiting is never lost.
/// </summary>
internal sealed class WakeSignal
{
    private TaskCompletionSource _wake = New();

    /// <summary>Wakes the loop (at once if it waits, else its next wait returns at once).</summary>
    public void Set() => Volatile.Read(ref _wake).TrySetResult();

    /// <summary>The task the loop waits on next: a fresh one when the last was set.</summary>
    public Task Arm()
    {
        TaskCompletionSource current = Volatile.Read(ref _wake);
        if (current.Task.IsCompleted)
        {
            Interlocked.CompareExchange(ref _wake, New(), current);
        }

        return Volatile.Read(ref _wake).Task;
    }

    /// <summary>
    /// Sleeps until <paramref name="armed"/> (from <see cref="Arm"/>) is set, <paramref name="sleep"/> has
    /// passed on <paramref name="clock"/> (at once when not positive), or <paramref name="stop"/> is cancelled;
    /// the clock's timer is cancelled when the wake comes first, so none is left behind.
    /// </summary>
    public static async Task SleepAsync(Task armed, IClock clock, TimeSpan sleep, CancellationToken stop)
    {
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(stop);
        await Task.WhenAny(clock.Delay(sleep > TimeSpan.Zero ? sleep : TimeSpan.Zero, timer.Token), armed).ConfigureAwait(false);
        await timer.CancelAsync().ConfigureAwait(false);
    }

    private static TaskCompletionSource New() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
