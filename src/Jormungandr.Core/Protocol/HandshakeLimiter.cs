using System.Net;
using System.Net.Sockets;
using Jormungandr.Time;

namespace Jormungandr.Protocol;

/// <summary>
/// Admission control for unauthenticated responder handshakes (docs/protocol.md §10). Sources are
/// grouped by prefix (IPv4 /24, IPv6 /48: one party commonly owns a whole prefix). Each prefix has a
/// token bucket and a cap on handshakes in progress; all prefixes share a fixed number of slots. When
/// the slots are full, a newcomer takes the slot of the handshake that waited longest for its
/// Authentication, from the prefix holding the most slots, provided that prefix holds more than the
/// newcomer's and the newcomer's own prefix was not evicted in the last
/// <see cref="HandshakeLimiterOptions.EvictionCooldown"/>; a handshake answered less than
/// <see cref="HandshakeLimiterOptions.EvictionGrace"/> ago is never the victim (its client may well be
/// answering, and its Response is already paid for): sources that hold slots without
/// authenticating cannot keep a new client out, and evicting one does not set off a cascade of
/// evictions that would reach the client answering promptly. While at least half the slots are taken the client gets
/// <see cref="HandshakeLimiterOptions.LoadedAuthenticationTimeout"/> for its Authentication.
/// Rekeys on an authenticated key channel do not pass through here. Sans-IO: time comes from the
/// injected clock; eviction cancels the ticket's token. Bounded memory; thread-safe.
/// </summary>
public sealed class HandshakeLimiter
{
    private const int MaxIntervalSources = 1024;
    private readonly Lock _lock = new();
    private readonly IClock _clock;
    private readonly Dictionary<IPAddress, PrefixState> _prefixes = [];
    private readonly List<HandshakeTicket> _active = [];
    private readonly Dictionary<IPAddress, long> _intervalSources = [];
    private readonly long[] _counts = new long[(int)Counter.Count];
    private long[] _intervalBase = new long[(int)Counter.Count];
    private TimeSpan _intervalStart;

    /// <summary>Creates a limiter on <paramref name="clock"/> with <paramref name="options"/> (null: the defaults).</summary>
    public HandshakeLimiter(IClock clock, HandshakeLimiterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(clock);
        _clock = clock;
        Options = options ?? new HandshakeLimiterOptions();
        _intervalStart = clock.Now;
    }

    private enum Counter
    {
        Admitted,
        Authenticated,
        RefusedRate,
        RefusedPrefixBusy,
        RefusedFull,
        Evicted,
        TimedOut,
        Failed,
        Unauthorized,
        Count,
    }

    /// <summary>The limits.</summary>
    public HandshakeLimiterOptions Options { get; }

    /// <summary>Handshakes in progress now.</summary>
    public int InProgress
    {
        get
        {
            lock (_lock)
            {
                return _active.Count;
            }
        }
    }

    /// <summary>Source prefixes tracked now.</summary>
    public int TrackedPrefixes
    {
        get
        {
            lock (_lock)
            {
                return _prefixes.Count;
            }
        }
    }

    /// <summary>True when unauthenticated sources caused anything since the last <see cref="TakeInterval"/>.</summary>
    public bool IntervalHasEvents
    {
        get
        {
            lock (_lock)
            {
                return _intervalSources.Count > 0;
            }
        }
    }

    /// <summary>Counters since the limiter was created.</summary>
    public HandshakeCounters Counters
    {
        get
        {
            lock (_lock)
            {
                return Snapshot(_counts, null);
            }
        }
    }

    /// <summary>
    /// Admits a handshake from <paramref name="source"/>, evicting one as described above when the
    /// slots are full; null (with the reason in <paramref name="refusal"/>) when refused. The caller
    /// must pass the ticket to <see cref="End"/> when the handshake is over, however it ended.
    /// </summary>
    public HandshakeTicket? TryBegin(IPAddress source, out HandshakeRefusal refusal)
    {
        ArgumentNullException.ThrowIfNull(source);
        IPAddress prefix = PrefixOf(source);
        TimeSpan now = _clock.Now;
        HandshakeTicket? victim = null;
        HandshakeTicket ticket;
        lock (_lock)
        {
            PrefixState state = Track(prefix, now);
            refusal = state.InProgress >= Options.MaxPerPrefix ? HandshakeRefusal.PrefixBusy
                : !state.Tokens.HasToken(now) ? HandshakeRefusal.Rate
                : HandshakeRefusal.None;
            if (refusal == HandshakeRefusal.None && _active.Count >= Options.MaxInProgress)
            {
                victim = now < state.CooledUntil ? null : PickVictim(state.InProgress, now - Options.EvictionGrace);
                if (victim is null)
                {
                    refusal = HandshakeRefusal.Full;
                }
                else
                {
                    Remove(victim);
                    _prefixes[victim.Prefix].CooledUntil = now + Options.EvictionCooldown;
                    Count(Counter.Evicted, victim.Prefix);
                }
            }

            if (refusal != HandshakeRefusal.None)
            {
                Count(refusal switch { HandshakeRefusal.Rate => Counter.RefusedRate, HandshakeRefusal.PrefixBusy => Counter.RefusedPrefixBusy, _ => Counter.RefusedFull }, prefix);
                return null;
            }

            state.Tokens.TryTake(now);
            state.InProgress++;
            ticket = new HandshakeTicket(prefix, now);
            _active.Add(ticket);
            _counts[(int)Counter.Admitted]++;
        }

        victim?.Evict();
        return ticket;
    }

    /// <summary>The client's Authentication arrived: the ticket is no longer evictable (its outcome is decided within milliseconds).</summary>
    public void AuthenticationReceived(HandshakeTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            ticket.RespondedAt = null;
        }
    }

    /// <summary>
    /// Records that the Response went out (the ticket becomes evictable); returns how long the client has for its Authentication.
    /// </summary>
    public TimeSpan Responded(HandshakeTicket ticket)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            ticket.RespondedAt = _clock.Now;
            return _active.Count * 2 >= Options.MaxInProgress ? Options.LoadedAuthenticationTimeout : Options.AuthenticationTimeout;
        }
    }

    /// <summary>Releases the ticket's slot and counts its outcome (an evicted ticket was released and counted already). Idempotent.</summary>
    public void End(HandshakeTicket ticket, HandshakeOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(ticket);
        lock (_lock)
        {
            if (ticket.Ended)
            {
                return;
            }

            Remove(ticket);
            Counter c = outcome switch
            {
                HandshakeOutcome.Authenticated => Counter.Authenticated,
                HandshakeOutcome.TimedOut => Counter.TimedOut,
                HandshakeOutcome.Unauthorized => Counter.Unauthorized,
                HandshakeOutcome.Evicted => Counter.Evicted,
                _ => Counter.Failed,
            };
            Count(c, outcome == HandshakeOutcome.Authenticated ? null : ticket.Prefix);
        }
    }

    /// <summary>
    /// The counters since the previous call and the (at most <paramref name="top"/>) prefixes that
    /// caused the most unauthenticated events in that interval, most first; starts a new interval.
    /// </summary>
    public HandshakeInterval TakeInterval(int top = 3)
    {
        lock (_lock)
        {
            TimeSpan now = _clock.Now;
            HandshakeCounters delta = Snapshot(_counts, _intervalBase);
            List<HandshakeSource> sources = [.. _intervalSources
                .OrderByDescending(p => p.Value)
                .ThenBy(p => p.Key.ToString(), StringComparer.Ordinal)
                .Take(top)
                .Select(p => new HandshakeSource(Describe(p.Key), p.Value))];
            var result = new HandshakeInterval(now - _intervalStart, delta, sources, _active.Count);
            _intervalBase = (long[])_counts.Clone();
            _intervalSources.Clear();
            _intervalStart = now;
            return result;
        }
    }

    /// <summary>The prefix a source counts as: IPv4 /24 (also when IPv4-mapped), IPv6 /48.</summary>
    public static IPAddress PrefixOf(IPAddress source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.IsIPv4MappedToIPv6)
        {
            source = source.MapToIPv4();
        }

        Span<byte> b = stackalloc byte[16];
        source.TryWriteBytes(b, out int length);
        b[(length == 4 ? 3 : 6)..length].Clear();
        return new IPAddress(b[..length]);
    }

    /// <summary>"198.18.1.0/24" or "2001:2:0::/48".</summary>
    public static string Describe(IPAddress prefix) =>
        prefix + (prefix.AddressFamily == AddressFamily.InterNetwork ? "/24" : "/48");

    private HandshakeTicket? PickVictim(int newcomerHolds, TimeSpan respondedBy)
    {
        HandshakeTicket? victim = null;
        int victimHolds = newcomerHolds; // the victim's prefix must hold more than the newcomer's
        foreach (HandshakeTicket t in _active)
        {
            if (t.RespondedAt is not TimeSpan responded || responded > respondedBy)
            {
                continue; // still computing, already authenticating, or answered too recently to be suspect
            }

            int holds = _prefixes[t.Prefix].InProgress;
            if (holds > victimHolds || (holds == victimHolds && victim is not null && responded < victim.RespondedAt))
            {
                victim = t;
                victimHolds = holds;
            }
        }

        return victim;
    }

    private PrefixState Track(IPAddress prefix, TimeSpan now)
    {
        if (_prefixes.TryGetValue(prefix, out PrefixState? state))
        {
            return state;
        }

        if (_prefixes.Count >= Options.MaxTrackedPrefixes)
        {
            ForgetIdlest();
        }

        // Still full only if every tracked prefix has a handshake in progress, and there are at most MaxInProgress of those.
        state = new PrefixState { Tokens = new TokenBucket(Options.Burst, Options.RefillPerSecond, now) };
        _prefixes[prefix] = state;
        return state;
    }

    private void ForgetIdlest()
    {
        IPAddress? idlest = null;
        TimeSpan oldest = TimeSpan.MaxValue;
        foreach (KeyValuePair<IPAddress, PrefixState> pair in _prefixes)
        {
            if (pair.Value.InProgress == 0 && pair.Value.Tokens.LastSeen < oldest)
            {
                oldest = pair.Value.Tokens.LastSeen;
                idlest = pair.Key;
            }
        }

        if (idlest is not null)
        {
            _prefixes.Remove(idlest);
        }
    }

    private void Remove(HandshakeTicket ticket)
    {
        if (ticket.Ended)
        {
            return;
        }

        ticket.Ended = true;
        _active.Remove(ticket);
        if (_prefixes.TryGetValue(ticket.Prefix, out PrefixState? state) && state.InProgress > 0)
        {
            state.InProgress--;
        }
    }

    private void Count(Counter counter, IPAddress? prefix)
    {
        _counts[(int)counter]++;
        if (prefix is not null && (_intervalSources.ContainsKey(prefix) || _intervalSources.Count < MaxIntervalSources))
        {
            _intervalSources[prefix] = _intervalSources.GetValueOrDefault(prefix) + 1;
        }
    }

    private static HandshakeCounters Snapshot(long[] counts, long[]? minus)
    {
        long C(Counter c) => counts[(int)c] - (minus?[(int)c] ?? 0);
        return new HandshakeCounters
        {
            Admitted = C(Counter.Admitted),
            Authenticated = C(Counter.Authenticated),
            RefusedRate = C(Counter.RefusedRate),
            RefusedPrefixBusy = C(Counter.RefusedPrefixBusy),
            RefusedFull = C(Counter.RefusedFull),
            Evicted = C(Counter.Evicted),
            TimedOut = C(Counter.TimedOut),
            Failed = C(Counter.Failed),
            Unauthorized = C(Counter.Unauthorized),
        };
    }

    private sealed class PrefixState
    {
        public required TokenBucket Tokens;
        public int InProgress;
        public TimeSpan CooledUntil;
    }
}

/// <summary>A source prefix and how many unauthenticated events it caused in an interval.</summary>
/// <param name="Prefix">"198.18.1.0/24" or "2001:2::/48".</param>
/// <param name="Events">Refusals, evictions, timeouts, failures and unauthorized keys.</param>
public sealed record HandshakeSource(string Prefix, long Events);

/// <summary>One summary interval of <see cref="HandshakeLimiter"/>.</summary>
/// <param name="Length">How long the interval was.</param>
/// <param name="Counters">What happened in it.</param>
/// <param name="TopSources">The prefixes with the most unauthenticated events, most first.</param>
/// <param name="InProgress">Handshakes in progress at its end.</param>
public sealed record HandshakeInterval(TimeSpan Length, HandshakeCounters Counters, IReadOnlyList<HandshakeSource> TopSources, int InProgress);
