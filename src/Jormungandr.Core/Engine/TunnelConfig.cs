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
/// The client installs the prefixes as on-link routes into the tunnel and accepts inner sources from
/// them, so a server could capture (and spoof) much of the client's traffic with a wide one (0.0.0.0/1):
/// prefixes are bounded to /16../30 (IPv4) and /64../120 (IPv6), and the server's pools to the same.
/// </summary>
internal sealed record TunnelConfig(IPAddress Address4, int Prefix4, IPAddress? Address6, int Prefix6, int Mtu)
{
    public const int Size = 26;

    /// <summary>Widest IPv4 network a server may assign (65 534 clients); wider would claim foreign destinations.</summary>
    public const int MinPrefix4 = 16;

    /// <summary>Narrowest IPv4 network (server plus one client).</summary>
    public const int MaxPrefix4 = 30;

    /// <summary>Widest IPv6 network: one /64, the normal size of a link.</summary>
    public const int MinPrefix6 = 64;

    /// <summary>Narrowest IPv6 network.</summary>
    public const int MaxPrefix6 = 120;

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
        // A wide prefix is refused with its own reason: it is what a hostile server would send to capture traffic.
        if (p4 < MinPrefix4)
        {
            throw new ProtocolException(ProtocolError.Malformed, $"The server assigned {v4}/{p4}: an IPv4 tunnel network wider than /{MinPrefix4} would route other destinations into the tunnel; refused.");
        }

        if (has6 && p6 < MinPrefix6)
        {
            throw new ProtocolException(ProtocolError.Malformed, $"The server assigned {v6}/{p6}: an IPv6 tunnel network wider than /{MinPrefix6} would route other destinations into the tunnel; refused.");
        }

        // Without IPv6 its 16 bytes are zero as written: one encoding per configuration, nothing hidden in it.
        if (p4 > MaxPrefix4 || (has6 && p6 > MaxPrefix6) || (!has6 && (p6 != 0 || payload.Slice(7, 16).ContainsAnyExcept((byte)0))) || mtu < 576
            || v4.AddressFamily != AddressFamily.InterNetwork || IPAddress.IsLoopback(v4) || v4.Equals(IPAddress.Any))
        {
            throw new ProtocolException(ProtocolError.Malformed, "The server sent an invalid tunnel configuration.");
        }

        return new TunnelConfig(v4, p4, v6, p6, mtu);
    }

    /// <summary>
    /// Refuses a configuration whose networks contain <paramref name="server"/>, the underlay address the
    /// data channel talks to: routing it into the tunnel would send the tunnel's own datagrams into itself.
    /// Throws <see cref="ProtocolException"/>.
    /// </summary>
    public void EnsureExcludes(IPAddress server)
    {
        IPAddress address = server.IsIPv4MappedToIPv6 ? server.MapToIPv4() : server;
        IPNetwork? network = address.AddressFamily == AddressFamily.InterNetwork ? Network4 : Network6;
        if (network is IPNetwork n && n.Contains(address))
        {
            throw new ProtocolException(ProtocolError.Malformed, $"The server assigned {n}, which contains the server's own address {address}: routing it into the tunnel would loop; refused.");
        }
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
