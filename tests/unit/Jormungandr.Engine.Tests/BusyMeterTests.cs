using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests;

/// <summary>The busy share that moves the UDP sockets between the data thread and its helper (timestamps passed in).</summary>
public class BusyMeterTests
{
    [Fact]
    public void A_window_closes_only_when_the_thread_waits_after_its_length_and_reports_the_busy_share()
    {
        var meter = new BusyMeter(1000, now: 0);
        Assert.False(meter.Waiting(300, out _)); // busy 0..300
        meter.Woke(700);                         // waited 300..700
        Assert.False(meter.Waiting(999, out _)); // busy 700..999, window not yet over
        meter.Woke(1100);
        Assert.True(meter.Waiting(1250, out double load)); // busy 1100..1250
        Assert.Equal((300 + 299 + 150) / 1250.0, load, 6);
    }

    [Fact]
    public void The_next_window_starts_where_the_last_closed()
    {
        var meter = new BusyMeter(1000, now: 0);
        Assert.True(meter.Waiting(1000, out double first));
        Assert.Equal(1.0, first, 6);
        meter.Woke(1900);
        Assert.True(meter.Waiting(2000, out double second)); // 100 busy of 1000
        Assert.Equal(0.1, second, 6);
    }

    [Fact]
    public void A_window_that_spans_a_long_sleep_reads_as_nearly_idle()
    {
        var meter = new BusyMeter(1000, now: 0);
        Assert.False(meter.Waiting(900, out _));
        meter.Woke(1_000_000);
        Assert.True(meter.Waiting(1_000_050, out double load));
        Assert.True(load < 0.001, $"load {load}");
    }

    [Fact]
    public void Timestamps_out_of_order_add_no_busy_time()
    {
        var meter = new BusyMeter(10, now: 0);
        Assert.False(meter.Waiting(0, out _));
        meter.Woke(9);
        Assert.False(meter.Waiting(5, out _)); // before it woke: nothing, not minus four
        meter.Woke(10);
        Assert.True(meter.Waiting(12, out double load));
        Assert.Equal(2 / 12.0, load, 6);
    }

    [Fact]
    public void A_window_must_have_a_length()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new BusyMeter(0, now: 0));
    }
}

/// <summary>When the sockets pass between the data thread and its receive helper.</summary>
public class ReceiveHelperPolicyTests
{
    [Theory]
    [InlineData(0.79, false)]
    [InlineData(0.8, true)]
    [InlineData(1.0, true)]
    public void The_data_thread_hands_over_at_the_split_share(double load, bool expected)
    {
        Assert.Equal(expected, ReceiveHelperPolicy.Split(load, 0.8));
    }

    [Theory]
    [InlineData(0.2, 0.3, 0, true)]     // together half a core: one thread carries both
    [InlineData(0.2, 0.31, 0, false)]
    [InlineData(0.45, 0.45, 0, false)]  // each light, together not: keep both
    [InlineData(0.45, 0.45, 20, false)] // the data thread's share is two windows old: still current
    [InlineData(0.45, 0.9, 21, true)]   // older: it sleeps in poll(), its share is stale
    [InlineData(0.6, 0.0, 21, false)]   // the helper itself is busy
    public void The_helper_gives_back_when_both_shares_together_are_low(double load, double dataLoad, long age, bool expected)
    {
        Assert.Equal(expected, ReceiveHelperPolicy.Merge(load, dataLoad, age, windowTicks: 10, mergeLoad: 0.5));
    }

    [Fact]
    public void With_the_default_shares_a_load_that_just_split_does_not_merge_at_once()
    {
        // The least load that splits, then shared between the two threads, still sums above the merge line.
        double split = LatencySwitches.DefaultSplitLoad;
        Assert.True(ReceiveHelperPolicy.Split(split, LatencySwitches.DefaultSplitLoad));
        Assert.False(ReceiveHelperPolicy.Merge(split / 2, split / 2, 0, 10, LatencySwitches.DefaultMergeLoad));
    }
}
