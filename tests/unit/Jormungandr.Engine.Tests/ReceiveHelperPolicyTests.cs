using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests;

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
