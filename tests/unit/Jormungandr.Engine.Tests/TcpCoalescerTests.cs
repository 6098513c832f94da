using System.Buffers.Binary;
using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests;

/// <summary>
/// Receive-side TCP coalescing for the TUN: in-order segments of one flow become one GSO
/// super-packet that, cut again the way the kernel does (here by <see cref="TcpSegmenter"/>), gives back
/// exactly the segments that went in; anything else passes unchanged and no flow is reordered.
/// </summary>
public class TcpCoalescerTests
{
    private const int Mss = 1360;

    // Plain big-endian RFC 1071 sum, independent of the code under test.
    private static int OnesSum(ReadOnlySpan<byte> data, int sum = 0)
    {
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum;
    }

    /// <summary>A TCP segment with valid checksums, 12 bytes of timestamp options and a payload pattern.</summary>
    private static byte[] Segment(bool v4, int flow, uint seq, int payload, byte flags = 0x10, ushort id = 0, uint ack = 7777, byte tsval = 1, ushort urgent = 0)
    {
        int l3 = v4 ? 20 : 40;
        const int tcpHeader = 32;
        byte[] ip = new byte[l3 + tcpHeader + payload];
        if (v4)
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(2), (ushort)ip.Length);
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), id);
            ip[6] = 0x40; // DF
            ip[8] = 64;
            ip[9] = 6;
            IPAddress.Parse("198.19.3.2").GetAddressBytes().CopyTo(ip, 12);
            IPAddress.Parse("198.19.3.1").GetAddressBytes().CopyTo(ip, 16);
            int h = OnesSum(ip.AsSpan(0, 20));
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), (ushort)~h);
        }
        else
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(4), (ushort)(ip.Length - 40));
            ip[6] = 6;
            ip[7] = 64;
            IPAddress.Parse("fd00:5ec::2").GetAddressBytes().CopyTo(ip, 8);
            IPAddress.Parse("fd00:5ec::1").GetAddressBytes().CopyTo(ip, 24);
        }

        Span<byte> tcp = ip.AsSpan(l3);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)(40000 + flow));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], ack);
        tcp[12] = (tcpHeader / 4) << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 512);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[18..], urgent);
        tcp[20] = 1;
        tcp[21] = 1;
        tcp[22] = 8; // timestamps
        tcp[23] = 10;
        tcp[27] = tsval;
        for (int i = 0; i < payload; i++)
        {
            tcp[tcpHeader + i] = (byte)((seq + i) * 31);
        }

        int sum = v4 ? OnesSum(ip.AsSpan(12, 8)) : OnesSum(ip.AsSpan(8, 32));
        sum = OnesSum([0, 6, (byte)(tcp.Length >> 8), (byte)tcp.Length], sum);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], (ushort)~OnesSum(tcp, sum));
        return ip;
    }

    private static void Commit(TcpCoalescer queue, byte[] packet)
    {
        Assert.True(queue.HasRoom);
        Assert.True(queue.Free.Length >= TcpCoalescer.MaxPacket);
        packet.CopyTo(queue.Free);
        queue.Commit(packet.Length);
    }

    /// <summary>Each written item cut back into packets, as the kernel's GSO would.</summary>
    private static List<List<byte[]>> Drain(TcpCoalescer queue)
    {
        var items = new List<List<byte[]>>();
        var pieces = new CoalescedPiece[TcpCoalescer.MaxSegments];
        byte[] header = new byte[TcpSegmenter.HeaderSize];
        for (int i = 0; i < queue.Count; i++)
        {
            int n = queue.Describe(i, header, pieces);
            byte[] wire = new byte[TcpSegmenter.HeaderSize + 65535];
            header.CopyTo(wire, 0);
            int length = TcpSegmenter.HeaderSize;
            for (int j = 0; j < n; j++)
            {
                queue.Arena.AsSpan(pieces[j].Offset, pieces[j].Length).CopyTo(wire.AsSpan(length));
                length += pieces[j].Length;
            }

            if (n > 1)
            {
                Assert.True(length - TcpSegmenter.HeaderSize <= 65535);
                Assert.Equal(1, header[0]); // NEEDS_CSUM
            }

            var segmenter = new TcpSegmenter(wire);
            Assert.True(segmenter.Load(length));
            var packets = new List<byte[]>();
            byte[] output = new byte[65535];
            for (int guard = 0; segmenter.Pending && guard < 100; guard++)
            {
                int m = segmenter.Next(output);
                packets.Add(output.AsSpan(0, m).ToArray());
            }

            items.Add(packets);
        }

        queue.Clear();
        Assert.Equal(0, queue.Count);
        return items;
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void In_order_segments_of_one_flow_become_one_super_packet_that_cuts_back_exactly(bool v4)
    {
        var queue = new TcpCoalescer();
        var sent = new List<byte[]>();
        uint seq = 0xFFFF_F000; // wraps
        for (int i = 0; i < 10; i++)
        {
            int payload = i == 9 ? 500 : Mss;
            sent.Add(Segment(v4, 1, seq, payload, i == 9 ? (byte)0x18 : (byte)0x10, id: (ushort)(0xFFFA + i)));
            seq += (uint)payload;
        }

        foreach (byte[] p in sent)
        {
            Commit(queue, p);
        }

        Assert.Equal(1, queue.Count);
        List<List<byte[]>> items = Drain(queue);
        Assert.Single(items);
        Assert.Equal(sent.Count, items[0].Count);
        for (int i = 0; i < sent.Count; i++)
        {
            Assert.Equal(sent[i], items[0][i]);
        }
    }

    [Fact]
    public void Segments_with_an_urgent_pointer_but_no_URG_flag_pass_unmerged()
    {
        // Cutting a super-packet copies the first urgent pointer onto every segment, so merging these would
        // change the later ones. Found by the tcp-coalescer fuzz target.
        var queue = new TcpCoalescer();
        byte[] a = Segment(true, 1, 100, Mss, urgent: 0);
        byte[] b = Segment(true, 1, 100 + Mss, Mss, id: 1, urgent: 7);
        byte[] c = Segment(true, 1, 100 + (2 * Mss), Mss, id: 2, urgent: 0);
        Commit(queue, a);
        Commit(queue, b);
        Commit(queue, c);
        List<List<byte[]>> items = Drain(queue);
        Assert.Equal(3, items.Count);
        Assert.Equal([a, b, c], items.Select(i => Assert.Single(i)));
    }

    [Fact]
    public void The_super_packet_header_describes_TCP_GSO_with_a_partial_checksum()
    {
        var queue = new TcpCoalescer();
        Commit(queue, Segment(true, 1, 100, Mss));
        Commit(queue, Segment(true, 1, 100 + Mss, Mss, id: 1));
        byte[] header = new byte[TcpSegmenter.HeaderSize];
        var pieces = new CoalescedPiece[TcpCoalescer.MaxSegments];
        Assert.Equal(2, queue.Describe(0, header, pieces));
        Assert.Equal(1, header[0]);                                                   // NEEDS_CSUM
        Assert.Equal(1, header[1]);                                                   // GSO TCPv4
        Assert.Equal(52, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(2)));  // IP + TCP headers
        Assert.Equal(Mss, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(4))); // gso_size
        Assert.Equal(20, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(6)));  // csum_start
        Assert.Equal(16, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(8)));  // csum_offset
        Assert.Equal(52 + Mss, pieces[0].Length);
        Assert.Equal(Mss, pieces[1].Length);
        ReadOnlySpan<byte> ip = queue.Arena.AsSpan(pieces[0].Offset, 52);
        Assert.Equal(52 + (2 * Mss), BinaryPrimitives.ReadUInt16BigEndian(ip[2..]));
        Assert.Equal(0xFFFF, OnesSum(ip[..20])); // IPv4 header checksum redone
    }

    [Fact]
    public void Interleaved_flows_merge_separately_and_keep_their_order()
    {
        var queue = new TcpCoalescer();
        var a = new List<byte[]>();
        var b = new List<byte[]>();
        for (int i = 0; i < 4; i++)
        {
            a.Add(Segment(true, 1, (uint)(i * Mss), Mss, id: (ushort)i));
            b.Add(Segment(true, 2, (uint)(50000 + (i * Mss)), Mss, id: (ushort)(100 + i)));
            Commit(queue, a[i]);
            Commit(queue, b[i]);
        }

        List<List<byte[]>> items = Drain(queue);
        Assert.Equal(2, items.Count);
        Assert.Equal(a, items[0]);
        Assert.Equal(b, items[1]);
    }

    [Fact]
    public void A_packet_that_cannot_merge_stops_its_flow_from_growing_past_it()
    {
        var queue = new TcpCoalescer();
        byte[] first = Segment(true, 1, 0, Mss, id: 0);
        byte[] fin = Segment(true, 1, Mss, Mss, flags: 0x11, id: 1); // FIN never merges
        byte[] after = Segment(true, 1, 2 * Mss, Mss, id: 2);
        Commit(queue, first);
        Commit(queue, fin);
        Commit(queue, after);
        List<List<byte[]>> items = Drain(queue);
        Assert.Equal(3, items.Count);
        Assert.Equal(first, Assert.Single(items[0]));
        Assert.Equal(fin, Assert.Single(items[1]));
        Assert.Equal(after, Assert.Single(items[2]));
    }

    [Fact]
    public void Non_TCP_packets_between_segments_do_not_stop_the_merge_but_a_TCP_fragment_does()
    {
        var queue = new TcpCoalescer();
        byte[] udp = Segment(true, 9, 0, 100);
        udp[9] = 17; // now a UDP packet (its contents do not matter to the coalescer)
        FixIpChecksum(udp);
        byte[] fragment = Segment(true, 8, 0, 100);
        fragment[6] = 0x20; // MF: a fragment of some TCP segment, which no flow can be told from
        FixIpChecksum(fragment);

        Commit(queue, Segment(true, 1, 0, Mss, id: 0));
        Commit(queue, udp);
        Commit(queue, Segment(true, 1, Mss, Mss, id: 1)); // merges past the UDP packet
        Commit(queue, fragment);
        Commit(queue, Segment(true, 1, 2 * Mss, Mss, id: 2)); // must not merge past the fragment
        Assert.Equal(4, queue.Count);
        List<List<byte[]>> items = Drain(queue);
        Assert.Equal(2, items[0].Count);
        Assert.Equal(udp, Assert.Single(items[1]));
        Assert.Equal(fragment, Assert.Single(items[2]));
        Assert.Single(items[3]);
    }

    [Fact]
    public void With_coalescing_switched_off_every_packet_is_written_alone()
    {
        var queue = new TcpCoalescer();
        TcpCoalescer.Enabled = false;
        try
        {
            for (int i = 0; i < 5; i++)
            {
                Commit(queue, Segment(true, 1, (uint)(i * Mss), Mss, id: (ushort)i));
            }
        }
        finally
        {
            TcpCoalescer.Enabled = true;
        }

        Assert.Equal(5, queue.Count);
    }

    public static TheoryData<string> Breakers => new() { "bad checksum", "gap", "other ack", "other timestamp", "longer", "after push", "pure ack", "not DF", "TTL", "SYN" };

    [Theory]
    [MemberData(nameof(Breakers))]
    public void A_segment_that_does_not_continue_the_run_is_written_as_it_came(string breaker)
    {
        var queue = new TcpCoalescer();
        byte[] first = Segment(true, 1, 0, Mss, flags: breaker == "after push" ? (byte)0x18 : (byte)0x10);
        byte[] second = breaker switch
        {
            "gap" => Segment(true, 1, Mss + 1, Mss, id: 1),
            "other ack" => Segment(true, 1, Mss, Mss, id: 1, ack: 7778),
            "other timestamp" => Segment(true, 1, Mss, Mss, id: 1, tsval: 2),
            "longer" => Segment(true, 1, Mss, Mss + 1, id: 1),
            "pure ack" => Segment(true, 1, Mss, 0, id: 1),
            "SYN" => Segment(true, 1, Mss, Mss, flags: 0x12, id: 1),
            _ => Segment(true, 1, Mss, Mss, id: 1),
        };
        if (breaker == "bad checksum")
        {
            second[^1] ^= 0x40;
        }
        else if (breaker == "not DF")
        {
            second[6] = 0;
            FixIpChecksum(second);
        }
        else if (breaker == "TTL")
        {
            second[8] = 63;
            FixIpChecksum(second);
        }

        Commit(queue, first);
        Commit(queue, second);
        Assert.Equal(2, queue.Count);
        byte[] header = new byte[TcpSegmenter.HeaderSize];
        var pieces = new CoalescedPiece[TcpCoalescer.MaxSegments];
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(1, queue.Describe(i, header, pieces));
            Assert.All(header, b => Assert.Equal(0, b));
            Assert.Equal(i == 0 ? first : second, queue.Arena.AsSpan(pieces[0].Offset, pieces[0].Length).ToArray());
        }
    }

    private static void FixIpChecksum(byte[] ip)
    {
        ip[10] = 0;
        ip[11] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(ip.AsSpan(10), (ushort)~OnesSum(ip.AsSpan(0, 20)));
    }

    [Fact]
    public void A_run_longer_than_64_KB_is_split_into_super_packets_that_each_fit()
    {
        var queue = new TcpCoalescer();
        var sent = new List<byte[]>();
        for (int i = 0; i < 120; i++)
        {
            sent.Add(Segment(false, 1, (uint)(i * Mss), Mss));
            Commit(queue, sent[^1]);
        }

        List<List<byte[]>> items = Drain(queue);
        Assert.True(items.Count >= 3);
        Assert.Equal(sent, items.SelectMany(x => x));
    }

    [Fact]
    public void A_full_queue_says_so_before_it_would_overflow()
    {
        var queue = new TcpCoalescer();
        int committed = 0;
        for (int i = 0; i < 10_000 && queue.HasRoom; i++)
        {
            Commit(queue, Segment(true, i, 0, 0, flags: 0x10)); // pure ACKs: one item each
            committed++;
        }

        Assert.False(queue.HasRoom);
        Assert.Equal(committed, queue.Count);
        Assert.Equal(committed, Drain(queue).Count);
        Assert.True(queue.HasRoom);
    }

    [Fact]
    public void Random_mixes_of_flows_come_out_per_flow_in_order_and_unchanged()
    {
        // Per flow: segments in order, now and then one that cannot merge (pure ACK, a gap, a PSH).
        Gen<(int Flow, int Kind, int Size)> step =
            from flow in Gen.Choose(0, 3)
            from kind in Gen.Choose(0, 9)
            from size in Gen.Choose(1, Mss)
            select (flow, kind, size);
        Gen<(int Flow, int Kind, int Size)[]> steps = Gen.ArrayOf(step);
        Prop.ForAll(steps.ToArbitrary(), input =>
        {
            var queue = new TcpCoalescer();
            uint[] seq = new uint[4];
            ushort[] id = new ushort[4];
            var sent = new List<byte[]>[4] { [], [], [], [] };
            foreach ((int flow, int kind, int size) in input)
            {
                bool v4 = flow < 2;
                int payload = kind switch { 0 => 0, < 6 => Mss, _ => size };
                if (kind == 1)
                {
                    seq[flow] += 3; // a gap
                }

                byte[] p = Segment(v4, flow, seq[flow], payload, kind == 2 ? (byte)0x18 : (byte)0x10, id[flow]++);
                seq[flow] += (uint)payload;
                sent[flow].Add(p);
                Commit(queue, p);
            }

            var received = new List<byte[]>[4] { [], [], [], [] };
            foreach (List<byte[]> item in Drain(queue))
            {
                foreach (byte[] p in item)
                {
                    received[BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(p[0] >> 4 == 4 ? 20 : 40)) - 40000].Add(p);
                }
            }

            for (int f = 0; f < 4; f++)
            {
                Assert.Equal(sent[f], received[f]);
            }
        }).QuickCheckThrowOnFailure();
    }
}
