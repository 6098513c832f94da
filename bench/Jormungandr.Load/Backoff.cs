namespace Jormungandr.Load;

/// <summary>
/// Reconnect delays: exponential from <see cref="Base"/> doubling to <see cref="Cap"/>, each drawn
/// uniformly from its upper half ("equal jitter"), so clients that lost the server together do not
/// come back in lockstep; <see cref="Reset"/> after a session was established.
/// </summary>
internal sealed class Backoff(TimeSpan baseDelay, TimeSpan cap, Random random)
{
    private int _failures;

    public TimeSpan Base { get; } = baseDelay;

    public TimeSpan Cap { get; } = cap;

    /// <summary>The delay before the next attempt; each call counts one more failure.</summary>
    public TimeSpan Next()
    {
        double ceiling = Math.Min(Cap.TotalMilliseconds, Base.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 30)));
        _failures++;
        double jittered = (ceiling / 2) + (random.NextDouble() * ceiling / 2);
        return TimeSpan.FromMilliseconds(jittered);
    }

    public void Reset() => _failures = 0;
}
