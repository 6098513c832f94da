using System.Net;

namespace Jormungandr.Protocol;

/// <summary>
/// Admission control for responder handshakes (docs/protocol.md §10): caps handshakes in progress
/// globally and per source address, and rate-limits each source with a token bucket. Bounded memory
/// (at most <see cref="MaxTrackedSources"/> sources). An IPv6 source counts as its /64: one host
/// owns a whole /64, so keying by full address would hand it 2^64 fresh token buckets. Thread-safe.
/// </summary>
public sealed class HandshakeLimiter
{
    /// <summary>Most sources tracked at once.</summary>
    public const int MaxTrackedSources = 4096;

    private readonly object _lock = new();
    private readonly Dictionary<IPAddress, SourceState> _sources = new();
    private int _inProgress;

    /// <summary>Creates a limiter.</summary>
    /// <param name="maxInProgress">Global cap on handshakes in progress (default 64).</param>
    /// <param name="maxPerSource">Cap per source address (default 4).</param>
    /// <param name="burst">Token bucket size per source (default 8).</param>
    /// <param name="refillPerSecond">Tokens added per second per source (default 1).</param>
    public HandshakeLimiter(int maxInProgress = 64, int maxPerSource = 4, int burst = 8, double refillPerSecond = 1.0)
    {
        MaxInProgress = maxInProgress;
        MaxPerSource = maxPerSource;
        Burst = burst;
        RefillPerSecond = refillPerSecond;
    }

    /// <summary>Global cap.</summary>
    public int MaxInProgress { get; }

    /// <summary>Per-source cap.</summary>
    public int MaxPerSource { get; }

    /// <summary>Bucket size.</summary>
    public int Burst { get; }

    /// <summary>Refill rate.</summary>
    public double RefillPerSecond { get; }

    /// <summary>Handshakes in progress now.</summary>
    public int InProgress
    {
        get
        {
            lock (_lock)
            {
                return _inProgress;
            }
        }
    }

    /// <summary>Sources currently tracked.</summary>
    public int TrackedSources
    {
        get
        {
            lock (_lock)
            {
                return _sources.Count;
            }
        }
    }

    /// <summary>
    /// Admits a handshake from <paramref name="source"/> at monotonic time <paramref name="now"/>.
    /// On success the caller must call <see cref="End"/> with the same source when the handshake
    /// finishes, fails or times out.
    /// </summary>
    public bool TryBegin(IPAddress source, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(source);
        source = SourceKey(source);
        lock (_lock)
        {
            if (_inProgress >= MaxInProgress)
            {
                return false;
            }

            if (!_sources.TryGetValue(source, out SourceState? state))
            {
                if (_sources.Count >= MaxTrackedSources)
                {
                    EvictOne();
                    if (_sources.Count >= MaxTrackedSources)
                    {
                        return false;
                    }
                }

                state = new SourceState { Tokens = Burst, LastSeen = now };
                _sources[source] = state;
            }

            state.Tokens = Math.Min(Burst, state.Tokens + ((now - state.LastSeen).TotalSeconds * RefillPerSecond));
            state.LastSeen = now;
            if (state.InProgress >= MaxPerSource || state.Tokens < 1)
            {
                return false;
            }

            state.Tokens -= 1;
            state.InProgress++;
            _inProgress++;
            return true;
        }
    }

    /// <summary>Releases a slot taken by <see cref="TryBegin"/>.</summary>
    public void End(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        source = SourceKey(source);
        lock (_lock)
        {
            if (_sources.TryGetValue(source, out SourceState? state) && state.InProgress > 0)
            {
                state.InProgress--;
                _inProgress--;
            }
        }
    }

    /// <summary>The bucket a source address belongs to: IPv4 as is (also when IPv4-mapped), IPv6 by its /64.</summary>
    internal static IPAddress SourceKey(IPAddress source)
    {
        if (source.IsIPv4MappedToIPv6)
        {
            return source.MapToIPv4();
        }

        if (source.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            return source;
        }

        Span<byte> b = stackalloc byte[16];
        source.TryWriteBytes(b, out _);
        b.Slice(8).Clear();
        return new IPAddress(b);
    }

    private void EvictOne()
    {
        // Evict the least recently seen source with nothing in progress.
        IPAddress? victim = null;
        TimeSpan oldest = TimeSpan.MaxValue;
        foreach (KeyValuePair<IPAddress, SourceState> pair in _sources)
        {
            if (pair.Value.InProgress == 0 && pair.Value.LastSeen < oldest)
            {
                oldest = pair.Value.LastSeen;
                victim = pair.Key;
            }
        }

        if (victim is not null)
        {
            _sources.Remove(victim);
        }
    }

    private sealed class SourceState
    {
        public double Tokens;
        public TimeSpan LastSeen;
        public int InProgress;
    }
}
