using System.Buffers.Binary;

namespace Jormungandr.Fuzz;

/// <summary>
/// A plain big-endian RFC 1071 checksum, written apart from the engine's so the targets check its
/// packets against an independent implementation.
/// </summary>
internal static class InternetChecksum
{
    /// <summary>The one's-complement sum of <paramref name="data"/> added to <paramref name="sum"/>, folded to 16 bits.</summary>
    public static int Sum(ReadOnlySpan<byte> data, int sum = 0)
    {
        for (int i = 0; i < data.Length; i += 2)
        {
            sum += (data[i] << 8) | (i + 1 < data.Length ? data[i + 1] : 0);
            sum = (sum & 0xFFFF) + (sum >> 16);
        }

        return sum;
    }

    /// <summary>The sum of the TCP pseudo-header for a segment of <paramref name="tcpLength"/> bytes in <paramref name="ip"/>.</summary>
    public static int PseudoHeader(ReadOnlySpan<byte> ip, int tcpLength)
    {
        int sum = (ip[0] >> 4) == 4 ? Sum(ip.Slice(12, 8)) : Sum(ip.Slice(8, 32));
        Span<byte> tail = [0, 6, (byte)(tcpLength >> 8), (byte)tcpLength];
        return Sum(tail, sum);
    }

    /// <summary>True when the IPv4 header checksum over <paramref name="header"/> verifies.</summary>
    public static bool IPv4HeaderValid(ReadOnlySpan<byte> header) => Sum(header) == 0xFFFF;

    /// <summary>True when the TCP checksum of the segment starting at <paramref name="l4"/> verifies.</summary>
    public static bool TcpValid(ReadOnlySpan<byte> ip, int l4) => Sum(ip[l4..], PseudoHeader(ip, ip.Length - l4)) == 0xFFFF;

    /// <summary>
    /// Makes a TCP-looking packet self-consistent: IP length fields equal to its size, then the IPv4 header
    /// checksum and the TCP checksum recomputed. Other packets are left alone.
    /// </summary>
    public static void Repair(Span<byte> ip)
    {
        int l4;
        if (ip.Length >= 20 && ip[0] >> 4 == 4)
        {
            l4 = (ip[0] & 0xF) * 4;
            if (l4 < 20 || l4 > ip.Length)
            {
                return;
            }

            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)ip.Length);
            ip[10] = 0;
            ip[11] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(ip[10..], (ushort)~Sum(ip[..l4]));
            if (ip[9] != 6)
            {
                return;
            }
        }
        else if (ip.Length >= 40 && ip[0] >> 4 == 6)
        {
            l4 = 40;
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(ip.Length - 40));
            if (ip[6] != 6)
            {
                return;
            }
        }
        else
        {
            return;
        }

        if (ip.Length < l4 + 20)
        {
            return;
        }

        Span<byte> tcp = ip[l4..];
        tcp[16] = 0;
        tcp[17] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[16..], (ushort)~Sum(tcp, PseudoHeader(ip, tcp.Length)));
    }
}
