using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Engine;

/// <summary>
/// Cryptokey routing on the server: tunnel address → peer. A packet from the TUN goes to the peer
/// owning its destination; a packet from a peer is accepted only when its source is one of that
/// peer's own addresses. Reads are lock-free on an immutable snapshot (the hot path); changes copy
/// and swap it (rare: a peer comes or goes).
/// </summary>
/// <typeparam name="TPeer">The peer type.</typeparam>
internal sealed class RoutingTable<TPeer>
    where TPeer : class
{
    private readonly Lock _gate = new();
    private volatile Snapshot _current = new([], []);

    private sealed record Snapshot(Dictionary<uint, TPeer> V4, Dictionary<UInt128, TPeer> V6);

    /// <summary>Number of addresses routed.</summary>
    public int Count
    {
        get
        {
            Snapshot s = _current;
            return s.V4.Count + s.V6.Count;
        }
    }

    /// <summary>Routes the addresses of <paramref name="lease"/> to <paramref name="peer"/> (replacing any previous owner).</summary>
    public void Add(Lease lease, TPeer peer)
    {
        lock (_gate)
        {
            Snapshot old = _current;
            var v4 = new Dictionary<uint, TPeer>(old.V4) { [AddressPool.ToUInt32(lease.Address4)] = peer };
            var v6 = new Dictionary<UInt128, TPeer>(old.V6);
            if (lease.Address6 is not null)
            {
                v6[AddressPool.ToUInt128(lease.Address6)] = peer;
            }

            _current = new Snapshot(v4, v6);
        }
    }

    /// <summary>Removes every address routed to <paramref name="peer"/>.</summary>
    public void Remove(TPeer peer)
    {
        lock (_gate)
        {
            Snapshot old = _current;
            var v4 = new Dictionary<uint, TPeer>(old.V4.Count);
            foreach ((uint k, TPeer p) in old.V4)
            {
                if (!ReferenceEquals(p, peer))
                {
                    v4[k] = p;
                }
            }

            var v6 = new Dictionary<UInt128, TPeer>(old.V6.Count);
            foreach ((UInt128 k, TPeer p) in old.V6)
            {
                if (!ReferenceEquals(p, peer))
                {
                    v6[k] = p;
                }
            }

            _current = new Snapshot(v4, v6);
        }
    }

    /// <summary>The peer owning an address given as 4 or 16 raw bytes; null when none.</summary>
    public TPeer? Lookup(ReadOnlySpan<byte> address)
    {
        Snapshot s = _current;
        if (address.Length == 4)
        {
            return s.V4.GetValueOrDefault(BinaryPrimitives.ReadUInt32BigEndian(address));
        }

        if (address.Length == 16)
        {
            return s.V6.GetValueOrDefault(BinaryPrimitives.ReadUInt128BigEndian(address));
        }

        return null;
    }

    /// <summary>The peer owning an address; null when none.</summary>
    public TPeer? Lookup(IPAddress address)
    {
        Span<byte> b = stackalloc byte[16];
        address.TryWriteBytes(b, out int n);
        return address.AddressFamily is AddressFamily.InterNetwork or AddressFamily.InterNetworkV6 ? Lookup(b[..n]) : null;
    }

    /// <summary>True when <paramref name="source"/> (4 or 16 raw bytes) is routed to <paramref name="peer"/>: the anti-spoofing check.</summary>
    public bool IsOwnedBy(ReadOnlySpan<byte> source, TPeer peer) => ReferenceEquals(Lookup(source), peer);
}
