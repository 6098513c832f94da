namespace Jormungandr.Protocol;

/// <summary>A token bucket on caller-supplied monotonic time: starts full, refills continuously. Not thread-safe.</summary>
public sealed class TokenBucket
{
    private readonly int _burst;
    private readonly double _perSecond;
    private double _tokens;
    private TimeSpan _last;

    /// <summary>A full bucket of <paramref name="burst"/> tokens refilling <paramref name="perSecond"/> per second from <paramref name="now"/>.</summary>
    public TokenBucket(int burst, double perSecond, TimeSpan now)
    {
        _burst = burst;
        _perSecond = perSecond;
        _tokens = burst;
        _last = now;
    }

    /// <summary>When the bucket was last refilled or used.</summary>
    public TimeSpan LastSeen => _last;

    /// <summary>True when a token is available at <paramref name="now"/> (none is taken).</summary>
    public bool HasToken(TimeSpan now)
    {
        Refill(now);
        return _tokens >= 1;
    }

    /// <summary>Takes a token at <paramref name="now"/>; false when none is left.</summary>
    public bool TryTake(TimeSpan now)
    {
        if (!HasToken(now))
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }

    private void Refill(TimeSpan now)
    {
        if (now > _last)
        {
            _tokens = Math.Min(_burst, _tokens + ((now - _last).TotalSeconds * _perSecond));
            _last = now;
        }
    }
}
