using System.Net;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class HandshakeLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("198.18.0.2");
    private static readonly IPAddress B = IPAddress.Parse("198.18.1.2");

    private static IPAddress Attacker(int i) => IPAddress.Parse($"198.18.{100 + i}.{1 + (i % 7)}");

    [Fact]
    public void Caps_per_prefix_and_globally_and_addresses_of_one_slash_24_share()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { MaxInProgress = 6, MaxPerPrefix = 4, Burst = 100 });
        for (int i = 0; i < 4; i++)
        {
            Assert.NotNull(l.TryBegin(IPAddress.Parse($"198.18.0.{10 + i}"), out _));
        }

        Assert.Null(l.TryBegin(A, out HandshakeRefusal why));
        Assert.Equal(HandshakeRefusal.PrefixBusy, why);
        HandshakeTicket b1 = l.TryBegin(B, out _)!;
        Assert.NotNull(l.TryBegin(B, out _));
        Assert.Null(l.TryBegin(IPAddress.Parse("198.18.2.1"), out why)); // global cap, nothing has responded: nothing evictable
        Assert.Equal(HandshakeRefusal.Full, why);
        l.End(b1, HandshakeOutcome.Failed);
        l.End(b1, HandshakeOutcome.Failed); // idempotent
        Assert.Equal(5, l.InProgress);
        Assert.NotNull(l.TryBegin(IPAddress.Parse("198.18.2.1"), out _));
        HandshakeCounters c = l.Counters;
        Assert.Equal((7, 1, 1, 1), (c.Admitted, c.RefusedPrefixBusy, c.RefusedFull, c.Failed));
    }

    [Fact]
    public void Rate_limits_each_prefix_with_a_token_bucket()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { Burst = 3, RefillPerSecond = 1 });
        for (int i = 0; i < 3; i++)
        {
            l.End(l.TryBegin(A, out _)!, HandshakeOutcome.Authenticated);
        }

        Assert.Null(l.TryBegin(IPAddress.Parse("198.18.0.77"), out HandshakeRefusal why)); // same /24, same bucket
        Assert.Equal(HandshakeRefusal.Rate, why);
        Assert.NotNull(l.TryBegin(B, out _));
        clock.Advance(TimeSpan.FromSeconds(1));
        Assert.NotNull(l.TryBegin(A, out _));
        Assert.Null(l.TryBegin(A, out _));
    }

    [Fact]
    public void Prefixes_are_slash_24_and_slash_48_and_mapped_addresses_count_as_ipv4()
    {
        Assert.Equal(IPAddress.Parse("198.18.7.0"), HandshakeLimiter.PrefixOf(IPAddress.Parse("198.18.7.200")));
        Assert.Equal(IPAddress.Parse("198.18.7.0"), HandshakeLimiter.PrefixOf(IPAddress.Parse("198.18.7.200").MapToIPv6()));
        Assert.Equal(IPAddress.Parse("2001:2:7::"), HandshakeLimiter.PrefixOf(IPAddress.Parse("2001:2:7:1:ffff::1")));
        Assert.Equal(IPAddress.Parse("2001:2::"), HandshakeLimiter.PrefixOf(IPAddress.Parse("2001:2:0:ffff:1::9")));
        Assert.Equal("198.18.7.0/24", HandshakeLimiter.Describe(HandshakeLimiter.PrefixOf(IPAddress.Parse("198.18.7.200"))));
        Assert.Equal("2001:2::/48", HandshakeLimiter.Describe(HandshakeLimiter.PrefixOf(IPAddress.Parse("2001:2:0:5::1"))));

        // Fresh IPv6 addresses from one /48 share one bucket.
        var l = new HandshakeLimiter(new ManualClock(), new HandshakeLimiterOptions { Burst = 8, MaxPerPrefix = 100 });
        int admitted = 0;
        for (int i = 1; i <= 50; i++)
        {
            HandshakeTicket? t = l.TryBegin(IPAddress.Parse($"2001:2:0:{i:x}::1"), out _);
            if (t is not null)
            {
                admitted++;
                l.End(t, HandshakeOutcome.Failed);
            }
        }

        Assert.Equal(8, admitted);
        Assert.NotNull(l.TryBegin(IPAddress.Parse("2001:2:1::1"), out _)); // another /48
    }

    [Fact]
    public void When_full_a_newcomer_evicts_the_longest_waiting_handshake_of_the_prefix_holding_most()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { MaxInProgress = 4, MaxPerPrefix = 4, Burst = 100 });
        HandshakeTicket x1 = l.TryBegin(IPAddress.Parse("198.18.10.1"), out _)!;
        HandshakeTicket y1 = l.TryBegin(IPAddress.Parse("198.18.20.1"), out _)!;
        HandshakeTicket y2 = l.TryBegin(IPAddress.Parse("198.18.20.2"), out _)!;
        HandshakeTicket y3 = l.TryBegin(IPAddress.Parse("198.18.20.3"), out _)!;
        foreach (HandshakeTicket t in new[] { x1, y1, y2, y3 })
        {
            l.Responded(t);
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        clock.Advance(l.Options.EvictionGrace); // all have waited long enough to be suspect

        // x1 waited longest, but 198.18.20.0/24 holds three slots: its oldest goes.
        HandshakeTicket? n = l.TryBegin(IPAddress.Parse("198.18.30.1"), out HandshakeRefusal why);
        Assert.NotNull(n);
        Assert.Equal(HandshakeRefusal.None, why);
        Assert.True(y1.IsEvicted);
        Assert.True(y1.Evicted.IsCancellationRequested);
        Assert.False(x1.IsEvicted || y2.IsEvicted || y3.IsEvicted);
        l.End(y1, HandshakeOutcome.Evicted); // the engine reports it too: not counted twice
        Assert.Equal(1, l.Counters.Evicted);
        Assert.Equal(4, l.InProgress);

        // A newcomer from the prefix that holds the most evicts nobody.
        Assert.Null(l.TryBegin(IPAddress.Parse("198.18.20.9"), out why));
        Assert.Equal(HandshakeRefusal.Full, why);
    }

    [Fact]
    public void Handshakes_are_evictable_only_while_waiting_for_the_client()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { MaxInProgress = 2, Burst = 100 });
        HandshakeTicket computing = l.TryBegin(IPAddress.Parse("198.18.10.1"), out _)!; // Response not sent yet
        HandshakeTicket verifying = l.TryBegin(IPAddress.Parse("198.18.11.1"), out _)!;
        l.Responded(verifying);
        l.AuthenticationReceived(verifying); // its outcome is milliseconds away: keeps its slot
        Assert.Null(l.TryBegin(IPAddress.Parse("198.18.12.1"), out HandshakeRefusal why));
        Assert.Equal(HandshakeRefusal.Full, why);
        Assert.False(computing.IsEvicted || verifying.IsEvicted);
    }

    [Fact]
    public void A_prefix_that_was_evicted_cannot_evict_during_the_cooldown()
    {
        var clock = new ManualClock();
        var o = new HandshakeLimiterOptions { MaxInProgress = 2, Burst = 100 };
        var l = new HandshakeLimiter(clock, o);
        HandshakeTicket a = l.TryBegin(IPAddress.Parse("198.18.10.1"), out _)!;
        HandshakeTicket b = l.TryBegin(IPAddress.Parse("198.18.11.1"), out _)!;
        l.Responded(a);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        l.Responded(b);
        clock.Advance(o.EvictionGrace);
        HandshakeTicket c = l.TryBegin(IPAddress.Parse("198.18.12.1"), out _)!; // evicts a, the longest waiting
        Assert.True(a.IsEvicted);
        l.Responded(c);

        // a's prefix comes straight back: without the cooldown it would evict b, b's would evict c, and so on.
        Assert.Null(l.TryBegin(IPAddress.Parse("198.18.10.2"), out HandshakeRefusal why));
        Assert.Equal(HandshakeRefusal.Full, why);
        clock.Advance(o.EvictionCooldown);
        Assert.NotNull(l.TryBegin(IPAddress.Parse("198.18.10.2"), out _));
        Assert.True(b.IsEvicted);
        Assert.False(c.IsEvicted);
        clock.Advance(o.EvictionGrace);

        // A free slot needs no eviction: a cooling prefix may take it.
        HandshakeTicket d = l.TryBegin(IPAddress.Parse("198.18.13.1"), out _)!; // evicts c
        Assert.True(c.IsEvicted);
        l.End(d, HandshakeOutcome.Failed);
        Assert.NotNull(l.TryBegin(IPAddress.Parse("198.18.12.5"), out _));
    }

    [Fact]
    public void A_handshake_answered_within_the_grace_is_not_evicted()
    {
        var clock = new ManualClock();
        var o = new HandshakeLimiterOptions { MaxInProgress = 2, Burst = 100, EvictionGrace = TimeSpan.FromMilliseconds(500) };
        var l = new HandshakeLimiter(clock, o);
        HandshakeTicket a = l.TryBegin(IPAddress.Parse("198.18.10.1"), out _)!;
        HandshakeTicket b = l.TryBegin(IPAddress.Parse("198.18.11.1"), out _)!;
        l.Responded(a);
        l.Responded(b);
        clock.Advance(TimeSpan.FromMilliseconds(499));
        Assert.Null(l.TryBegin(IPAddress.Parse("198.18.12.1"), out HandshakeRefusal why)); // refused: costs nothing, the client retries
        Assert.Equal(HandshakeRefusal.Full, why);
        Assert.False(a.IsEvicted || b.IsEvicted);
        Assert.Equal(0, l.Counters.Evicted);

        clock.Advance(TimeSpan.FromMilliseconds(1));
        Assert.NotNull(l.TryBegin(IPAddress.Parse("198.18.12.1"), out why));
        Assert.True(a.IsEvicted ^ b.IsEvicted);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_mass_reconnect_of_honest_clients_wastes_few_responses_with_the_grace(bool grace)
    {
        // 1000 clients (4 per /24) all come back at once after a server restart and retry every 250 ms
        // when refused or evicted; each needs 150 ms (a long round trip) to answer our Response, and the
        // server needs 5 ms per Response. An evicted handshake is a Response computed for nothing.
        var clock = new ManualClock();
        var defaults = new HandshakeLimiterOptions();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { EvictionGrace = grace ? defaults.EvictionGrace : TimeSpan.Zero, Burst = 1000, RefillPerSecond = 1000 });
        const int Clients = 1000;
        var tickets = new HandshakeTicket?[Clients];
        var answersAt = new TimeSpan[Clients];
        var retryAt = new TimeSpan[Clients];
        var done = new bool[Clients];
        int established = 0;
        long responses = 0;
        TimeSpan step = TimeSpan.FromMilliseconds(5);
        for (int tick = 0; tick < 60_000 && established < Clients; tick++)
        {
            for (int i = 0; i < Clients; i++)
            {
                if (done[i])
                {
                    continue;
                }

                if (tickets[i] is HandshakeTicket t)
                {
                    if (t.IsEvicted)
                    {
                        tickets[i] = null;
                        retryAt[i] = clock.Now + TimeSpan.FromMilliseconds(250);
                    }
                    else if (clock.Now >= answersAt[i])
                    {
                        l.AuthenticationReceived(t);
                        l.End(t, HandshakeOutcome.Authenticated);
                        done[i] = true;
                        established++;
                    }
                }
                else if (clock.Now >= retryAt[i])
                {
                    tickets[i] = l.TryBegin(new IPAddress([198, 18, (byte)(1 + (i / 4)), (byte)(1 + (i % 4))]), out _);
                    if (tickets[i] is HandshakeTicket admitted)
                    {
                        responses++;
                        l.Responded(admitted);
                        answersAt[i] = clock.Now + TimeSpan.FromMilliseconds(150);
                    }
                    else
                    {
                        retryAt[i] = clock.Now + TimeSpan.FromMilliseconds(250);
                    }
                }
            }

            clock.Advance(step);
        }

        Assert.Equal(Clients, established);
        double wasted = (responses - Clients) / (double)Clients;
        if (grace)
        {
            Assert.True(wasted <= 0.05, $"{responses} Responses for {Clients} clients; counters {l.Counters}");
        }
        else
        {
            // The same run without the grace: the churn this guards against (about one wasted Response per client).
            Assert.True(wasted > 0.5, $"{responses} Responses for {Clients} clients without the grace; counters {l.Counters}");
        }
    }

    [Fact]
    public void Under_load_the_client_gets_less_time_for_its_authentication()
    {
        var clock = new ManualClock();
        var o = new HandshakeLimiterOptions { MaxInProgress = 4, Burst = 100 };
        var l = new HandshakeLimiter(clock, o);
        HandshakeTicket t1 = l.TryBegin(IPAddress.Parse("198.18.10.1"), out _)!;
        Assert.Equal(o.AuthenticationTimeout, l.Responded(t1));
        HandshakeTicket t2 = l.TryBegin(IPAddress.Parse("198.18.11.1"), out _)!;
        Assert.Equal(o.LoadedAuthenticationTimeout, l.Responded(t2));
        Assert.True(o.LoadedAuthenticationTimeout < o.AuthenticationTimeout);
    }

    [Fact]
    public void Intervals_count_what_happened_and_name_the_top_sources()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { Burst = 2, RefillPerSecond = 0.001 });
        for (int i = 0; i < 5; i++)
        {
            HandshakeTicket? t = l.TryBegin(IPAddress.Parse("198.18.50.1"), out _);
            if (t is not null)
            {
                l.End(t, HandshakeOutcome.TimedOut);
            }
        }

        l.End(l.TryBegin(IPAddress.Parse("198.18.60.1"), out _)!, HandshakeOutcome.Unauthorized);
        l.End(l.TryBegin(IPAddress.Parse("198.18.70.1"), out _)!, HandshakeOutcome.Authenticated);
        clock.Advance(TimeSpan.FromSeconds(5));
        Assert.True(l.IntervalHasEvents);
        HandshakeInterval i1 = l.TakeInterval(top: 2);
        Assert.False(l.IntervalHasEvents);
        Assert.Equal(TimeSpan.FromSeconds(5), i1.Length);
        Assert.Equal((3L, 1L, 2L, 1L), (i1.Counters.RefusedRate, i1.Counters.Authenticated, i1.Counters.TimedOut, i1.Counters.Unauthorized));
        Assert.Equal(6, i1.Counters.Unauthenticated);
        Assert.Equal([new HandshakeSource("198.18.50.0/24", 5), new HandshakeSource("198.18.60.0/24", 1)], i1.TopSources);

        l.End(l.TryBegin(IPAddress.Parse("198.18.70.1"), out _)!, HandshakeOutcome.Authenticated);
        Assert.False(l.IntervalHasEvents); // authenticated clients are not load
        HandshakeInterval i2 = l.TakeInterval();
        Assert.Equal(0, i2.Counters.Unauthenticated);
        Assert.Empty(i2.TopSources);
        Assert.Equal(3, l.Counters.RefusedRate); // cumulative counters keep counting
    }

    [Fact]
    public void Tracked_prefixes_are_bounded()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock, new HandshakeLimiterOptions { MaxTrackedPrefixes = 100 });
        for (int i = 0; i < 1000; i++)
        {
            HandshakeTicket? t = l.TryBegin(new IPAddress([198, 18, (byte)(i >> 8), (byte)i]), out _);
            if (t is not null)
            {
                l.End(t, HandshakeOutcome.Failed);
            }

            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        Assert.True(l.TrackedPrefixes <= 100);
    }

    /// <summary>
    /// The policy's goal on simulated time: 64 attacker prefixes take every slot they can and never
    /// authenticate, retrying each refused attempt after 20 ms and an evicted one at once, for 60 s. A client arriving once a second
    /// needs 100 ms between our Response and its Authentication (a slow, loaded client). It must get
    /// through on its first attempt at least 95% of the time.
    /// </summary>
    [Fact]
    public void Simulated_slot_holding_flood_from_64_prefixes_does_not_keep_a_client_out()
    {
        var clock = new ManualClock();
        var l = new HandshakeLimiter(clock);
        var held = new List<(HandshakeTicket Ticket, TimeSpan Expires)>();
        var nextTry = new TimeSpan[64];
        TimeSpan step = TimeSpan.FromMilliseconds(10);
        TimeSpan end = clock.Now + TimeSpan.FromSeconds(60);
        int attempts = 0;
        int succeeded = 0;
        var reasons = new List<string>();
        HandshakeTicket? client = null;
        TimeSpan clientAuthAt = default;
        TimeSpan nextClient = clock.Now + TimeSpan.FromSeconds(2);
        while (clock.Now < end)
        {
            // Attackers: each address tries as often as the limiter lets it; a held slot lasts until its deadline or eviction.
            held.RemoveAll(h =>
            {
                if (h.Ticket.IsEvicted || clock.Now >= h.Expires)
                {
                    l.End(h.Ticket, h.Ticket.IsEvicted ? HandshakeOutcome.Evicted : HandshakeOutcome.TimedOut);
                    return true;
                }

                return false;
            });
            for (int a = 0; a < 64; a++)
            {
                while (clock.Now >= nextTry[a])
                {
                    HandshakeTicket? t = l.TryBegin(Attacker(a), out _);
                    if (t is null)
                    {
                        nextTry[a] = clock.Now + TimeSpan.FromMilliseconds(20);
                        break;
                    }

                    held.Add((t, clock.Now + l.Responded(t)));
                }
            }

            if (client is not null && (client.IsEvicted || clock.Now >= clientAuthAt))
            {
                reasons.Add(client.IsEvicted ? "evicted" : "ok");
                if (!client.IsEvicted)
                {
                    l.AuthenticationReceived(client);
                    l.End(client, HandshakeOutcome.Authenticated);
                    succeeded++;
                }

                client = null;
            }

            if (client is null && clock.Now >= nextClient)
            {
                attempts++;
                nextClient = clock.Now + TimeSpan.FromSeconds(1);
                client = l.TryBegin(IPAddress.Parse("198.18.0.2"), out HandshakeRefusal why);
                reasons.Add(why.ToString());
                if (client is not null)
                {
                    l.Responded(client);
                    clientAuthAt = clock.Now + TimeSpan.FromMilliseconds(100);
                }
            }

            clock.Advance(step);
        }

        Assert.True(attempts >= 55, $"{attempts} attempts");
        Assert.True(succeeded >= attempts * 95 / 100, $"{succeeded} of {attempts} client attempts got through; {string.Join(",", reasons)} counters {l.Counters}");
        Assert.True(l.Counters.Evicted > 1000, $"the attackers must really have held the slots: {l.Counters}");
    }
}

public class TokenBucketTests
{
    [Fact]
    public void Starts_full_refills_continuously_and_caps_at_the_burst()
    {
        TimeSpan t = TimeSpan.FromSeconds(100);
        var b = new TokenBucket(2, 0.5, t);
        Assert.True(b.TryTake(t));
        Assert.True(b.TryTake(t));
        Assert.False(b.TryTake(t));
        Assert.False(b.HasToken(t + TimeSpan.FromSeconds(1.9)));
        Assert.True(b.TryTake(t + TimeSpan.FromSeconds(2)));
        Assert.True(b.HasToken(t + TimeSpan.FromSeconds(100)));
        Assert.True(b.TryTake(t + TimeSpan.FromSeconds(100)));
        Assert.True(b.TryTake(t + TimeSpan.FromSeconds(100)));
        Assert.False(b.TryTake(t + TimeSpan.FromSeconds(100)));
    }
}

public class KeyChannelFramingTests
{
    [Fact]
    public async Task Frames_round_trip_and_bad_lengths_are_refused_before_reading_the_body()
    {
        byte[] message = Packets.IPv4(5000);
        using var stream = new MemoryStream();
        await KeyChannelFraming.WriteFrameAsync(stream, message, CancellationToken.None);
        stream.Position = 0;
        Assert.Equal(message, await KeyChannelFraming.ReadFrameAsync(stream, CancellationToken.None));
        Assert.Null(await KeyChannelFraming.ReadFrameAsync(stream, CancellationToken.None));

        using var big = new MemoryStream([0x20, 0x01, 1, 2, 3]);
        var e = await Assert.ThrowsAsync<ProtocolException>(async () => await KeyChannelFraming.ReadFrameAsync(big, CancellationToken.None));
        Assert.Equal(ProtocolError.FrameTooLarge, e.Error);
        Assert.Equal(2, big.Position);
        Assert.Throws<ProtocolException>(() => KeyChannelFraming.ReadLength([0, 0]));
        Assert.Equal(8192, KeyChannelFraming.ReadLength([0x20, 0x00]));
        Assert.Throws<ArgumentException>(() => KeyChannelFraming.Frame(new byte[8193]));

        using var cut = new MemoryStream([0x00, 0x10, 1, 2]);
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await KeyChannelFraming.ReadFrameAsync(cut, CancellationToken.None));
    }
}
