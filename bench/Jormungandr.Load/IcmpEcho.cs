using System.Buffers.Binary;
using System.Net;

namespace Jormungandr.Load;

/// <summary>ICMP echo requests built by hand (IPv4 header and ICMP checksums correct) and replies recognised.</summary>
internal static class IcmpEcho
{
    /// <summary>IPv4 header (20) + ICMP header (8) + payload (8: the client number and a sequence).</summary>
    public const int Size = 36;

    /// <summary>Writes an echo request from <paramref name="source"/> to <paramref name="destination"/> into <paramref name="packet"/> (<see cref="Size"/> bytes).</summary>
    public static void WriteRequest(Span<byte> packet, IPAddress source, IPAddress destination, ushort id, ushort sequence)
    {
        packet = packet[..Size];
        packet.Clear();
        packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(packet[2..], Size);
        BinaryPrimitives.WriteUInt16BigEndian(packet[4..], sequence);
        packet[8] = 64; // TTL
        packet[9] = 1; // ICMP
        source.TryWriteBytes(packet[12..16], out _);
        destination.TryWriteBytes(packet[16..20], out _);
        BinaryPrimitives.WriteUInt16BigEndian(packet[10..], Checksum(packet[..20]));

        Span<byte> icmp = packet[20..];
        icmp[0] = 8; // echo request
        BinaryPrimitives.WriteUInt16BigEndian(icmp[4..], id);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[6..], sequence);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[8..], id);
        BinaryPrimitives.WriteUInt32BigEndian(icmp[12..], sequence);
        BinaryPrimitives.WriteUInt16BigEndian(icmp[2..], Checksum(icmp));
    }

    /// <summary>True when <paramref name="packet"/> is an IPv4 ICMP echo reply with identifier <paramref name="id"/>.</summary>
    public static bool IsReply(ReadOnlySpan<byte> packet, ushort id)
    {
        if (packet.Length < 28 || packet[0] >> 4 != 4 || packet[9] != 1)
        {
            return false;
        }

        int ihl = (packet[0] & 0x0F) * 4;
        return packet.Length >= ihl + 8 && packet[ihl] == 0 && BinaryPrimitives.ReadUInt16BigEndian(packet[(ihl + 4)..]) == id;
    }

    /// <summary>The Internet checksum (RFC 1071) of <paramref name="data"/> with its checksum field zero.</summary>
    public static ushort Checksum(ReadOnlySpan<byte> data)
    {
        uint sum = 0;
        int i = 0;
        for (; i + 1 < data.Length; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
        }

        if (i < data.Length)
        {
            sum += (uint)(data[i] << 8);
        }

        while (sum >> 16 != 0)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return (ushort)~sum;
    }
}
