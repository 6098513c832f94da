using System.Buffers.Binary;
using System.Net;

namespace Jormungandr.Tests.Simulation;

/// <summary>Inner packets for the simulated tunnels: IPv4 or IPv6 with an 8-byte numbered payload.</summary>
internal static class Ip
{
    public static byte[] Packet(IPAddress source, IPAddress destination, long number)
    {
        if (source.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
        {
            byte[] p6 = new byte[40 + 8];
            p6[0] = 0x60;
            BinaryPrimitives.WriteUInt16BigEndian(p6.AsSpan(4), 8);
            p6[6] = 253; // experimental protocol number
            p6[7] = 64;
            source.TryWriteBytes(p6.AsSpan(8, 16), out _);
            destination.TryWriteBytes(p6.AsSpan(24, 16), out _);
            BinaryPrimitives.WriteInt64BigEndian(p6.AsSpan(40), number);
            return p6;
        }

        byte[] p = new byte[20 + 8];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)p.Length);
        p[8] = 64;
        p[9] = 253;
        source.TryWriteBytes(p.AsSpan(12, 4), out _);
        destination.TryWriteBytes(p.AsSpan(16, 4), out _);
        uint sum = 0;
        for (int i = 0; i < 20; i += 2)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(p.AsSpan(i));
        }

        while (sum > 0xFFFF)
        {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(10), (ushort)~sum);
        BinaryPrimitives.WriteInt64BigEndian(p.AsSpan(20), number);
        return p;
    }

    /// <summary>The number in a packet built by <see cref="Packet"/>.</summary>
    public static long Number(byte[] packet) =>
        BinaryPrimitives.ReadInt64BigEndian(packet.AsSpan((packet[0] >> 4) == 6 ? 40 : 20));

    /// <summary>The source address of a packet.</summary>
    public static IPAddress Source(byte[] packet) =>
        (packet[0] >> 4) == 6 ? new IPAddress(packet.AsSpan(8, 16)) : new IPAddress(packet.AsSpan(12, 4));

    /// <summary>Everything delivered to <paramref name="tun"/>'s host so far.</summary>
    public static List<byte[]> Drain(MemoryTun tun)
    {
        List<byte[]> all = [];
        while (tun.Delivered.Reader.TryRead(out byte[]? p))
        {
            all.Add(p);
        }

        return all;
    }
}
