using System.Buffers.Binary;
using Jormungandr.Protocol;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// An inner IP packet read by <see cref="IpPacket"/>: nothing throws, a packet is valid exactly when its
/// header says IPv4 (IHL ≥ 5, total length = size) or IPv6 (40 + payload length = size), and the version
/// and addresses read back from the fixed header offsets of a valid packet only.
/// </summary>
internal static class IpPacketTarget
{
    public static void Run(ReadOnlySpan<byte> p)
    {
        bool valid = IpPacket.IsValid(p);
        int version = IpPacket.GetVersion(p);
        ReadOnlySpan<byte> source = IpPacket.SourceAddress(p);
        ReadOnlySpan<byte> destination = IpPacket.DestinationAddress(p);
        int declared = IpPacket.DeclaredLength(p);
        bool v4 = p.Length >= 20 && p[0] >> 4 == 4;
        bool v6 = p.Length >= 40 && p[0] >> 4 == 6;
        bool expected = (v4 && (p[0] & 0xF) >= 5 && BinaryPrimitives.ReadUInt16BigEndian(p[2..]) == p.Length && p.Length >= (p[0] & 0xF) * 4)
            || (v6 && 40 + BinaryPrimitives.ReadUInt16BigEndian(p[4..]) == p.Length);
        InvariantViolation.Check(valid == expected, $"IsValid says {valid} for a packet whose header says {expected}");
        InvariantViolation.Check(declared == (v4 ? BinaryPrimitives.ReadUInt16BigEndian(p[2..]) : v6 ? 40 + BinaryPrimitives.ReadUInt16BigEndian(p[4..]) : -1), "DeclaredLength does not match the header");
        if (!valid)
        {
            InvariantViolation.Check(version == 0 && source.IsEmpty && destination.IsEmpty, "an invalid packet reported a version or addresses");
            return;
        }

        InvariantViolation.Check(declared == p.Length, "a valid packet's declared length is not its size");
        if (version == 4)
        {
            InvariantViolation.Check(source.SequenceEqual(p.Slice(12, 4)) && destination.SequenceEqual(p.Slice(16, 4)), "IPv4 addresses read from the wrong place");
        }
        else
        {
            InvariantViolation.Check(version == 6 && source.SequenceEqual(p.Slice(8, 16)) && destination.SequenceEqual(p.Slice(24, 16)), "IPv6 addresses read from the wrong place");
        }
    }
}
