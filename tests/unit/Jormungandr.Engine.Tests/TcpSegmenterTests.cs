using System.Buffers.Binary;
using System.Net;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests;

/// <summary>TSO super-packets from a TUN with IFF_VNET_HDR are cut into valid MSS segments (checked with an independent checksum).</summary>
public class TcpSegmenterTests
{
    // Plain big-endian RFC 1071 sum, written independently of the code under test.
    private static int OnesSum(ReadOnlySpan<byte> data, int sum = 0)
    {
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum;
    }

    private static bool TcpChecksumValid(byte[] ip, int l4, bool v4)
    {
        int tcpLength = ip.Length - l4;
        int sum = v4 ? OnesSum(ip.AsSpan(12, 8)) : OnesSum(ip.AsSpan(8, 32));
        sum = OnesSum([0, 6, (byte)(tcpLength >> 8), (byte)tcpLength], sum);
        return OnesSum(ip.AsSpan(l4), sum) == 0xFFFF;
    }

    private static byte[] SuperPacket(bool v4, int payloadLength, ushort mss, byte flags, out byte[] payload)
    {
        int l3 = v4 ? 20 : 40;
        int total = l3 + 20 + payloadLength;
        byte[] buffer = new byte[TcpSegmenter.HeaderSize + 65535];
        Span<byte> h = buffer.AsSpan(0, TcpSegmenter.HeaderSize);
        h[0] = 1; // needs checksum
        h[1] = (byte)(v4 ? 1 : 4);
        BinaryPrimitives.WriteUInt16LittleEndian(h[2..], (ushort)(l3 + 20));
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], mss);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], (ushort)l3);
        BinaryPrimitives.WriteUInt16LittleEndian(h[8..], 16);
        Span<byte> ip = buffer.AsSpan(TcpSegmenter.HeaderSize, total);
        if (v4)
        {
            ip[0] = 0x45;
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)total);
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], 0xFFFE); // ID wraps across segments
            ip[8] = 64;
            ip[9] = 6;
            IPAddress.Parse("198.19.3.2").GetAddressBytes().CopyTo(ip[12..]);
            IPAddress.Parse("198.19.3.1").GetAddressBytes().CopyTo(ip[16..]);
        }
        else
        {
            ip[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(total - 40));
            ip[6] = 6;
            ip[7] = 64;
            IPAddress.Parse("fd00:5ec::2").GetAddressBytes().CopyTo(ip[8..]);
            IPAddress.Parse("fd00:5ec::1").GetAddressBytes().CopyTo(ip[24..]);
        }

        Span<byte> tcp = ip[l3..];
        BinaryPrimitives.WriteUInt16BigEndian(tcp, 40000);
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], 0xFFFFFF00); // sequence wraps too
        tcp[12] = 0x50;
        tcp[13] = flags;
        tcp[16] = 0x12; // a partial (pseudo-header) value the segmenter must replace
        payload = new byte[payloadLength];
        new Random(7).NextBytes(payload);
        payload.CopyTo(tcp[20..]);
        return buffer;
    }

    [Theory]
    [InlineData(true, 2900, 1000)]
    [InlineData(false, 2900, 1000)]
    [InlineData(true, 64000, 1368)]
    [InlineData(false, 3000, 1000)]
    public void A_super_packet_becomes_mss_segments_with_valid_headers_and_checksums(bool v4, int payloadLength, int mss)
    {
        const byte AckPshFin = 0x10 | 0x08 | 0x01 | 0x80; // with CWR
        byte[] buffer = SuperPacket(v4, payloadLength, (ushort)mss, AckPshFin, out byte[] payload);
        int l3 = v4 ? 20 : 40;
        var segmenter = new TcpSegmenter(buffer);
        Assert.True(segmenter.Load(TcpSegmenter.HeaderSize + l3 + 20 + payloadLength));
        byte[] output = new byte[65535];
        var received = new List<byte>();
        int count = 0;
        for (int n; (n = segmenter.Next(output)) > 0; count++)
        {
            byte[] ip = output[..n];
            int expectedPayload = Math.Min(mss, payloadLength - (count * mss));
            Assert.Equal(l3 + 20 + expectedPayload, n);
            if (v4)
            {
                Assert.Equal(n, BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(2)));
                Assert.Equal((ushort)(0xFFFE + count), BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(4)));
                Assert.Equal(0xFFFF, OnesSum(ip.AsSpan(0, 20)));
            }
            else
            {
                Assert.Equal(n - 40, BinaryPrimitives.ReadUInt16BigEndian(ip.AsSpan(4)));
            }

            Assert.Equal(unchecked(0xFFFFFF00u + (uint)(count * mss)), BinaryPrimitives.ReadUInt32BigEndian(ip.AsSpan(l3 + 4)));
            bool last = (count + 1) * mss >= payloadLength;
            byte f = ip[l3 + 13];
            Assert.Equal(last, (f & 0x01) != 0);
            Assert.Equal(last, (f & 0x08) != 0);
            Assert.Equal(count == 0, (f & 0x80) != 0);
            Assert.True((f & 0x10) != 0);
            Assert.True(TcpChecksumValid(ip, l3, v4), $"segment {count}: bad TCP checksum");
            received.AddRange(ip.AsSpan(l3 + 20).ToArray());
        }

        Assert.Equal((payloadLength + mss - 1) / mss, count);
        Assert.Equal(payload, received.ToArray());
        Assert.False(segmenter.Pending);
    }

    [Fact]
    public void A_plain_packet_with_a_partial_checksum_is_completed()
    {
        byte[] buffer = SuperPacket(true, 300, 0, 0x18, out _);
        buffer[1] = 0; // no GSO, checksum still partial
        byte[] ip = buffer.AsSpan(TcpSegmenter.HeaderSize, 340).ToArray();
        // Put the real pseudo-header sum in the field, as the kernel does for CHECKSUM_PARTIAL.
        int pseudo = OnesSum(ip.AsSpan(12, 8));
        pseudo = OnesSum([0, 6, (byte)(320 >> 8), 320 & 0xFF], pseudo);
        buffer[TcpSegmenter.HeaderSize + 36] = (byte)(pseudo >> 8);
        buffer[TcpSegmenter.HeaderSize + 37] = (byte)pseudo;
        var segmenter = new TcpSegmenter(buffer);
        Assert.True(segmenter.Load(TcpSegmenter.HeaderSize + 340));
        byte[] output = new byte[2000];
        Assert.Equal(340, segmenter.Next(output));
        Assert.True(TcpChecksumValid(output[..340], 20, true));
        Assert.Equal(0, segmenter.Next(output));
    }

    [Fact]
    public void A_plain_packet_without_checksum_work_passes_unchanged()
    {
        byte[] buffer = new byte[TcpSegmenter.HeaderSize + 100];
        new Random(3).NextBytes(buffer.AsSpan(TcpSegmenter.HeaderSize));
        buffer[TcpSegmenter.HeaderSize] = 0x45;
        var segmenter = new TcpSegmenter(buffer);
        Assert.True(segmenter.Load(buffer.Length));
        byte[] output = new byte[200];
        Assert.Equal(100, segmenter.Next(output));
        Assert.Equal(buffer[TcpSegmenter.HeaderSize..], output[..100]);
    }

    [Theory]
    [InlineData(5)]        // shorter than the vnet header
    [InlineData(30)]       // GSO packet too short for IP + TCP headers
    public void Malformed_input_is_refused_without_output(int length)
    {
        byte[] buffer = SuperPacket(true, 2000, 1000, 0x10, out _);
        var segmenter = new TcpSegmenter(buffer);
        Assert.False(segmenter.Load(length));
        Assert.Equal(0, segmenter.Next(new byte[2000]));
    }

    [Fact]
    public void A_gso_packet_with_mss_zero_or_a_bad_version_is_refused()
    {
        byte[] buffer = SuperPacket(true, 2000, 0, 0x10, out _);
        Assert.False(new TcpSegmenter(buffer).Load(TcpSegmenter.HeaderSize + 2040));
        buffer = SuperPacket(true, 2000, 1000, 0x10, out _);
        buffer[1] = 4; // says TCPv6 but the packet is IPv4
        Assert.False(new TcpSegmenter(buffer).Load(TcpSegmenter.HeaderSize + 2040));
    }

    [Fact]
    public void A_gso_packet_whose_ipv4_header_length_disagrees_with_csum_start_is_refused()
    {
        // IHL 15 (60 bytes) while csum_start says TCP starts at 20: the IPv4 checksum would be summed
        // past the segment. Found by the tcp-segmenter fuzz target.
        byte[] buffer = SuperPacket(true, 2000, 1000, 0x10, out _);
        buffer[TcpSegmenter.HeaderSize] = 0x4F;
        var segmenter = new TcpSegmenter(buffer);
        Assert.False(segmenter.Load(TcpSegmenter.HeaderSize + 2040));
        Assert.Equal(0, segmenter.Next(new byte[2000]));
    }
}
