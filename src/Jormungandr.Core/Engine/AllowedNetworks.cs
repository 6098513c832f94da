using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Engine;

/// <summary>
/// Cryptokey routing: every peer owns a set of networks (its tunnel addresses, the networks behind it,
/// <c>0.0.0.0/0</c> for a client's only peer in full tunnel). An outbound packet goes to the peer owning
/// the longest prefix that contains its destination; an inbound packet is accepted only when the longest
/// prefix containing its source belongs to the peer that sent it. A network belongs to one peer: giving it
/// to another takes it from the first. Reads are lock-free and allocation-free on an immutable snapshot
/// (the hot path) and cost one hash lookup per distinct prefix length in use; changes copy and swap it.
/// </summary>
/// <typeparam name="TPeer">The peer type.</typeparam>
internal sealed class AllowedNetworks<TPeer>
    where TPeer : class
{
    private readonly Lock _gate = new();
    private volatile Snapshot _current = Snapshot.Empty;

    private sealed class Snapshot
    {
        public static readonly Snapshot Empty = new([], [], new Dictionary<TPeer, IPNetwork[]>(ReferenceEqualityComparer.Instance));

        public Snapshot(Dictionary<ulong, TPeer> v4, Dictionary<(UInt128, int), TPeer> v6, Dictionary<TPeer, IPNetwork[]> byPeer)
        {
            V4 = v4;
            V6 = v6;
            ByPeer = byPeer;
            V4Lengths = Lengths(v4.Keys.Select(k => (int)(k & 0xFF)));
            V6Lengths = Lengths(v6.Keys.Select(k => k.Item2));
        }

        public Dictionary<ulong, TPeer> V4 { get; }

        public Dictionary<(UInt128, int), TPeer> V6 { get; }

        public Dictionary<TPeer, IPNetwork[]> ByPeer { get; }

        public int[] V4Lengths { get; }

        public int[] V6Lengths { get; }

        private static int[] Lengths(IEnumerable<int> lengths) => [.. lengths.Distinct().OrderDescending()];
    }

    /// <summary>Number of networks routed.</summary>
    public int Count
    {
        get
        {
            Snapshot s = _current;
            return s.V4.Count + s.V6.Count;
        }
    }

    /// <summary>Gives <paramref name="peer"/> exactly <paramref name="networks"/> (replacing what it had; taking them from other peers).</summary>
    public void Set(TPeer peer, IEnumerable<IPNetwork> networks)
    {
        IPNetwork[] wanted = [.. networks.Select(Normalize).Distinct()];
        lock (_gate)
        {
            Snapshot old = _current;
            var v4 = new Dictionary<ulong, TPeer>(old.V4.Count + wanted.Length);
            var v6 = new Dictionary<(UInt128, int), TPeer>(old.V6.Count);
            foreach ((ulong k, TPeer p) in old.V4)
            {
                if (!ReferenceEquals(p, peer))
                {
                    v4[k] = p;
                }
            }

            foreach (((UInt128, int) k, TPeer p) in old.V6)
            {
                if (!ReferenceEquals(p, peer))
                {
                    v6[k] = p;
                }
            }

            foreach (IPNetwork n in wanted)
            {
                if (n.BaseAddress.AddressFamily == AddressFamily.InterNetwork)
                {
                    v4[Key4(n)] = peer;
                }
                else
                {
                    v6[Key6(n)] = peer;
                }
            }

            _current = new Snapshot(v4, v6, Owners(v4, v6));
        }
    }

    /// <summary>Removes every network of <paramref name="peer"/>.</summary>
    public void Remove(TPeer peer) => Set(peer, []);

    /// <summary>The networks <paramref name="peer"/> owns now (empty when none).</summary>
    public IReadOnlyList<IPNetwork> NetworksOf(TPeer peer) =>
        _current.ByPeer.TryGetValue(peer, out IPNetwork[]? n) ? n : [];

    /// <summary>The peer owning the longest prefix containing an address given as 4 or 16 raw bytes; null when none.</summary>
    public TPeer? Lookup(ReadOnlySpan<byte> address)
    {
        Snapshot s = _current;
        if (address.Length == 4)
        {
            uint a = BinaryPrimitives.ReadUInt32BigEndian(address);
            foreach (int length in s.V4Lengths)
            {
                uint mask = length == 0 ? 0 : uint.MaxValue << (32 - length);
                if (s.V4.TryGetValue(((ulong)(a & mask) << 8) | (uint)length, out TPeer? p))
                {
                    return p;
                }
            }
        }
        else if (address.Length == 16)
        {
            UInt128 a = BinaryPrimitives.ReadUInt128BigEndian(address);
            foreach (int length in s.V6Lengths)
            {
                UInt128 mask = length == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - length);
                if (s.V6.TryGetValue((a & mask, length), out TPeer? p))
                {
                    return p;
                }
            }
        }

        return null;
    }

    /// <summary>The peer owning the longest prefix containing <paramref name="address"/>; null when none.</summary>
    public TPeer? Lookup(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 ? Lookup(b[..n]) : null;
    }

    /// <summary>True when <paramref name="source"/> (4 or 16 raw bytes) routes to <paramref name="peer"/>: the anti-spoofing check.</summary>
    public bool IsOwnedBy(ReadOnlySpan<byte> source, TPeer peer) => ReferenceEquals(Lookup(source), peer);

    /// <summary>A single address as a host network (/32 or /128).</summary>
    public static IPNetwork Host(IPAddress address) =>
        new(address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128);

    private static IPNetwork Normalize(IPNetwork n)
    {
        IPAddress a = n.BaseAddress.IsIPv4MappedToIPv6 ? n.BaseAddress.MapToIPv4() : n.BaseAddress;
        if (a.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException($"{n} is not an IPv4 or IPv6 network.", nameof(n));
        }

        Span<byte> b = stackalloc byte[16];
        a.TryWriteBytes(b, out int size);
        int bits = n.PrefixLength;
        for (int i = 0; i < size; i++)
        {
            int keep = Math.Clamp(bits - (i * 8), 0, 8);
            b[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPNetwork(new IPAddress(b[..size]), bits);
    }

    private static ulong Key4(IPNetwork n)
    {
        Span<byte> b = stackalloc byte[4];
        n.BaseAddress.TryWriteBytes(b, out _);
        return ((ulong)BinaryPrimitives.ReadUInt32BigEndian(b) << 8) | (uint)n.PrefixLength;
    }

    private static (UInt128, int) Key6(IPNetwork n)
    {
        Span<byte> b = stackalloc byte[16];
        n.BaseAddress.TryWriteBytes(b, out _);
        return (BinaryPrimitives.ReadUInt128BigEndian(b), n.PrefixLength);
    }

    private static Dictionary<TPeer, IPNetwork[]> Owners(Dictionary<ulong, TPeer> v4, Dictionary<(UInt128, int), TPeer> v6)
    {
        var lists = new Dictionary<TPeer, List<IPNetwork>>(ReferenceEqualityComparer.Instance);
        Span<byte> b = stackalloc byte[16];
        foreach ((ulong k, TPeer p) in v4)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b, (uint)(k >> 8));
            Add(p, new IPNetwork(new IPAddress(b[..4]), (int)(k & 0xFF)));
        }

        foreach (((UInt128 value, int length), TPeer p) in v6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(b, value);
            Add(p, new IPNetwork(new IPAddress(b), length));
        }

        var result = new Dictionary<TPeer, IPNetwork[]>(ReferenceEqualityComparer.Instance);
        foreach ((TPeer p, List<IPNetwork> l) in lists)
        {
            result[p] = [.. l.OrderBy(n => n.BaseAddress.AddressFamily).ThenBy(n => n.ToString(), StringComparer.Ordinal)];
        }

        return result;

        void Add(TPeer p, IPNetwork n)
        {
            if (!lists.TryGetValue(p, out List<IPNetwork>? l))
            {
                l = [];
                lists[p] = l;
            }

            l.Add(n);
        }
    }
}
