using System.Buffers.Binary;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// A sequence of packets coalesced, then every queued item cut back into packets by the segmenter, as the
/// kernel does with a GSO write. The first byte's bit 0 asks for each packet's IP lengths and checksums to
/// be made consistent first (so random segments can merge); records follow. What comes out must be what went
/// in, packet for packet, in the same order within every flow. Merged segments may differ only where a
/// super-packet cannot carry per-segment values: the IPv4 ID of a DF packet, the TCP window (the newest
/// wins) and the checksums over those, which must verify.
/// </summary>
internal static class TcpCoalescerTarget
{
    private const int MaxPackets = 600;

    public static void Run(ReadOnlySpan<byte> input)
    {
        var reader = new FuzzReader(input);
        bool repair = (reader.Byte() & 1) != 0;
        var queue = new TcpCoalescer();
        var sent = new List<byte[]>();
        while (!reader.IsEmpty && sent.Count < MaxPackets && queue.HasRoom)
        {
            byte[] packet = reader.Record().ToArray();
            if (packet.Length == 0)
            {
                continue;
            }

            if (repair)
            {
                InternetChecksum.Repair(packet);
            }

            InvariantViolation.Check(queue.Free.Length >= TcpCoalescer.MaxPacket, "no room for a packet while HasRoom");
            packet.CopyTo(queue.Free);
            queue.Commit(packet.Length);
            sent.Add(packet);
        }

        var received = new List<(byte[] Packet, bool Merged)>();
        byte[] header = new byte[VirtioNetHeader.Size];
        var pieces = new CoalescedPiece[TcpCoalescer.MaxSegments];
        byte[] wire = new byte[VirtioNetHeader.Size + 65535];
        byte[] output = new byte[65535];
        for (int i = 0; i < queue.Count; i++)
        {
            int n = queue.Describe(i, header, pieces);
            header.CopyTo(wire, 0);
            int length = VirtioNetHeader.Size;
            for (int j = 0; j < n; j++)
            {
                InvariantViolation.Check(length + pieces[j].Length <= wire.Length, "a super-packet is longer than 64 KiB");
                queue.Arena.AsSpan(pieces[j].Offset, pieces[j].Length).CopyTo(wire.AsSpan(length));
                length += pieces[j].Length;
            }

            var segmenter = new TcpSegmenter(wire);
            InvariantViolation.Check(segmenter.Load(length), "the segmenter refuses a coalesced item");
            int count = 0;
            while (segmenter.Pending && count <= n)
            {
                int m = segmenter.Next(output);
                received.Add((output.AsSpan(0, m).ToArray(), n > 1));
                count++;
            }

            InvariantViolation.Check(count == n, $"an item of {n} pieces was cut into {count} packets");
        }

        queue.Clear();
        InvariantViolation.Check(received.Count == sent.Count, $"{sent.Count} packets went in, {received.Count} came out");
        CompareFlows(sent, received);
    }

    private static void CompareFlows(List<byte[]> sent, List<(byte[] Packet, bool Merged)> received)
    {
        var expected = new Dictionary<string, Queue<byte[]>>(StringComparer.Ordinal);
        foreach (byte[] p in sent)
        {
            string key = FlowKey(p);
            if (!expected.TryGetValue(key, out Queue<byte[]>? q))
            {
                expected[key] = q = new Queue<byte[]>();
            }

            q.Enqueue(p);
        }

        foreach ((byte[] got, bool merged) in received)
        {
            InvariantViolation.Check(expected.TryGetValue(FlowKey(got), out Queue<byte[]>? q) && q.Count > 0, "a packet came out of a flow that sent no more");
            byte[] want = q!.Dequeue();
            if (!merged)
            {
                InvariantViolation.Check(got.AsSpan().SequenceEqual(want), "an unmerged packet changed, or a flow was reordered");
                continue;
            }

            bool v4 = got[0] >> 4 == 4;
            int l4 = v4 ? 20 : 40;
            InvariantViolation.Check(got.Length == want.Length, "a merged segment changed length, or a flow was reordered");
            InvariantViolation.Check(!v4 || InternetChecksum.IPv4HeaderValid(got.AsSpan(0, 20)), "a merged segment's IPv4 checksum does not verify");
            InvariantViolation.Check(InternetChecksum.TcpValid(got, l4), "a merged segment's TCP checksum does not verify");
            for (int k = 0; k < got.Length; k++)
            {
                bool free = (v4 && k is 4 or 5 or 10 or 11) || k == l4 + 14 || k == l4 + 15 || k == l4 + 16 || k == l4 + 17;
                InvariantViolation.Check(free || got[k] == want[k], $"byte {k} of a merged segment changed, or a flow was reordered");
            }
        }
    }

    /// <summary>IP version, addresses and protocol, and the ports of TCP and UDP: packets that must keep their order.</summary>
    private static string FlowKey(byte[] p)
    {
        if (p.Length >= 20 && p[0] >> 4 == 4)
        {
            int ihl = (p[0] & 0xF) * 4;
            int ports = (p[9] is 6 or 17) && ihl >= 20 && p.Length >= ihl + 4 ? BinaryPrimitives.ReadInt32BigEndian(p.AsSpan(ihl)) : 0;
            return $"4/{Convert.ToHexString(p, 12, 8)}/{p[9]}/{ports}";
        }

        if (p.Length >= 40 && p[0] >> 4 == 6)
        {
            int ports = (p[6] is 6 or 17) && p.Length >= 44 ? BinaryPrimitives.ReadInt32BigEndian(p.AsSpan(40)) : 0;
            return $"6/{Convert.ToHexString(p, 8, 32)}/{p[6]}/{ports}";
        }

        return "other";
    }
}
