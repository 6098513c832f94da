using System.Buffers.Binary;
using System.Net;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class SessionTests
{
    [Theory]
    [InlineData(20)]
    [InlineData(60)]
    [InlineData(61)]
    [InlineData(300)]
    [InlineData(1400)]
    public void IPv4_round_trip_both_directions(int length)
    {
        using var pair = new SessionPair();
        byte[] packet = Packets.IPv4(length);
        foreach ((Session from, Session to) in new[] { (pair.Client, pair.Server), (pair.Server, pair.Client) })
        {
            List<byte[]> datagrams = SessionPair.Seal(from, packet);
            Assert.Single(datagrams);
            (OpenResult r, byte[] got) = SessionPair.Open(to, datagrams[0]);
            Assert.Equal(OpenStatus.Packet, r.Status);
            Assert.Equal(packet, got);
        }

        Assert.Equal(1, pair.Server.Counters.PacketsIn);
        Assert.Equal(length, pair.Server.Counters.BytesIn);
        Assert.Equal(1, pair.Client.Counters.PacketsOut);
    }

    [Fact]
    public void IPv6_round_trip()
    {
        using var pair = new SessionPair();
        byte[] packet = Packets.IPv6(1280);
        (OpenResult r, byte[] got) = SessionPair.Open(pair.Server, SessionPair.Seal(pair.Client, packet)[0]);
        Assert.Equal(OpenStatus.Packet, r.Status);
        Assert.Equal(packet, got);
    }

    [Theory]
    [InlineData(20, 64)]
    [InlineData(60, 64)]
    [InlineData(61, 256)]
    [InlineData(252, 256)]
    [InlineData(253, 512)]
    [InlineData(508, 512)]
    [InlineData(509, 1452 - 32)]
    [InlineData(1400, 1452 - 32)]
    public void Padding_on_uses_buckets(int length, int plaintext)
    {
        using var pair = new SessionPair();
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(length))[0];
        Assert.Equal(DataPacket.HeaderSize + plaintext + 16, d.Length);
        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, d).Result.Status);
    }

    [Theory]
    [InlineData(20)]
    [InlineData(333)]
    [InlineData(1400)]
    public void Padding_off_adds_nothing(int length)
    {
        using var pair = new SessionPair(new SessionOptions { Padding = false });
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(length))[0];
        Assert.Equal(length + DataPacket.Overhead, d.Length);
        (OpenResult r, byte[] got) = SessionPair.Open(pair.Server, d);
        Assert.Equal(OpenStatus.Packet, r.Status);
        Assert.Equal(length, got.Length);
    }

    [Fact]
    public void Header_layout_and_counter_nonce()
    {
        using var pair = new SessionPair();
        byte[] a = SessionPair.Seal(pair.Client, Packets.IPv4(40))[0];
        byte[] b = SessionPair.Seal(pair.Client, Packets.IPv4(40))[0];
        Assert.Equal(new byte[] { 2, 5, 0, 0, 0x22, 0x22, 0x22, 0x22, 0, 0, 0, 0, 0, 0, 0, 0 }, a[..16]);
        Assert.Equal(1UL, BinaryPrimitives.ReadUInt64BigEndian(b.AsSpan(8)));
        Assert.NotEqual(a[16..], b[16..]);
    }

    [Fact]
    public void Non_IP_payloads_are_refused_on_send()
    {
        using var pair = new SessionPair();
        byte[] junk = new byte[100];
        junk[0] = 0x15;
        Assert.Equal(SealStatus.InvalidPacket, pair.Client.Seal(junk, new byte[2000], new int[1]).Status);
        byte[] wrongLength = Packets.IPv4(100);
        Assert.Equal(SealStatus.InvalidPacket, pair.Client.Seal(wrongLength.AsSpan(0, 90), new byte[2000], new int[1]).Status);
    }

    [Fact]
    public void Replayed_datagram_is_dropped()
    {
        using var pair = new SessionPair();
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, d).Result.Status);
        (OpenResult r, _) = SessionPair.Open(pair.Server, d);
        Assert.Equal(DropReason.Replay, r.Reason);
        Assert.Equal(1, pair.Server.Counters.DropsReplay);
    }

    [Fact]
    public void Reordered_datagrams_are_all_delivered_once()
    {
        using var pair = new SessionPair();
        var ds = Enumerable.Range(0, 50).Select(i => SessionPair.Seal(pair.Client, Packets.Numbered(i))[0]).ToList();
        var order = Enumerable.Range(0, 50).OrderBy(i => (i * 37) % 50).ToList();
        var got = new List<int>();
        foreach (int i in order)
        {
            (OpenResult r, byte[] p) = SessionPair.Open(pair.Server, ds[i]);
            Assert.Equal(OpenStatus.Packet, r.Status);
            got.Add(BinaryPrimitives.ReadInt32BigEndian(p.AsSpan(20)));
        }

        Assert.Equal(Enumerable.Range(0, 50), got.Order());
    }

    [Fact]
    public void Every_flipped_bit_is_rejected_as_authentication_or_malformed()
    {
        using var pair = new SessionPair(new SessionOptions { Padding = false });
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(60))[0];
        for (int i = 0; i < d.Length; i++)
        {
            byte[] t = (byte[])d.Clone();
            t[i] ^= 0x01;
            OpenResult r = SessionPair.Open(pair.Server, t).Result;
            Assert.Equal(OpenStatus.Dropped, r.Status);
            Assert.Contains(r.Reason, new[] { DropReason.Authentication, DropReason.Malformed, DropReason.UnknownIndex });
        }

        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, d).Result.Status);
    }

    [Fact]
    public void Keepalive_round_trip()
    {
        using var pair = new SessionPair();
        byte[] buf = new byte[2000];
        int n = pair.Client.SealKeepalive(buf);
        Assert.Equal(DataPacket.HeaderSize + 64 + 16, n);
        Assert.Equal(OpenStatus.Keepalive, SessionPair.Open(pair.Server, buf[..n]).Result.Status);
    }

    [Fact]
    public void Control_message_round_trip_both_ways_and_bounds()
    {
        using var pair = new SessionPair();
        byte[] buf = new byte[2000];
        int n = pair.Client.SealControl([1, 1], buf);
        Assert.Equal(DataPacket.HeaderSize + 64 + 16, n); // padded like any small plaintext
        (OpenResult r, byte[] payload) = SessionPair.Open(pair.Server, buf[..n]);
        Assert.Equal(OpenStatus.Control, r.Status);
        Assert.True(r.Authenticated);
        Assert.Equal([1, 1], payload);
        Assert.Equal(0, pair.Server.Counters.PacketsIn); // not an inner packet

        byte[] large = new byte[DataPacket.MaxControlSize];
        large[0] = 2;
        n = pair.Server.SealControl(large, buf);
        (r, payload) = SessionPair.Open(pair.Client, buf[..n]);
        Assert.Equal(OpenStatus.Control, r.Status);
        Assert.Equal(large, payload);

        Assert.Throws<ArgumentException>(() => pair.Client.SealControl([], buf));
        Assert.Throws<ArgumentException>(() => pair.Client.SealControl(new byte[DataPacket.MaxControlSize + 1], buf));
    }

    [Fact]
    public void Control_message_replayed_is_dropped_like_any_datagram()
    {
        using var pair = new SessionPair();
        byte[] buf = new byte[2000];
        int n = pair.Client.SealControl([1, 1], buf);
        Assert.Equal(OpenStatus.Control, SessionPair.Open(pair.Server, buf[..n]).Result.Status);
        Assert.Equal(DropReason.Replay, SessionPair.Open(pair.Server, buf[..n]).Result.Reason);
    }

    [Fact]
    public void Keys_refused_after_hard_time_limit_both_ways()
    {
        var clock = new ManualClock();
        using var pair = new SessionPair(clock: clock);
        byte[] early = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        clock.Advance(pair.Options.RejectAfterTime);
        Assert.Equal(SealStatus.NoKeys, pair.Client.Seal(Packets.IPv4(100), new byte[2000], new int[1]).Status);
        Assert.Equal(0, pair.Client.SealKeepalive(new byte[2000]));
        Assert.Equal(DropReason.KeysExpired, SessionPair.Open(pair.Server, early).Result.Reason);
        Assert.True(pair.Client.Tick().HasFlag(SessionActions.Expired));
    }

    [Fact]
    public void Keys_refused_after_hard_message_limit()
    {
        using var pair = new SessionPair(new SessionOptions { RejectAfterMessages = 5, RekeyAfterMessages = 3 });
        for (int i = 0; i < 5; i++)
        {
            Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, SessionPair.Seal(pair.Client, Packets.IPv4(100))[0]).Result.Status);
        }

        Assert.True(pair.Client.Tick().HasFlag(SessionActions.Rekey));
        Assert.Equal(SealStatus.NoKeys, pair.Client.Seal(Packets.IPv4(100), new byte[2000], new int[1]).Status);
    }

    [Fact]
    public void Fragmented_packet_that_would_cross_the_hard_limit_is_refused_whole()
    {
        using var pair = new SessionPair(new SessionOptions { MaxDatagramSize = 500, RejectAfterMessages = 3 });
        Assert.Equal(4, pair.Client.DatagramCountFor(1800));
        Assert.Equal(SealStatus.NoKeys, pair.Client.Seal(Packets.IPv4(1800), new byte[4 * 500], new int[4]).Status);
        Assert.Equal(SealStatus.Ok, pair.Client.Seal(Packets.IPv4(100), new byte[500], new int[1]).Status);
    }

    [Fact]
    public void Receiver_refuses_counter_beyond_hard_limit_even_if_authentic()
    {
        using var pair = new SessionPair(new SessionOptions { RejectAfterMessages = 3 });
        var sender = new SessionPair(new SessionOptions());
        var ds = Enumerable.Range(0, 4).Select(_ => SessionPair.Seal(sender.Client, Packets.IPv4(100))[0]).ToList();
        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, ds[2]).Result.Status);
        Assert.Equal(DropReason.KeysExpired, SessionPair.Open(pair.Server, ds[3]).Result.Reason);
        sender.Dispose();
    }

    [Fact]
    public void Timers_keepalive_rekey_and_expiry()
    {
        var clock = new ManualClock();
        using var pair = new SessionPair(clock: clock);
        Assert.True(pair.Client.Tick().HasFlag(SessionActions.SendKeepalive)); // initiator says hello at once
        pair.Client.SealKeepalive(new byte[2000]);
        Assert.Equal(SessionActions.None, pair.Client.Tick());
        Assert.Equal(SessionActions.None, pair.Server.Tick());
        clock.Advance(pair.Options.KeepaliveInterval);
        Assert.True(pair.Server.Tick().HasFlag(SessionActions.SendKeepalive));
        clock.Advance(pair.Options.SessionTimeout);
        Assert.Equal(SessionActions.Expired, pair.Server.Tick());

        var clock2 = new ManualClock();
        using var pair2 = new SessionPair(clock: clock2);
        for (int i = 0; i < 12; i++)
        {
            clock2.Advance(TimeSpan.FromSeconds(10));
            SessionPair.Open(pair2.Client, SessionPair.Seal(pair2.Server, Packets.IPv4(50))[0]);
            SessionActions a = pair2.Client.Tick();
            Assert.Equal(i == 11, a.HasFlag(SessionActions.Rekey));
            Assert.False(pair2.Server.Tick().HasFlag(SessionActions.Rekey)); // only the initiator rekeys
        }

        Assert.False(pair2.Client.Tick().HasFlag(SessionActions.Rekey)); // not repeated before the retry interval
        clock2.Advance(pair2.Options.RekeyRetryInterval);
        Assert.True(pair2.Client.Tick().HasFlag(SessionActions.Rekey));
        Assert.True(pair2.Client.NextDeadline <= clock2.Now + pair2.Options.KeepaliveInterval);
    }

    [Fact]
    public void Unknown_index_and_garbage_are_dropped_without_state()
    {
        using var pair = new SessionPair();
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        d[4] ^= 0xFF;
        Assert.Equal(DropReason.UnknownIndex, SessionPair.Open(pair.Server, d).Result.Reason);
        Assert.Equal(DropReason.Malformed, SessionPair.Open(pair.Server, new byte[10]).Result.Reason);
        Assert.Equal(1, pair.Server.Counters.DropsAuthentication);
        Assert.Equal(1, pair.Server.Counters.DropsMalformed);
    }

    [Fact]
    public void Session_table_finds_sessions_by_receiver_index()
    {
        var table = new SessionTable();
        using var pair = new SessionPair(serverTable: table);
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        Assert.True(table.TryGetSession(d, out Session s));
        Assert.Same(pair.Server, s);
        Assert.False(table.TryGetSession(0xDEADBEEF, out _));
        uint reserved = table.AllocateIndex(new SeededRandom("t"));
        Assert.False(table.TryGetSession(reserved, out _));
        table.ReleaseReservation(reserved);
        pair.Server.Dispose();
        Assert.False(table.TryGetSession(d, out _));
    }

    [Theory]
    [InlineData(1400)] // OpenSSL's AEAD
    [InlineData(60)]   // the managed small-packet AEAD
    public void Seal_and_open_allocate_nothing(int length)
    {
        using var pair = new SessionPair();
        byte[] packet = Packets.IPv4(length);
        byte[] output = new byte[2000];
        byte[] plain = new byte[65535];
        int[] lengths = new int[1];
        for (int i = 0; i < 10; i++)
        {
            pair.Client.Seal(packet, output, lengths);
            pair.Server.Open(output.AsSpan(0, lengths[0]), plain);
        }

        int delivered = 0;
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            pair.Client.Seal(packet, output, lengths);
            OpenResult r = pair.Server.Open(output.AsSpan(0, lengths[0]), plain);
            delivered += r.Status == OpenStatus.Packet ? 1 : 0;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(100, delivered);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void Roaming_follows_authenticated_packets_only()
    {
        using var pair = new SessionPair();
        SocketAddress a = new IPEndPoint(IPAddress.Parse("198.18.0.2"), 40000).Serialize();
        SocketAddress b = new IPEndPoint(IPAddress.Parse("198.18.0.2"), 40001).Serialize();
        (OpenResult r1, _) = SessionPair.Open(pair.Server, SessionPair.Seal(pair.Client, Packets.IPv4(100))[0], a);
        Assert.True(r1.EndpointChanged);
        Assert.Equal(a, pair.Server.Endpoint);
        (OpenResult r2, _) = SessionPair.Open(pair.Server, SessionPair.Seal(pair.Client, Packets.IPv4(100))[0], a);
        Assert.False(r2.EndpointChanged);
        (OpenResult r3, _) = SessionPair.Open(pair.Server, SessionPair.Seal(pair.Client, Packets.IPv4(100))[0], b);
        Assert.True(r3.EndpointChanged);
        Assert.Equal(b, pair.Server.Endpoint);
    }
    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(ulong.MaxValue - (1UL << 13))]
    public void RejectAfterMessages_that_would_let_the_send_counter_wrap_is_refused(ulong limit)
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new SessionPair(new SessionOptions { RejectAfterMessages = limit }));
        Assert.Equal(nameof(SessionOptions.RejectAfterMessages), ex.ParamName);
    }

    [Fact]
    public void The_largest_allowed_RejectAfterMessages_is_the_default()
    {
        Assert.Equal(ulong.MaxValue - (1UL << 13) - 1, new SessionOptions().RejectAfterMessages);
        using var pair = new SessionPair(new SessionOptions { RejectAfterMessages = ulong.MaxValue - (1UL << 13) - 1 });
        Assert.NotEmpty(SessionPair.Seal(pair.Client, Packets.IPv4(100)));
    }
}
