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
