using System.Buffers;
using System.Security.Cryptography;

namespace Jormungandr.Protocol;

/// <summary>Outcome of adding one authenticated fragment.</summary>
internal enum ReassemblyStatus
{
    Stored,
    Completed,
    Rejected,
}

/// <summary>
/// Bounded reassembly of fragmented packets for one session: at most <see cref="MaxSlots"/> packets
/// (so at most 4 × 64 KiB buffered), each freed after the fragment timeout. Only authenticated,
/// non-replayed fragments reach it. Buffers come from the shared pool and go back on completion,
/// eviction or expiry, zeroed first (they held decrypted inner packets, and the shared pool hands
/// them to any other code in the process); bookkeeping is preallocated.
/// </summary>
internal sealed class Reassembler : IDisposable
{
    public const int MaxSlots = 4;
    public const int MinTotalLength = IpPacket.IPv4HeaderSize;
    private const int Unit = 8;
    private const int UnitsPerPacket = (ProtocolConstants.MaxPacketSize + Unit - 1) / Unit;

    private readonly Slot[] _slots = new Slot[MaxSlots];
    private readonly TimeSpan _timeout;

    public Reassembler(TimeSpan timeout, ArrayPool<byte>? pool = null)
    {
        _timeout = timeout;
        for (int i = 0; i < MaxSlots; i++)
        {
            _slots[i] = new Slot(pool ?? ArrayPool<byte>.Shared);
        }
    }

    /// <summary>Packets currently in reassembly.</summary>
    public int InFlight
    {
        get
        {
            int n = 0;
            foreach (Slot s in _slots)
            {
                n += s.Buffer is null ? 0 : 1;
            }

            return n;
        }
    }

    /// <summary>Bytes of pooled buffers currently held.</summary>
    public int BufferedBytes
    {
        get
        {
            int n = 0;
            foreach (Slot s in _slots)
            {
                n += s.Buffer?.Length ?? 0;
            }

            return n;
        }
    }

    /// <summary>Adds a fragment; on completion the packet is copied to <paramref name="output"/> and its length returned.</summary>
    /// <returns>Status; <paramref name="length"/> is the packet length when completed.</returns>
    public ReassemblyStatus Add(uint id, int offset, int total, ReadOnlySpan<byte> data, TimeSpan now, Span<byte> output, out int length, out int discarded)
    {
        length = 0;
        discarded = Expire(now);
        bool last = offset + data.Length == total;
        if (total < MinTotalLength || total > ProtocolConstants.MaxPacketSize
            || data.IsEmpty || offset % Unit != 0 || offset + data.Length > total
            || (!last && data.Length % Unit != 0))
        {
            return ReassemblyStatus.Rejected;
        }

        Slot? slot = Find(id);
        if (slot is null)
        {
            slot = FreeOrOldest(ref discarded);
            slot.Open(id, total, now);
        }
        else if (slot.Total != total)
        {
            return ReassemblyStatus.Rejected;
        }

        int firstUnit = offset / Unit;
        int endUnit = (offset + data.Length + Unit - 1) / Unit;
        for (int u = firstUnit; u < endUnit; u++)
        {
            if ((slot.Units[u >> 6] & (1UL << (u & 63))) != 0)
            {
                return ReassemblyStatus.Rejected; // overlap or duplicate
            }
        }

        for (int u = firstUnit; u < endUnit; u++)
        {
            slot.Units[u >> 6] |= 1UL << (u & 63);
        }

        data.CopyTo(slot.Buffer!.AsSpan(offset));
        slot.Received += data.Length;
        if (slot.Received < slot.Total)
        {
            return ReassemblyStatus.Stored;
        }

        if (output.Length < slot.Total)
        {
            slot.Release();
            return ReassemblyStatus.Rejected;
        }

        slot.Buffer!.AsSpan(0, slot.Total).CopyTo(output);
        length = slot.Total;
        slot.Release();
        return ReassemblyStatus.Completed;
    }

    /// <summary>Frees packets older than the timeout; returns how many.</summary>
    public int Expire(TimeSpan now)
    {
        int n = 0;
        foreach (Slot s in _slots)
        {
            if (s.Buffer is not null && now - s.Started >= _timeout)
            {
                s.Release();
                n++;
            }
        }

        return n;
    }

    public void Dispose()
    {
        foreach (Slot s in _slots)
        {
            s.Release();
        }
    }

    private Slot? Find(uint id)
    {
        foreach (Slot s in _slots)
        {
            if (s.Buffer is not null && s.Id == id)
            {
                return s;
            }
        }

        return null;
    }

    private Slot FreeOrOldest(ref int discarded)
    {
        Slot oldest = _slots[0];
        foreach (Slot s in _slots)
        {
            if (s.Buffer is null)
            {
                return s;
            }

            if (s.Started < oldest.Started)
            {
                oldest = s;
            }
        }

        oldest.Release();
        discarded++;
        return oldest;
    }

    private sealed class Slot(ArrayPool<byte> pool)
    {
        public readonly ulong[] Units = new ulong[(UnitsPerPacket + 63) / 64];
        public byte[]? Buffer;
        public uint Id;
        public int Total;
        public int Received;
        public TimeSpan Started;

        public void Open(uint id, int total, TimeSpan now)
        {
            Buffer = pool.Rent(total);
            Id = id;
            Total = total;
            Received = 0;
            Started = now;
            Array.Clear(Units);
        }

        public void Release()
        {
            if (Buffer is not null)
            {
                CryptographicOperations.ZeroMemory(Buffer.AsSpan(0, Total));
                pool.Return(Buffer);
                Buffer = null;
            }
        }
    }
}
