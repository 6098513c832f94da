using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Engine;

/// <summary>
/// The client's half of cryptokey routing: a packet from the server reaches the TUN only when its
/// inner source lies in a network the client routes into the tunnel (the server's pool networks and
/// the configured routes). Without it a malicious server could inject packets from any address.
/// Prefixes are precomputed; <see cref="Allows"/> is allocation-free.
/// </summary>
internal sealed class SourceFilter
{
    private readonly (uint Value, uint Mask)[] _v4;
    private readonly (UInt128 Value, UInt128 Mask)[] _v6;

    /// <summary>Accepts sources inside any of <paramref name="networks"/>.</summary>
    public SourceFilter(IEnumerable<IPNetwork> networks)
    {
        var v4 = new List<(uint, uint)>();
        var v6 = new List<(UInt128, UInt128)>();
        Span<byte> b = stackalloc byte[16];
        foreach (IPNetwork network in networks)
        {
            network.BaseAddress.TryWriteBytes(b, out _);
            int prefix = network.PrefixLength;
            if (network.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
            {
                uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
                v4.Add((BinaryPrimitives.ReadUInt32BigEndian(b) & mask, mask));
            }
            else if (network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6)
            {
                UInt128 mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
                v6.Add((BinaryPrimitives.ReadUInt128BigEndian(b) & mask, mask));
            }
        }

        _v4 = [.. v4];
        _v6 = [.. v6];
    }

    /// <summary>The filter for a tunnel config (its pool networks) plus the client's routes.</summary>
    public static SourceFilter For(TunnelConfig config, IEnumerable<IPNetwork> routes)
    {
        var networks = new List<IPNetwork> { config.Network4 };
        if (config.Network6 is IPNetwork n6)
        {
            networks.Add(n6);
        }

        networks.AddRange(routes);
        return new SourceFilter(networks);
    }

    /// <summary>True when <paramref name="source"/> (4 or 16 raw bytes) is inside an accepted network.</summary>
    public bool Allows(ReadOnlySpan<byte> source)
    {
        if (source.Length == 4)
        {
            uint a = BinaryPrimitives.ReadUInt32BigEndian(source);
            foreach ((uint value, uint mask) in _v4)
            {
                if ((a & mask) == value)
                {
                    return true;
                }
            }
        }
        else if (source.Length == 16)
        {
            UInt128 a = BinaryPrimitives.ReadUInt128BigEndian(source);
            foreach ((UInt128 value, UInt128 mask) in _v6)
            {
                if ((a & mask) == value)
                {
                    return true;
                }
            }
        }

        return false;
    }
}
