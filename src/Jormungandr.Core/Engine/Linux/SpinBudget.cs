using System.Diagnostics;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// How long one reader thread keeps polling its fd without blocking after a packet: bounded by
/// <see cref="MaxMicroseconds"/>, doubled when a packet arrived while polling and halved (down to an
/// eighth of the maximum) when the budget ran out, so steady traffic is caught without a wake-up and a
/// lone packet costs a short spin only. Spinning happens only after a packet, so an idle tunnel blocks.
/// One instance per thread; not thread-safe.
/// </summary>
internal sealed class SpinBudget
{
    private readonly int _min;

    /// <summary>A budget of at most <paramref name="maxMicroseconds"/> (clamped to 0..<see cref="LatencySwitches.MaxBusyPollMicroseconds"/>; 0 disables spinning).</summary>
    public SpinBudget(int maxMicroseconds)
    {
        MaxMicroseconds = Math.Clamp(maxMicroseconds, 0, LatencySwitches.MaxBusyPollMicroseconds);
        _min = Math.Max(MaxMicroseconds / 8, Math.Min(MaxMicroseconds, 1));
        Microseconds = MaxMicroseconds;
    }

    /// <summary>The upper bound of the budget in µs.</summary>
    public int MaxMicroseconds { get; }

    /// <summary>The current budget in µs.</summary>
    public int Microseconds { get; private set; }

    /// <summary>False when spinning is switched off.</summary>
    public bool Enabled => MaxMicroseconds > 0;

    /// <summary>The <see cref="Stopwatch"/> timestamp at which polling started at <paramref name="now"/> must stop.</summary>
    public long Deadline(long now) => now + (Microseconds * Stopwatch.Frequency / 1_000_000);

    /// <summary>A packet arrived while polling: allow longer next time.</summary>
    public void Hit() => Microseconds = Math.Min(MaxMicroseconds, Microseconds * 2);

    /// <summary>The budget ran out with nothing: poll less next time.</summary>
    public void Miss() => Microseconds = Math.Max(_min, Microseconds / 2);
}
