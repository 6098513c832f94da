using System.Buffers;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class FragmentationTests
{
    private static SessionOptions Small() => new() { MaxDatagramSize = 500 };

    [Theory]
    [InlineData(465)]
    [InlineData(2000)]
    [InlineData(9000)]
    [InlineData(65535)]
    public void Large_packets_are_fragmented_and_reassembled(int length)
    {
        using var pair = new SessionPair(Small());
        byte[] packet = Packets.IPv4(length);
        List<byte[]> ds = SessionPair.Seal(pair.Client, packet);
        Assert.Equal(pair.Client.DatagramCountFor(length), ds.Count);
        Assert.True(ds.Count > 1);
        Assert.All(ds, d => Assert.True(d.Length <= 500));
        for (int i = 0; i < ds.Count - 1; i++)
        {
            Assert.Equal(OpenStatus.FragmentStored, SessionPair.Open(pair.Server, ds[i]).Result.Status);
        }

        (OpenResult r, byte[] got) = SessionPair.Open(pair.Server, ds[^1]);
        Assert.Equal(OpenStatus.Packet, r.Status);
        Assert.Equal(packet, got);
        Assert.Equal(0, pair.Server.ReassemblyInFlight);
    }

    [Fact]
    public void Reordered_fragments_reassemble()
    {
        using var pair = new SessionPair(Small());
        byte[] packet = Packets.IPv6(5000);
        List<byte[]> ds = SessionPair.Seal(pair.Client, packet);
        ds.Reverse();
        (ds[1], ds[3]) = (ds[3], ds[1]);
        OpenResult last = default;
        byte[] got = [];
        foreach (byte[] d in ds)
        {
            (last, got) = SessionPair.Open(pair.Server, d);
        }

        Assert.Equal(OpenStatus.Packet, last.Status);
        Assert.Equal(packet, got);
    }

    [Fact]
    public void Duplicated_fragment_is_dropped_and_packet_still_completes_once()
    {
        using var pair = new SessionPair(Small());
        byte[] packet = Packets.IPv4(3000);
        List<byte[]> ds = SessionPair.Seal(pair.Client, packet);
        Assert.Equal(OpenStatus.FragmentStored, SessionPair.Open(pair.Server, ds[0]).Result.Status);
        Assert.Equal(DropReason.Replay, SessionPair.Open(pair.Server, ds[0]).Result.Reason);
        int delivered = 0;
        foreach (byte[] d in ds.Skip(1))
        {
            delivered += SessionPair.Open(pair.Server, d).Result.Status == OpenStatus.Packet ? 1 : 0;
        }

        Assert.Equal(1, delivered);
        Assert.Equal(1, pair.Server.Counters.PacketsIn);
    }

    [Fact]
    public void Lost_fragment_never_completes_and_state_is_released_after_timeout()
    {
        var clock = new ManualClock();
        using var pair = new SessionPair(Small(), clock);
        List<byte[]> ds = SessionPair.Seal(pair.Client, Packets.IPv4(3000));
        foreach (byte[] d in ds.Skip(1))
        {
            Assert.Equal(OpenStatus.FragmentStored, SessionPair.Open(pair.Server, d).Result.Status);
        }

        Assert.Equal(1, pair.Server.ReassemblyInFlight);
        Assert.True(pair.Server.ReassemblyBufferedBytes > 0);
        clock.Advance(pair.Options.FragmentTimeout);
        pair.Server.Tick();
        Assert.Equal(0, pair.Server.ReassemblyInFlight);
        Assert.Equal(0, pair.Server.ReassemblyBufferedBytes);
        Assert.Equal(1, pair.Server.Counters.DropsFragment);

        // The missing fragment arriving late starts a new, incomplete reassembly: nothing delivered.
        Assert.Equal(OpenStatus.FragmentStored, SessionPair.Open(pair.Server, ds[0]).Result.Status);
    }

    [Fact]
    public void Reassembly_state_is_bounded_in_packets_and_bytes()
    {
        using var pair = new SessionPair(Small());
        for (int i = 0; i < 50; i++)
        {
            List<byte[]> ds = SessionPair.Seal(pair.Client, Packets.IPv4(60000));
            SessionPair.Open(pair.Server, ds[0]);
            Assert.True(pair.Server.ReassemblyInFlight <= 4);
            Assert.True(pair.Server.ReassemblyBufferedBytes <= 4 * 65536);
        }

        Assert.Equal(4, pair.Server.ReassemblyInFlight);
        Assert.Equal(46, pair.Server.Counters.DropsFragment);
    }

    [Fact]
    public void Forged_fragments_are_rejected_and_keep_no_state()
    {
        using var pair = new SessionPair(Small());
        List<byte[]> ds = SessionPair.Seal(pair.Client, Packets.IPv4(3000));
        var random = new Random(7);
        long before = GC.GetAllocatedBytesForCurrentThread();
        byte[] buffer = new byte[65535];
        int accepted = 0;
        for (int i = 0; i < 200; i++)
        {
            byte[] forged = ds[i % ds.Count];
            int pos = 16 + random.Next(forged.Length - 16);
            forged[pos] ^= (byte)(1 + random.Next(255));
            accepted += pair.Server.Open(forged, buffer).Status == OpenStatus.Dropped ? 0 : 1;
            forged[pos] = ds[i % ds.Count][pos];
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, accepted);
        Assert.Equal(0, pair.Server.ReassemblyInFlight);
        Assert.Equal(0, pair.Server.ReassemblyBufferedBytes);

        // Nothing is kept; the only transient garbage is .NET's tag-mismatch exception (bounded per datagram).
        Assert.True(allocated / 200 < 2048, $"{allocated / 200} bytes per forged datagram");
    }

    [Fact]
    public void Reassembler_refuses_overlap_inconsistent_and_out_of_range_fragments()
    {
        using var r = new Reassembler(TimeSpan.FromSeconds(2));
        byte[] output = new byte[65535];
        byte[] eight = new byte[8];
        TimeSpan now = TimeSpan.Zero;
        Assert.Equal(ReassemblyStatus.Stored, r.Add(1, 0, 100, eight, now, output, out _, out _));
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(1, 0, 100, eight, now, output, out _, out _)); // duplicate
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(1, 8, 200, eight, now, output, out _, out _)); // other total
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(1, 3, 100, eight, now, output, out _, out _)); // unaligned
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(1, 96, 100, eight, now, output, out _, out _)); // past the end
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(1, 8, 100, new byte[5], now, output, out _, out _)); // short middle
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(2, 0, 10, eight, now, output, out _, out _)); // total < 20
        Assert.Equal(ReassemblyStatus.Rejected, r.Add(2, 0, 100, [], now, output, out _, out _));
        Assert.Equal(1, r.InFlight);
    }
    /// <summary>Records whether every buffer came back zeroed.</summary>
    private sealed class CheckingPool : ArrayPool<byte>
    {
        public int Returned;
        public int ReturnedDirty;

        public override byte[] Rent(int minimumLength) => new byte[minimumLength + 13];

        public override void Return(byte[] array, bool clearArray = false)
        {
            Returned++;
            if (!clearArray && array.AsSpan().ContainsAnyExcept((byte)0))
            {
                ReturnedDirty++;
            }
        }
    }

    [Fact]
    public void Reassembly_buffers_go_back_to_the_pool_zeroed_on_completion_eviction_expiry_and_dispose()
    {
        var pool = new CheckingPool();
        byte[] output = new byte[65535];
        byte[] secret = new byte[64];
        Array.Fill(secret, (byte)0xA5);
        TimeSpan now = TimeSpan.Zero;
        using (var r = new Reassembler(TimeSpan.FromSeconds(2), pool))
        {
            // Completion.
            Assert.Equal(ReassemblyStatus.Stored, r.Add(1, 0, 128, secret, now, output, out _, out _));
            Assert.Equal(ReassemblyStatus.Completed, r.Add(1, 64, 128, secret, now, output, out int length, out _));
            Assert.Equal(128, length);

            // Expiry.
            Assert.Equal(ReassemblyStatus.Stored, r.Add(2, 0, 128, secret, now, output, out _, out _));
            Assert.Equal(1, r.Expire(now + TimeSpan.FromSeconds(3)));

            // Eviction of the oldest when all slots are busy, then dispose with packets in flight.
            for (uint id = 10; id < 10 + Reassembler.MaxSlots + 1; id++)
            {
                now += TimeSpan.FromMilliseconds(1);
                Assert.Equal(ReassemblyStatus.Stored, r.Add(id, 0, 128, secret, now, output, out _, out _));
            }
        }

        Assert.Equal(3 + Reassembler.MaxSlots, pool.Returned);
        Assert.Equal(0, pool.ReturnedDirty);
    }
}
