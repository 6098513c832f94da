namespace Jormungandr.Protocol;

/// <summary>How an admitted handshake ended, as reported to <see cref="HandshakeLimiter.End"/>.</summary>
public enum HandshakeOutcome
{
    /// <summary>The client authenticated (its key is authorized and its signature verified).</summary>
    Authenticated,

    /// <summary>The client did not send its Authentication in time.</summary>
    TimedOut,

    /// <summary>Malformed or tampered message, bad signature, or the connection closed.</summary>
    Failed,

    /// <summary>The client's key is not authorized.</summary>
    Unauthorized,

    /// <summary>Its slot went to a newcomer.</summary>
    Evicted,
}

/// <summary>Why <see cref="HandshakeLimiter.TryBegin"/> refused a handshake.</summary>
public enum HandshakeRefusal
{
    /// <summary>Admitted.</summary>
    None,

    /// <summary>The source prefix has no token left (rate).</summary>
    Rate,

    /// <summary>The source prefix already has its maximum in progress.</summary>
    PrefixBusy,

    /// <summary>Every slot is taken and none may be evicted for this newcomer.</summary>
    Full,
}

/// <summary>Handshake admission counters, cumulative since the limiter started (or for one summary interval).</summary>
public sealed record HandshakeCounters
{
    /// <summary>Handshakes admitted.</summary>
    public long Admitted { get; init; }

    /// <summary>Handshakes that authenticated a client.</summary>
    public long Authenticated { get; init; }

    /// <summary>Refused: the source prefix was out of tokens.</summary>
    public long RefusedRate { get; init; }

    /// <summary>Refused: the source prefix had its maximum in progress.</summary>
    public long RefusedPrefixBusy { get; init; }

    /// <summary>Refused: all slots taken, none evictable.</summary>
    public long RefusedFull { get; init; }

    /// <summary>Evicted for a newcomer while awaiting Authentication.</summary>
    public long Evicted { get; init; }

    /// <summary>No Authentication before the deadline.</summary>
    public long TimedOut { get; init; }

    /// <summary>Failed (malformed, tampered, bad signature, connection lost).</summary>
    public long Failed { get; init; }

    /// <summary>The client's key was not authorized.</summary>
    public long Unauthorized { get; init; }

    /// <summary>Refusals of every kind.</summary>
    public long Refused => RefusedRate + RefusedPrefixBusy + RefusedFull;

    /// <summary>Events caused by sources that never authenticated: refusals, evictions, timeouts, failures, unauthorized keys.</summary>
    public long Unauthenticated => Refused + Evicted + TimedOut + Failed + Unauthorized;
}
