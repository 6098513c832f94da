using System.Buffers.Binary;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// Sans-IO handling of what a TUN with IFF_VNET_HDR and TCP segmentation offload hands over:
/// a 10-byte virtio_net_hdr, then either a plain packet (maybe with a partial checksum to finish) or a
/// TCP "super-packet" of up to 64 KB that is cut here into MSS-sized segments with their own IP length,
/// IPv4 ID and checksum, TCP sequence number, flags and checksum. The kernel thus runs its TCP stack
/// and one read() per 64 KB instead of per 1.4 KB. Works over a caller-owned buffer; not thread-safe.
/// </summary>
internal sealed class TcpSegmenter
{
    /// <summary>sizeof(struct virtio_net_hdr), the TUN default vnet header size.</summary>
    public const int HeaderSize = VirtioNetHeader.Size;

    private readonly byte[] _buffer;
    private int _length;     // packet bytes after the vnet header
    private int _l4;         // TCP header offset within the packet
    private int _headerLength;
    private int _mss;
    private int _next;       // packet offset of the next segment's payload, or -1 when done
    private int _index;

    /// <summary>Works on <paramref name="buffer"/>: vnet header at 0, packet from <see cref="HeaderSize"/>.</summary>
    public TcpSegmenter(byte[] buffer)
    {
        _buffer = buffer;
        _next = -1;
    }

    /// <summary>True while segments of the last loaded packet are still to come.</summary>
    public bool Pending => _next >= 0;

    /// <summary>
    /// Takes the <paramref name="length"/> bytes read into the buffer (vnet header included). Returns
    /// false when they are malformed (the packet is dropped).
    /// </summary>
    public bool Load(int length)
    {
        _next = -1;
        if (length <= HeaderSize || length > _buffer.Length)
        {
            return false;
        }

        ReadOnlySpan<byte> h = _buffer.AsSpan(0, HeaderSize);
        byte flags = h[0];
        byte gso = (byte)(h[1] & ~VirtioNetHeader.GsoEcn);
        int mss = BinaryPrimitives.ReadUInt16LittleEndian(h[4..]);
        int csumStart = BinaryPrimitives.ReadUInt16LittleEndian(h[6..]);
        int csumOffset = BinaryPrimitives.ReadUInt16LittleEndian(h[8..]);
        _length = length - HeaderSize;
        Span<byte> packet = _buffer.AsSpan(HeaderSize, _length);
        if (gso == VirtioNetHeader.GsoNone)
        {
            if ((flags & VirtioNetHeader.NeedsChecksum) != 0)
            {
                // CHECKSUM_PARTIAL: the field holds the pseudo-header sum; sum from csum_start to the end.
                if (csumStart + csumOffset + 2 > _length)
                {
                    return false;
                }

                ushort sum = Checksum.Fold(Checksum.Add(packet[csumStart..], 0));
                BinaryPrimitives.WriteUInt16LittleEndian(packet[(csumStart + csumOffset)..], (ushort)~sum);
            }

            _headerLength = _length;
            _mss = 0;
            _index = 0;
            _next = _length; // one whole packet
            return true;
        }

        int version = packet[0] >> 4;
        if ((gso != VirtioNetHeader.GsoTcpV4 || version != 4) && (gso != VirtioNetHeader.GsoTcpV6 || version != 6))
        {
            return false;
        }

        // TCP follows the IPv4 header directly: an IHL that disagrees with csum_start would have the IPv4
        // checksum summed over bytes that are not the header (or past the segment).
        if (csumStart < (version == 4 ? 20 : 40) || csumStart + 20 > _length || mss == 0
            || (version == 4 && (packet[0] & 0xF) * 4 != csumStart))
        {
            return false;
        }

        int tcpHeader = (packet[csumStart + 12] >> 4) * 4;
        if (tcpHeader < 20 || csumStart + tcpHeader > _length)
        {
            return false;
        }

        _l4 = csumStart;
        _headerLength = csumStart + tcpHeader;
        _mss = mss;
        _index = 0;
        _next = _headerLength;
        return true;
    }

    /// <summary>Writes the next packet into <paramref name="output"/>; its length, or 0 when none is left.</summary>
    public int Next(Span<byte> output)
    {
        if (_next < 0)
        {
            return 0;
        }

        ReadOnlySpan<byte> packet = _buffer.AsSpan(HeaderSize, _length);
        if (_mss == 0)
        {
            _next = -1;
            if (_length > output.Length)
            {
                return 0;
            }

            packet.CopyTo(output);
            return _length;
        }

        int payload = Math.Min(_mss, _length - _next);
        bool last = _next + payload >= _length;
        int total = _headerLength + payload;
        if (total > output.Length)
        {
            _next = -1;
            return 0;
        }

        packet[.._headerLength].CopyTo(output);
        packet.Slice(_next, payload).CopyTo(output[_headerLength..]);
        Span<byte> ip = output[..total];
        Span<byte> tcp = ip[_l4..];
        int seqDelta = _next - _headerLength;
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]) + (uint)seqDelta);
        if (!last)
        {
            tcp[13] &= unchecked((byte)~0x09); // FIN and PSH only on the last segment
        }

        if (_index > 0)
        {
            tcp[13] &= unchecked((byte)~0x80); // CWR only on the first
        }

        ulong sum;
        int tcpLength = total - _l4;
        if ((ip[0] >> 4) == 4)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(BinaryPrimitives.ReadUInt16BigEndian(ip[4..]) + _index));
            int ihl = (ip[0] & 0xF) * 4;
            ip[10] = 0;
            ip[11] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(ip[10..], (ushort)~Checksum.Fold(Checksum.Add(ip[..ihl], 0)));
            sum = Checksum.Add(ip.Slice(12, 8), 0);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(total - 40));
            sum = Checksum.Add(ip.Slice(8, 32), 0);
        }

        sum += BinaryPrimitives.ReverseEndianness((ushort)6) + (ulong)BinaryPrimitives.ReverseEndianness((ushort)tcpLength);
        tcp[16] = 0;
        tcp[17] = 0;
        BinaryPrimitives.WriteUInt16LittleEndian(tcp[16..], (ushort)~Checksum.Fold(Checksum.Add(tcp[..tcpLength], sum)));

        _next += payload;
        _index++;
        if (last)
        {
            _next = -1;
        }

        return total;
    }
}

/// <summary>The Internet checksum (RFC 1071), summed in little-endian words so the result is stored little-endian.</summary>
internal static class Checksum
{
    /// <summary>Adds <paramref name="data"/> to the running one's-complement sum <paramref name="sum"/>.</summary>
    public static ulong Add(ReadOnlySpan<byte> data, ulong sum)
    {
        int i = 0;
        for (; i + 8 <= data.Length; i += 8)
        {
            ulong w = BinaryPrimitives.ReadUInt64LittleEndian(data[i..]);
            sum += (w & 0xFFFFFFFF) + (w >> 32);
        }

        for (; i + 2 <= data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16LittleEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += data[i];
        }

        return sum;
    }

    /// <summary>Folds a running sum to 16 bits (not yet complemented).</summary>
    public static ushort Fold(ulong sum)
    {
        while ((sum >> 16) != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)sum;
    }
}
