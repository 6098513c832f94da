using Jormungandr.Engine;
using Jormungandr.Tests.Simulation;

namespace Jormungandr.Tests;

/// <summary>How the server's housekeeping learns of work: a change that settles before it is taken, and the wake it waits on.</summary>
public sealed class PendingChangeTests
{
    private static readonly TimeSpan Settle = TimeSpan.FromMilliseconds(200);

    [Fact]
    public void A_burst_of_changes_wakes_once_and_is_taken_once_it_settled()
    {
        var clock = new TestClock();
        var wake = new WakeSignal();
        var change = new PendingChange(clock, wake);
        Task first = wake.Arm();
        Assert.Null(change.Due(Settle));

        TimeSpan start = clock.Now;
        change.Mark();
        Assert.True(first.IsCompleted);
        Task second = wake.Arm();
        clock.Advance(TimeSpan.FromMilliseconds(150));
        change.Mark(); // the same burst: no new wake, the first change's time stays
        Assert.False(second.IsCompleted);
        Assert.Equal(start + Settle, change.Due(Settle));

        Assert.False(change.TryTake(clock.Now, Settle));
        clock.Advance(TimeSpan.FromMilliseconds(50));
        Assert.True(change.TryTake(clock.Now, Settle));
        Assert.Null(change.Since);
        Assert.False(change.TryTake(clock.Now, Settle));

        change.Mark(); // a change after the take is a new one
        Assert.True(second.IsCompleted);
        Assert.Equal(clock.Now, change.Since);
    }

    [Fact]
    public void An_armed_wake_set_before_the_wait_is_not_lost()
    {
        var wake = new WakeSignal();
        Task armed = wake.Arm();
        Assert.Same(armed, wake.Arm()); // not set: the same task
        wake.Set();
        Assert.True(armed.IsCompleted);
        Task next = wake.Arm();
        Assert.False(next.IsCompleted);
    }
}
