using System.Collections.Concurrent;
using Jormungandr.Crypto;

namespace Jormungandr.Protocol;

/// <summary>
/// Receiver index → session, for a multi-peer engine: look up the session of an incoming datagram
/// with <c>TryGetSession</c> (no allocation). Indices are random, non-zero and unique; a
/// handshake reserves one with <see cref="AllocateIndex"/> and the session binds it when installed.
/// Thread-safe.
/// </summary>
public sealed class SessionTable
{
    private static readonly Session Reserved = null!;
    private readonly ConcurrentDictionary<uint, Session?> _map = new();

    /// <summary>Number of indices reserved or bound.</summary>
    public int Count => _map.Count;

    /// <summary>Reserves a fresh random index (a handshake's local index).</summary>
    public uint AllocateIndex(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        Span<byte> b = stackalloc byte[4];
        for (int attempt = 0; attempt < 1000; attempt++)
        {
            random.Fill(b);
            uint index = BitConverter.ToUInt32(b);
            if (index != 0 && _map.TryAdd(index, Reserved))
            {
                return index;
            }
        }

        throw new InvalidOperationException("Could not allocate a free session index.");
    }

    /// <summary>Finds the session owning <paramref name="receiverIndex"/>.</summary>
    public bool TryGetSession(uint receiverIndex, out Session session)
    {
        if (_map.TryGetValue(receiverIndex, out Session? s) && s is not null)
        {
            session = s;
            return true;
        }

        session = null!;
        return false;
    }

    /// <summary>Finds the session a data datagram is addressed to (header only; nothing is authenticated yet).</summary>
    public bool TryGetSession(ReadOnlySpan<byte> datagram, out Session session)
    {
        if (DataPacket.TryReadHeader(datagram, out uint index, out _))
        {
            return TryGetSession(index, out session);
        }

        session = null!;
        return false;
    }

    /// <summary>Frees a reserved index whose handshake failed.</summary>
    public void ReleaseReservation(uint index)
    {
        _map.TryRemove(new KeyValuePair<uint, Session?>(index, Reserved));
    }

    internal void Bind(uint index, Session session) => _map[index] = session;

    internal void Release(uint index, Session session) => _map.TryRemove(new KeyValuePair<uint, Session?>(index, session));
}
