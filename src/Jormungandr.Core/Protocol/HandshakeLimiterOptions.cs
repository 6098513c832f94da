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

    /// <summary>Most source prefixes tracked at once (least recently seen idle ones are forgotten). Default 4096.</summary>
    public int MaxTrackedPrefixes { get; init; } = 4096;
}
