namespace Jormungandr.Protocol;

/// <summary>The numbers of <see cref="HandshakeLimiter"/> (docs/protocol.md §10); the defaults are the protocol's.</summary>
public sealed class HandshakeLimiterOptions
{
    /// <summary>Unauthenticated handshakes in progress at once, all sources together. Default 64.</summary>
    public int MaxInProgress { get; init; } = 64;

    /// <summary>Handshakes in progress from one source prefix (IPv4 /24, IPv6 /48). Default 8.</summary>
    public int MaxPerPrefix { get; init; } = 8;

    /// <summary>Token bucket size per source prefix. Default 16.</summary>
    public int Burst { get; init; } = 16;

    /// <summary>Tokens added per second per source prefix. Default 2.</summary>
    public double RefillPerSecond { get; init; } = 2.0;

    /// <summary>How long the client has for its Authentication after our Response while load is low. Default 5 s.</summary>
    public TimeSpan AuthenticationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>The same while at least half the slots are taken. Default 1 s.</summary>
    public TimeSpan LoadedAuthenticationTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A prefix whose handshake was evicted may not evict another for this long (it may still take a free
    /// slot): otherwise each eviction lets its victim evict the next, and one newcomer sets off a cascade
    /// through every slot, the newcomer's own included. Default 1 s.
    /// </summary>
    public TimeSpan EvictionCooldown { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long after our Response a handshake is safe from eviction. An honest client answers within a
    /// round trip and its own verify and sign; evicting it sooner throws away the Response (a KEM and a
    /// signature) already paid for. Without this, a mass reconnect after a server restart (every slot
    /// taken by honest clients, newcomers arriving faster than they can answer) turns into a chain of
    /// evictions in which nearly every Response is wasted. A slot holder that never answers is still
    /// evicted once it has waited this long. Default 300 ms: a long honest round trip, and short enough that a
    /// newcomer still finds a slot holder to evict nearly always (the flood simulation in the tests).
    /// </summary>
    public TimeSpan EvictionGrace { get; init; } = TimeSpan.FromMilliseconds(300);

    /// <summary>Most source prefixes tracked at once (least recently seen idle ones are forgotten). Default 4096.</summary>
    public int MaxTrackedPrefixes { get; init; } = 4096;
}
