using System.Buffers.Binary;

namespace Jormungandr.Engine.Linux;

/// <summary>One piece of a coalesced item: <see cref="Length"/> bytes at <see cref="Offset"/> of the arena.</summary>
internal readonly record struct CoalescedPiece(int Offset, int Length);

/// <summary>
/// Sans-IO receive-side coalescing for a TUN with IFF_VNET_HDR, the mirror of
/// <see cref="TcpSegmenter"/>: the packets opened from one UDP receive batch are queued in an arena, and
/// consecutive in-order segments of one TCP flow are merged into one GSO super-packet (virtio_net_hdr with
/// TCPv4/TCPv6 GSO and a partial checksum), so the kernel runs its TCP receive path once per up to 64 KB
/// instead of once per segment, as GRO does on a NIC. Every other packet passes unmerged; the output keeps
/// each flow's order. Segments are only merged when their TCP checksum is valid, because the merged packet
/// goes in with CHECKSUM_PARTIAL and is not checked again. Not thread-safe: one per receive thread.
/// </summary>
internal sealed class TcpCoalescer
{
    /// <summary>The largest packet <see cref="Free"/> always has room for.</summary>
    public const int MaxPacket = 65535;
    private const int ArenaBytes = 256 * 1024;
    private const int MaxItems = 512;
    /// <summary>Most segments merged into one super-packet (well under UIO_MAXIOV).</summary>
    public const int MaxSegments = 64;
    private const byte TcpAck = 0x10;
    private const byte TcpPsh = 0x08;

    private readonly byte[] _arena = GC.AllocateArray<byte>(ArenaBytes + MaxPacket, pinned: true);
    private readonly Item[] _items = new Item[MaxItems];
    private readonly int[] _pieceOffset = new int[MaxItems * MaxSegments / 8];
    private readonly int[] _pieceLength = new int[MaxItems * MaxSegments / 8];
    private readonly int[] _pieceNext = new int[MaxItems * MaxSegments / 8];
    private int _used;
    private int _itemCount;
    private int _pieceCount;

    /// <summary>Whether segments are merged at all; off (every packet written alone) with JORMUNGANDR_TUN_GRO=0.</summary>
    internal static bool Enabled { get; set; } = Environment.GetEnvironmentVariable("JORMUNGANDR_TUN_GRO") != "0";

    private struct Item
    {
        public int Start;          // arena offset of the first packet (whose headers the super-packet keeps)
        public int Head;           // first piece
        public int Tail;           // last piece
        public int Segments;
        public int Total;          // IP length of the super-packet
        public int HeaderLength;   // IP + TCP headers
        public int IpHeaderLength;
        public int GsoSize;        // payload of the first segment; later ones must not be larger
        public uint NextSeq;
        public uint FlowHash;
        public bool Mergeable;
        public bool Barrier;       // nothing after it may be merged into anything before it
        public bool Tcp;           // a TCP packet of a known flow (FlowHash and addresses are meaningful)
        public bool Closed;        // a short or PSH segment ended it
        public bool Push;
        public bool V6;
    }

    /// <summary>The pinned arena; <see cref="CoalescedPiece"/> offsets point into it.</summary>
    public byte[] Arena => _arena;

    /// <summary>Space to open the next packet into (at least <see cref="MaxPacket"/> bytes while <see cref="HasRoom"/>).</summary>
    public Span<byte> Free => _arena.AsSpan(_used);

    /// <summary>False when the queue must be written out before another packet is opened.</summary>
    public bool HasRoom => _used <= ArenaBytes && _itemCount < MaxItems && _pieceCount < _pieceNext.Length;

    /// <summary>Packets (merged or not) waiting to be written.</summary>
    public int Count => _itemCount;

    /// <summary>
    /// Queues the <paramref name="length"/>-byte packet just written at the start of <see cref="Free"/>,
    /// merging it into the flow's latest super-packet when it continues it.
    /// </summary>
    public void Commit(int length)
    {
        if (length <= 0 || length > MaxPacket || !HasRoom)
        {
            return;
        }

        int start = _used;
        _used += length;
        Span<byte> packet = _arena.AsSpan(start, length);
        Item candidate = default;
        FlowKind kind = Enabled ? Classify(packet, ref candidate) : FlowKind.Other;
        if (kind == FlowKind.Other)
        {
            _items[_itemCount++] = new Item { Start = start, Head = AddPiece(start, length), Segments = 1, Total = length };
            return;
        }

        candidate.Start = start;
        candidate.Segments = 1;
        candidate.Total = length;
        candidate.Barrier = kind == FlowKind.Barrier;
        candidate.Tcp = kind == FlowKind.Tcp;
        if (kind == FlowKind.Tcp && Mergeable(packet, ref candidate, out int payload, out byte flags))
        {
            for (int i = _itemCount - 1; i >= 0; i--)
            {
                ref Item item = ref _items[i];
                if (item.Barrier)
                {
                    break;
                }

                if (!item.Tcp || item.FlowHash != candidate.FlowHash || !SameFlow(item, packet, candidate.V6))
                {
                    continue;
                }

                // Only the flow's latest packet may be grown, or a later packet would overtake an earlier one.
                if (item.Mergeable && CanAppend(item, packet, candidate, payload))
                {
                    Append(ref item, start, candidate, payload, flags);
                    return;
                }

                break;
            }

            candidate.GsoSize = payload;
            candidate.Push = (flags & TcpPsh) != 0;
            candidate.Closed = candidate.Push;
            candidate.Mergeable = true;
        }

        candidate.Head = candidate.Tail = AddPiece(start, length);
        _items[_itemCount++] = candidate;
    }

    /// <summary>
    /// Describes item <paramref name="index"/> for writing: fills <paramref name="header"/> (a virtio_net_hdr)
    /// and <paramref name="pieces"/> (at least 64 entries), finishes a merged item's IP and TCP headers,
    /// and returns the number of pieces to write after the header, in order.
    /// </summary>
    public int Describe(int index, Span<byte> header, Span<CoalescedPiece> pieces)
    {
        ref Item item = ref _items[index];
        header[..VirtioNetHeader.Size].Clear();
        int n = 0;
        for (int p = item.Head; n < item.Segments; p = _pieceNext[p])
        {
            pieces[n++] = new CoalescedPiece(_pieceOffset[p], _pieceLength[p]);
        }

        if (item.Segments == 1)
        {
            return n; // a plain packet: all-zero header, checksum already complete
        }

        Span<byte> ip = _arena.AsSpan(item.Start, item.HeaderLength);
        Span<byte> tcp = ip[item.IpHeaderLength..];
        ulong sum;
        if (item.V6)
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[4..], (ushort)(item.Total - 40));
            sum = Checksum.Add(ip.Slice(8, 32), 0);
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(ip[2..], (ushort)item.Total);
            ip[10] = 0;
            ip[11] = 0;
            BinaryPrimitives.WriteUInt16LittleEndian(ip[10..], (ushort)~Checksum.Fold(Checksum.Add(ip[..20], 0)));
            sum = Checksum.Add(ip.Slice(12, 8), 0);
        }

        if (item.Push)
        {
            tcp[13] |= TcpPsh;
        }

        // CHECKSUM_PARTIAL: the field holds the (uncomplemented) pseudo-header sum; the kernel trusts the rest.
        int tcpLength = item.Total - item.IpHeaderLength;
        sum += BinaryPrimitives.ReverseEndianness((ushort)6) + (ulong)BinaryPrimitives.ReverseEndianness((ushort)tcpLength);
        BinaryPrimitives.WriteUInt16LittleEndian(tcp[16..], Checksum.Fold(sum));

        header[0] = VirtioNetHeader.NeedsChecksum;
        header[1] = item.V6 ? VirtioNetHeader.GsoTcpV6 : VirtioNetHeader.GsoTcpV4;
        BinaryPrimitives.WriteUInt16LittleEndian(header[2..], (ushort)item.HeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], (ushort)item.GsoSize);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)item.IpHeaderLength);
        BinaryPrimitives.WriteUInt16LittleEndian(header[8..], 16);
        return n;
    }

    /// <summary>Forgets every queued packet (after they were written).</summary>
    public void Clear()
    {
        _used = 0;
        _itemCount = 0;
        _pieceCount = 0;
    }

    private int AddPiece(int offset, int length)
    {
        int p = _pieceCount++;
        _pieceOffset[p] = offset;
        _pieceLength[p] = length;
        _pieceNext[p] = -1;
        return p;
    }

    private void Append(ref Item item, int start, in Item candidate, int payload, byte flags)
    {
        int p = AddPiece(start + candidate.HeaderLength, payload);
        _pieceNext[item.Tail] = p;
        item.Tail = p;
        item.Segments++;
        item.Total += payload;
        item.NextSeq = candidate.NextSeq;
        bool push = (flags & TcpPsh) != 0;
        item.Push |= push;
        item.Closed = push || payload < item.GsoSize || item.Segments == MaxSegments;

        // The newest window advertisement wins, as it would have had the segments arrived one by one.
        Span<byte> tcp = _arena.AsSpan(item.Start + item.IpHeaderLength);
        _arena.AsSpan(start + candidate.IpHeaderLength + 14, 2).CopyTo(tcp[14..]);
    }

    private bool CanAppend(in Item item, ReadOnlySpan<byte> packet, in Item candidate, int payload)
    {
        if (item.Closed || item.V6 != candidate.V6 || item.HeaderLength != candidate.HeaderLength
            || item.IpHeaderLength != candidate.IpHeaderLength || payload > item.GsoSize
            || item.NextSeq != candidate.NextSeq - (uint)payload || item.Total + payload > MaxPacket)
        {
            return false;
        }

        ReadOnlySpan<byte> first = _arena.AsSpan(item.Start, item.HeaderLength);
        int l4 = item.IpHeaderLength;
        if (item.V6)
        {
            // Version, traffic class and flow label; hop limit.
            if (!first[..4].SequenceEqual(packet[..4]) || first[7] != packet[7])
            {
                return false;
            }
        }
        else if (first[1] != packet[1] || first[8] != packet[8])
        {
            return false; // TOS (DSCP/ECN) or TTL differ
        }

        // Same acknowledgment number and options (timestamps included), as Linux GRO requires.
        return first.Slice(l4 + 8, 4).SequenceEqual(packet.Slice(l4 + 8, 4))
            && first[(l4 + 20)..].SequenceEqual(packet.Slice(l4 + 20, item.HeaderLength - l4 - 20));
    }

    private bool SameFlow(in Item item, ReadOnlySpan<byte> packet, bool v6)
    {
        if (item.V6 != v6)
        {
            return false;
        }

        // Addresses, then both ports (IPv4 here has no options, so TCP starts at 20).
        ReadOnlySpan<byte> first = _arena.AsSpan(item.Start, item.Total);
        return v6
            ? first.Slice(8, 36).SequenceEqual(packet.Slice(8, 36))
            : first.Slice(12, 12).SequenceEqual(packet.Slice(12, 12));
    }

    private enum FlowKind
    {
        Other,    // not TCP: cannot be reordered against a TCP flow
        Tcp,      // a TCP packet whose flow is known
        Barrier,  // TCP we cannot place in a flow (IPv4 options or fragments, IPv6 extension headers): nothing passes it
    }

    private static FlowKind Classify(ReadOnlySpan<byte> packet, ref Item item)
    {
        int version = packet.Length >= 20 ? packet[0] >> 4 : 0;
        int l4;
        if (version == 4)
        {
            if (packet[9] != 6)
            {
                return FlowKind.Other;
            }

            if (packet[0] != 0x45 || (BinaryPrimitives.ReadUInt16BigEndian(packet[6..]) & 0x3FFF) != 0)
            {
                return FlowKind.Barrier;
            }

            l4 = 20;
        }
        else if (version == 6 && packet.Length >= 40)
        {
            if (packet[6] is 17 or 58)
            {
                return FlowKind.Other; // UDP, ICMPv6
            }

            if (packet[6] != 6)
            {
                return FlowKind.Barrier;
            }

            l4 = 40;
            item.V6 = true;
        }
        else
        {
            return FlowKind.Other;
        }

        if (packet.Length < l4 + 20)
        {
            return FlowKind.Other; // not a TCP segment at all; the kernel drops it
        }

        item.IpHeaderLength = l4;
        item.HeaderLength = l4 + 20;
        item.FlowHash = FlowHash(packet, item.V6, l4);
        return FlowKind.Tcp;
    }

    // A TCP segment that may be merged: consistent lengths, IPv4 with DF set (else its ID would matter),
    // only ACK (and PSH) set, some payload, and a valid checksum.
    private static bool Mergeable(ReadOnlySpan<byte> packet, ref Item item, out int payload, out byte flags)
    {
        int l4 = item.IpHeaderLength;
        payload = 0;
        flags = packet[l4 + 13];
        ulong sum;
        if (item.V6)
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(packet[4..]) != packet.Length - 40)
            {
                return false;
            }

            sum = Checksum.Add(packet.Slice(8, 32), 0);
        }
        else
        {
            if (BinaryPrimitives.ReadUInt16BigEndian(packet[2..]) != packet.Length || (packet[6] & 0xC0) != 0x40)
            {
                return false;
            }

            sum = Checksum.Add(packet.Slice(12, 8), 0);
        }

        int tcpHeader = (packet[l4 + 12] >> 4) * 4;
        payload = packet.Length - l4 - tcpHeader;
        if (tcpHeader < 20 || payload <= 0 || (flags & ~TcpPsh) != TcpAck || packet[l4 + 12] % 16 != 0)
        {
            return false; // SYN, FIN, RST, URG, ECE, CWR (and NS) end GRO too; pure ACKs carry nothing to merge
        }

        if (packet[l4 + 18] != 0 || packet[l4 + 19] != 0)
        {
            return false; // an urgent pointer without URG: segmentation would copy the first one onto every segment
        }

        int tcpLength = packet.Length - l4;
        sum += BinaryPrimitives.ReverseEndianness((ushort)6) + (ulong)BinaryPrimitives.ReverseEndianness((ushort)tcpLength);
        if (Checksum.Fold(Checksum.Add(packet[l4..], sum)) != 0xFFFF)
        {
            return false; // let the kernel see (and drop) it as it is
        }

        item.HeaderLength = l4 + tcpHeader;
        item.NextSeq = BinaryPrimitives.ReadUInt32BigEndian(packet[(l4 + 4)..]) + (uint)payload;
        return true;
    }

    private static uint FlowHash(ReadOnlySpan<byte> packet, bool v6, int l4)
    {
        // Addresses and ports, folded; equal hashes are then compared in full by SameFlow.
        ReadOnlySpan<byte> addresses = v6 ? packet.Slice(8, 32) : packet.Slice(12, 8);
        uint h = BinaryPrimitives.ReadUInt32LittleEndian(packet[l4..]); // both ports
        for (int i = 0; i < addresses.Length; i += 4)
        {
            h = (h ^ BinaryPrimitives.ReadUInt32LittleEndian(addresses[i..])) * 0x9E3779B1;
        }

        return h;
    }
}
