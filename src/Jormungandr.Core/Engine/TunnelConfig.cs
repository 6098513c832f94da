using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Protocol;

namespace Jormungandr.Engine;

/// <summary>
/// The tunnel configuration the server sends the client in the Confirmation's application payload
/// (docs/protocol.md 5.4): the client's addresses with their pool prefixes and the inner MTU.
/// Layout (26 bytes): format 0x01 | flags (bit 0: IPv6 present) | IPv4 (4) | prefix4 (1) |
/// IPv6 (16, zero when absent) | prefix6 (1) | MTU (2, big-endian).
/// </summary>
internal sealed record TunnelConfig(IPAddress Address4, int Prefix4, IPAddress? Address6, int Prefix6, int Mtu)
{
    public const int Size = 26;
    private const byte Format = 1;

    public byte[] Encode()
    {
        byte[] b = new byte[Size];
        b[0] = Format;
        b[1] = (byte)(Address6 is null ? 0 : 1);
        Address4.TryWriteBytes(b.AsSpan(2, 4), out _);
        b[6] = (byte)Prefix4;
        Address6?.TryWriteBytes(b.AsSpan(7, 16), out _);
        b[23] = (byte)Prefix6;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(24), (ushort)Mtu);
        return b;
    }

    /// <summary>Parses and checks the payload; throws <see cref="ProtocolException"/> when it is not a valid configuration.</summary>
    public static TunnelConfig Decode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length != Size || payload[0] != Format || (payload[1] & ~1) != 0)
        {
            throw new ProtocolException(ProtocolError.Malformed, "The server sent an unknown tunnel configuration.");
        }

        var v4 = new IPAddress(payload.Slice(2, 4));
        int p4 = payload[6];
        bool has6 = (payload[1] & 1) != 0;
        IPAddress? v6 = has6 ? new IPAddress(payload.Slice(7, 16)) : null;
        int p6 = payload[23];
        int mtu = BinaryPrimitives.ReadUInt16BigEndian(payload[24..]);
        if (p4 is < 8 or > 30 || (has6 && p6 is < 64 or > 120) || (!has6 && p6 != 0) || mtu < 576
            || v4.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(v4) || v4.Equals(IPAddress.Any))
        {
            throw new ProtocolException(ProtocolError.Malformed, "The server sent an invalid tunnel configuration.");
        }

        return new TunnelConfig(v4, p4, v6, p6, mtu);
    }

    /// <summary>The IPv4 pool network (the client routes it into the tunnel).</summary>
    public IPNetwork Network4 => new IPNetwork(Mask(Address4, Prefix4), Prefix4);

    /// <summary>The IPv6 pool network, if any.</summary>
    public IPNetwork? Network6 => Address6 is null ? null : new IPNetwork(Mask(Address6, Prefix6), Prefix6);

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        byte[] b = address.GetAddressBytes();
        for (int i = 0; i < b.Length; i++)
        {
            int bits = Math.Clamp(prefix - (i * 8), 0, 8);
            b[i] &= (byte)(0xFF << (8 - bits));
        }

        return new IPAddress(b);
    }
}
