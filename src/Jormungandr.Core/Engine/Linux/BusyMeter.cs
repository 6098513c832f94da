namespace Jormungandr.Engine.Linux;

/// <summary>
/// The share of wall time a data thread spends working rather than waiting in poll(), measured over
/// windows of <see cref="WindowTicks"/> or more: what tells the one data thread to hand its receive side
/// to a helper thread, and the helper to give it back. A window closes only when the thread is about to
/// wait, so a thread that sleeps is never woken to measure, and a window that spans a long sleep reads as
/// nearly idle. Timestamps are passed in (<see cref="System.Diagnostics.Stopwatch"/> ticks). One instance
/// per thread; not thread-safe.
/// </summary>
internal struct BusyMeter
{
    private long _windowStart;
    private long _wokeAt;
    private long _busy;

    /// <summary>A meter whose first window and first busy spell start at <paramref name="now"/>.</summary>
    public BusyMeter(long windowTicks, long now)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(windowTicks);
        WindowTicks = windowTicks;
        _windowStart = now;
        _wokeAt = now;
    }

    /// <summary>The shortest window.</summary>
    public long WindowTicks { get; }

    /// <summary>The thread came back from poll() at <paramref name="now"/>: a busy spell starts.</summary>
    public void Woke(long now) => _wokeAt = now;

    /// <summary>
    /// The thread is about to wait at <paramref name="now"/>: ends the busy spell. True when that closes
    /// a window, with <paramref name="load"/> its busy share (0 to 1); the next window starts now.
    /// </summary>
    public bool Waiting(long now, out double load)
    {
        _busy += Math.Max(0, now - _wokeAt);
        _wokeAt = now;
        long elapsed = now - _windowStart;
        if (elapsed < WindowTicks)
        {
            load = 0;
            return false;
        }

        load = Math.Min(1.0, (double)_busy / elapsed);
        _busy = 0;
        _windowStart = now;
        return true;
    }
}
