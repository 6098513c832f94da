using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class ReplayWindowTests
{
    [Fact]
    public void Window_is_at_least_2048()
    {
        Assert.True(ReplayWindow.WindowSize >= 2048);
    }

    [Fact]
    public void Accepts_in_order_and_refuses_duplicates()
    {
        var w = new ReplayWindow();
        for (ulong i = 0; i < 10_000; i++)
        {
            Assert.True(w.IsAcceptable(i));
            Assert.True(w.TryMark(i));
            Assert.False(w.TryMark(i));
            Assert.False(w.IsAcceptable(i));
        }
    }

    [Fact]
    public void Out_of_order_inside_window_accepted_once()
    {
        var w = new ReplayWindow();
        Assert.True(w.TryMark(1000));
        Assert.True(w.TryMark(10));
        Assert.True(w.TryMark(999));
        Assert.False(w.TryMark(10));
        Assert.False(w.TryMark(999));
        Assert.True(w.TryMark(0));
        Assert.Equal(1000UL, w.Highest);
    }

    [Fact]
    public void Too_old_is_refused_at_exact_boundary()
    {
        var w = new ReplayWindow();
        ulong top = 100_000;
        Assert.True(w.TryMark(top));
        Assert.True(w.IsAcceptable(top - ReplayWindow.WindowSize));
        Assert.False(w.IsAcceptable(top - ReplayWindow.WindowSize - 1));
        Assert.False(w.TryMark(top - ReplayWindow.WindowSize - 1));
        Assert.True(w.TryMark(top - ReplayWindow.WindowSize));
    }

    [Fact]
    public void Far_ahead_jump_clears_window_and_old_counters_are_refused()
    {
        var w = new ReplayWindow();
        for (ulong i = 0; i < 100; i++)
        {
            w.TryMark(i);
        }

        ulong far = 1UL << 40;
        Assert.True(w.TryMark(far));
        Assert.False(w.TryMark(50));
        Assert.True(w.TryMark(far - 1));
        Assert.True(w.TryMark(far - 4000));
        Assert.False(w.TryMark(far - 4000));
        Assert.True(w.TryMark(ulong.MaxValue - 1));
        Assert.False(w.TryMark(far));
    }

    [Fact]
    public void Ring_wraps_many_times_without_stale_bits()
    {
        // Move forward by less than a window each step, so blocks are reused around the ring;
        // counters never seen must still be accepted, seen ones refused.
        var w = new ReplayWindow();
        ulong c = 0;
        for (int step = 0; step < 200; step++)
        {
            c += 3001;
            Assert.True(w.TryMark(c));
            Assert.True(w.TryMark(c - 2000));
            Assert.False(w.TryMark(c - 2000));
            Assert.True(w.IsAcceptable(c - 1));
        }
    }

    [Fact]
    public void Matches_a_reference_model_on_random_sequences()
    {
        Prop.ForAll(
            Gen.Choose(0, 20_000).ArrayOf().ToArbitrary(),
            (int[] counters) =>
            {
                var w = new ReplayWindow();
                var seen = new HashSet<ulong>();
                ulong highest = 0;
                foreach (int raw in counters)
                {
                    ulong c = (ulong)raw;
                    bool expected = !seen.Contains(c) && (c > highest || highest - c <= ReplayWindow.WindowSize);
                    if (w.TryMark(c) != expected)
                    {
                        return false;
                    }

                    if (expected)
                    {
                        seen.Add(c);
                        highest = Math.Max(highest, c);
                    }
                }

                return true;
            }).QuickCheckThrowOnFailure();
    }
}
