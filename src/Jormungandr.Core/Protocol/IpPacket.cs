using System.Buffers.Binary;

namespace Jormungandr.Protocol;

/// <summary>
/// Allocation-free checks and field access on inner IP packets. Only IPv4 and IPv6 are valid;
/// the engine uses the addresses for cryptokey routing.
/// </summary>
public static class IpPacket
{
    /// <summary>Minimum IPv4 header.</summary>
    public const int IPv4HeaderSize = 20;

    /// <summary>Fixed IPv6 header.</summary>
    public const int IPv6HeaderSize = 40;

    /// <summary>IP version of a packet that passes <see cref="IsValid"/>: 4 or 6; 0 when it does not.</summary>
    public static int GetVersion(ReadOnlySpan<byte> packet) => IsValid(packet) ? packet[0] >> 4 : 0;

    /// <summary>
    /// True for a well-formed IPv4 packet (IHL ≥ 5, total length equal to the span length) or IPv6
    /// packet (40 + payload length equal to the span length). Everything else is refused.
    /// </summary>
    public static bool IsValid(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < IPv4HeaderSize)
        {
            return false;
        }

        switch (packet[0] >> 4)
        {
            case 4:
                int ihl = (packet[0] & 0x0F) * 4;
                int total = BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(2));
                return ihl >= IPv4HeaderSize && total >= ihl && total == packet.Length;
            case 6:
                return packet.Length >= IPv6HeaderSize
                    && IPv6HeaderSize + BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(4)) == packet.Length;
            default:
                return false;
        }
    }

    /// <summary>Source address bytes (4 or 16) of a valid packet; empty when the packet is not valid.</summary>
    public static ReadOnlySpan<byte> SourceAddress(ReadOnlySpan<byte> packet)
    {
        if (!IsValid(packet))
        {
            return default;
        }

        return packet[0] >> 4 == 4 ? packet.Slice(12, 4) : packet.Slice(8, 16);
    }

    /// <summary>Destination address bytes (4 or 16) of a valid packet; empty when the packet is not valid.</summary>
    public static ReadOnlySpan<byte> DestinationAddress(ReadOnlySpan<byte> packet)
    {
        if (!IsValid(packet))
        {
            return default;
        }

        return packet[0] >> 4 == 4 ? packet.Slice(16, 4) : packet.Slice(24, 16);
    }

    /// <summary>Total length from the IP header (what a TUN read should return), or -1 when unreadable.</summary>
    public static int DeclaredLength(ReadOnlySpan<byte> packet)
    {
        if (packet.Length >= IPv4HeaderSize && packet[0] >> 4 == 4)
        {
            return BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(2));
        }

        if (packet.Length >= IPv6HeaderSize && packet[0] >> 4 == 6)
        {
            return IPv6HeaderSize + BinaryPrimitives.ReadUInt16BigEndian(packet.Slice(4));
        }

        return -1;
    }
}
