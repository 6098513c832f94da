using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests;

/// <summary>The latency switches' parsing and the busy-poll budget's adaptation (no timing involved).</summary>
public class LatencySwitchesTests
{
    [Theory]
    [InlineData(null, 7, 7)]
    [InlineData("", 7, 7)]
    [InlineData("  ", 7, 7)]
    [InlineData("0", 7, 0)]
    [InlineData("50", 7, 50)]
    [InlineData(" 50 ", 7, 50)]
    [InlineData("1000", 7, 1000)]
    [InlineData("5000", 7, 1000)]
    [InlineData("99999999999", 7, 7)]
    [InlineData("-5", 7, 7)]
    [InlineData("+5", 7, 7)]
    [InlineData("5us", 7, 7)]
    [InlineData("fifty", 7, 7)]
    public void Microsecond_switches_clamp_numbers_and_fall_back_on_anything_else(string? value, int fallback, int expected)
    {
        Assert.Equal(expected, LatencySwitches.ParseMicroseconds(value, fallback));
    }

    [Theory]
    [InlineData(null, true, true)]
    [InlineData(null, false, false)]
    [InlineData("", true, true)]
    [InlineData("0", true, false)]
    [InlineData("off", true, false)]
    [InlineData("FALSE", true, false)]
    [InlineData(" no ", true, false)]
    [InlineData("1", false, true)]
    [InlineData("on", false, true)]
    [InlineData("yes", false, true)]
    public void On_off_switches_turn_off_only_on_an_explicit_no(string? value, bool fallback, bool expected)
    {
        Assert.Equal(expected, LatencySwitches.ParseSwitch(value, fallback));
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(" ", null)]
    [InlineData("0", false)]
    [InlineData("off", false)]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    public void A_role_default_switch_is_unset_until_it_says_yes_or_no(string? value, bool? expected)
    {
        Assert.Equal(expected, LatencySwitches.ParseOptionalSwitch(value));
    }

    [Theory]
    [InlineData(null, 0.8, 0.8)]
    [InlineData("", 0.8, 0.8)]
    [InlineData("0", 0.8, 0.0)]
    [InlineData("0.35", 0.8, 0.35)]
    [InlineData(" 1.5 ", 0.8, 1.5)]
    [InlineData("2", 0.8, 2.0)]
    [InlineData("2.5", 0.8, 0.8)]
    [InlineData("-0.1", 0.8, 0.8)]
    [InlineData("0,5", 0.8, 0.8)]
    [InlineData("1e-1", 0.8, 0.8)]
    [InlineData("NaN", 0.8, 0.8)]
    [InlineData("half", 0.8, 0.8)]
    public void Load_switches_take_a_share_from_0_to_2_and_fall_back_on_anything_else(string? value, double fallback, double expected)
    {
        Assert.Equal(expected, LatencySwitches.ParseLoad(value, fallback), 9);
    }

    [Fact]
    public void Budget_halves_on_misses_down_to_an_eighth_and_doubles_on_hits_up_to_the_maximum()
    {
        var budget = new SpinBudget(64);
        Assert.True(budget.Enabled);
        Assert.Equal(64, budget.Microseconds);
        int[] expected = [32, 16, 8, 8, 8];
        foreach (int us in expected)
        {
            budget.Miss();
            Assert.Equal(us, budget.Microseconds);
        }

        budget.Hit();
        Assert.Equal(16, budget.Microseconds);
        budget.Hit();
        budget.Hit();
        budget.Hit();
        Assert.Equal(64, budget.Microseconds);
    }

    [Theory]
    [InlineData(0, 0, false)]
    [InlineData(-3, 0, false)]
    [InlineData(1, 1, true)]
    [InlineData(5000, 1000, true)]
    public void Budget_is_bounded_and_zero_disables_it(int asked, int max, bool enabled)
    {
        var budget = new SpinBudget(asked);
        Assert.Equal(max, budget.MaxMicroseconds);
        Assert.Equal(enabled, budget.Enabled);
        budget.Miss();
        Assert.True(budget.Microseconds <= max && budget.Microseconds >= Math.Min(max, 1));
        Assert.Equal(100L, budget.Deadline(100) - (budget.Microseconds * System.Diagnostics.Stopwatch.Frequency / 1_000_000));
    }
}
