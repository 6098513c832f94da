using System.Buffers.Binary;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// What a TUN read returns (virtio_net_hdr then a packet) cut by the segmenter. A refused read yields
/// nothing; a plain one comes out unchanged apart from a completed checksum; a TCP super-packet comes out
/// as segments of at most gso_size payload whose payloads, in order, are the original payload, with
/// sequence numbers advancing by it, IP lengths equal to their size and checksums that verify.
/// </summary>
internal static class TcpSegmenterTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.Length > TcpSegmenter.HeaderSize + 65535)
        {
            return; // a TUN read is never longer
        }

        byte[] buffer = new byte[TcpSegmenter.HeaderSize + 65535];
        input.CopyTo(buffer);
        byte[] original = input.ToArray();
        var segmenter = new TcpSegmenter(buffer);
        byte[] output = new byte[65535];
        if (!segmenter.Load(input.Length))
        {
            InvariantViolation.Check(!segmenter.Pending && segmenter.Next(output) == 0, "a refused read still yields packets");
            return;
        }

        ReadOnlySpan<byte> packet = original.AsSpan(TcpSegmenter.HeaderSize);
        byte gso = (byte)(original[1] & 0x7F);
        if (gso == VirtioNetHeader.GsoNone)
        {
            int n = segmenter.Next(output);
            InvariantViolation.Check(n == packet.Length && !segmenter.Pending, "a plain packet did not come out whole");
            int at = (original[0] & VirtioNetHeader.NeedsChecksum) != 0
                ? BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(6)) + BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(8))
                : -1;
            for (int k = 0; k < n; k++)
            {
                InvariantViolation.Check(k == at || k == at + 1 || output[k] == packet[k], "a plain packet changed outside its checksum field");
            }

            return;
        }

        int l4 = BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(6));
        int headerLength = l4 + ((packet[l4 + 12] >> 4) * 4);
        int mss = BinaryPrimitives.ReadUInt16LittleEndian(original.AsSpan(4));
        uint seq = BinaryPrimitives.ReadUInt32BigEndian(packet[(l4 + 4)..]);
        int offset = headerLength;
        for (int guard = 0; segmenter.Pending; guard++)
        {
            InvariantViolation.Check(guard <= 65535, "the segmenter does not stop");
            int n = segmenter.Next(output);
            InvariantViolation.Check(n >= headerLength && n - headerLength <= mss, "a segment is shorter than its headers or longer than gso_size");
            ReadOnlySpan<byte> s = output.AsSpan(0, n);
            int payload = n - headerLength;
            InvariantViolation.Check(s[headerLength..].SequenceEqual(packet.Slice(offset, payload)), "a segment's payload is not the next part of the original");
            InvariantViolation.Check(BinaryPrimitives.ReadUInt32BigEndian(s[(l4 + 4)..]) == seq + (uint)(offset - headerLength), "a segment's sequence number does not match its payload offset");
            if (s[0] >> 4 == 4)
            {
                InvariantViolation.Check(BinaryPrimitives.ReadUInt16BigEndian(s[2..]) == n, "an IPv4 segment's total length is wrong");
                InvariantViolation.Check(InternetChecksum.IPv4HeaderValid(s[..((s[0] & 0xF) * 4)]), "an IPv4 segment's header checksum does not verify");
            }
            else
            {
                InvariantViolation.Check(BinaryPrimitives.ReadUInt16BigEndian(s[4..]) == n - 40, "an IPv6 segment's payload length is wrong");
            }

            InvariantViolation.Check(InternetChecksum.TcpValid(s, l4), "a segment's TCP checksum does not verify");
            offset += payload;
            if (payload == 0)
            {
                break;
            }
        }

        InvariantViolation.Check(offset == packet.Length && !segmenter.Pending, "the segments do not cover the whole payload");
    }
}
