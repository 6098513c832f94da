using Jormungandr.Time;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// A clock only the test moves. Timers and deadlines (<see cref="Delay"/>) complete when
/// <see cref="Advance"/> passes them, in order, so a 2-minute rekey takes as long as the test wants.
/// </summary>
internal sealed class TestClock : IClock
{
    private readonly Lock _gate = new();
    private readonly List<(TimeSpan Due, long Order, TaskCompletionSource Done)> _timers = [];
    private long _order;
    private TimeSpan _now = TimeSpan.FromSeconds(1000);

    public TimeSpan Now
    {
        get
        {
            lock (_gate)
            {
                return _now;
            }
        }
    }

    public DateTimeOffset UtcNow => new DateTimeOffset(2026, 12, 2, 0, 0, 0, TimeSpan.Zero) + Now;

    public Task Delay(TimeSpan delay, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled(cancellationToken);
        }

        if (delay == Timeout.InfiniteTimeSpan)
        {
            delay = TimeSpan.MaxValue / 2;
        }

        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (delay <= TimeSpan.Zero)
            {
                return Task.CompletedTask;
            }

            _timers.Add((_now + delay, _order++, done));
        }

        if (cancellationToken.CanBeCanceled)
        {
            CancellationTokenRegistration registration = cancellationToken.Register(() =>
            {
                lock (_gate)
                {
                    _timers.RemoveAll(t => t.Done == done);
                }

                done.TrySetCanceled(cancellationToken);
            });
            done.Task.ContinueWith(_ => registration.Dispose(), TaskScheduler.Default);
        }

        return done.Task;
    }

    /// <summary>Moves time forward by <paramref name="by"/>, completing every timer due on the way.</summary>
    public void Advance(TimeSpan by)
    {
        List<TaskCompletionSource> due;
        lock (_gate)
        {
            _now += by;
            due = [.. _timers.Where(t => t.Due <= _now).OrderBy(t => t.Due).ThenBy(t => t.Order).Select(t => t.Done)];
            _timers.RemoveAll(t => t.Due <= _now);
        }

        foreach (TaskCompletionSource t in due)
        {
            t.TrySetResult();
        }
    }

    /// <summary>Timers waiting now (for tests that check an idle device sleeps).</summary>
    public int PendingTimers
    {
        get
        {
            lock (_gate)
            {
                return _timers.Count;
            }
        }
    }
}
