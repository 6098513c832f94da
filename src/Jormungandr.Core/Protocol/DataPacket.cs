using System.Buffers.Binary;

namespace Jormungandr.Protocol;

/// <summary>
/// Layout of a UDP data datagram: header <c>version(1) type(1) reserved(2) receiver_index(4) counter(8)</c>,
/// all of it AEAD associated data, then the sealed plaintext and the tag (docs/protocol.md §7).
/// </summary>
public static class DataPacket
{
    /// <summary>Header size.</summary>
    public const int HeaderSize = 16;

    /// <summary>Inner (encrypted) header size: kind, reserved, length.</summary>
    public const int InnerHeaderSize = 4;

    /// <summary>Extra inner header of a fragment: id, offset, total length.</summary>
    public const int FragmentHeaderSize = 8;

    /// <summary>Bytes a whole packet adds on the wire: header, inner header and tag.</summary>
    public const int Overhead = HeaderSize + InnerHeaderSize + ProtocolConstants.TagSize;

    /// <summary>Smallest valid datagram (a keepalive without padding).</summary>
    public const int MinSize = Overhead;

    /// <summary>Inner kind: keepalive (no payload).</summary>
    internal const byte KindKeepalive = 0;

    /// <summary>Inner kind: a whole IP packet.</summary>
    internal const byte KindPacket = 1;

    /// <summary>Inner kind: a fragment of an IP packet.</summary>
    internal const byte KindFragment = 2;

    /// <summary>Inner kind: a control message (one datagram, never fragmented; its meaning is the engine's).</summary>
    internal const byte KindControl = 3;

    /// <summary>Largest control message payload.</summary>
    public const int MaxControlSize = 1025;

    /// <summary>
    /// Reads the header fields the engine needs to route a datagram to its session. False for
    /// anything that is not a v2 data datagram of plausible size (no exception, no allocation).
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> datagram, out uint receiverIndex, out ulong counter)
    {
        if (datagram.Length < MinSize
            || datagram[0] != ProtocolConstants.Version
            || datagram[1] != (byte)MessageType.Data
            || datagram[2] != 0
            || datagram[3] != 0)
        {
            receiverIndex = 0;
            counter = 0;
            return false;
        }

        receiverIndex = BinaryPrimitives.ReadUInt32BigEndian(datagram.Slice(4));
        counter = BinaryPrimitives.ReadUInt64BigEndian(datagram.Slice(8));
        return true;
    }

    /// <summary>Writes a data header.</summary>
    internal static void WriteHeader(Span<byte> destination, uint receiverIndex, ulong counter)
    {
        destination[0] = ProtocolConstants.Version;
        destination[1] = (byte)MessageType.Data;
        destination[2] = 0;
        destination[3] = 0;
        BinaryPrimitives.WriteUInt32BigEndian(destination.Slice(4), receiverIndex);
        BinaryPrimitives.WriteUInt64BigEndian(destination.Slice(8), counter);
    }

    /// <summary>The 12-byte nonce for a counter: four zero bytes then the big-endian counter.</summary>
    internal static void WriteNonce(Span<byte> nonce, ulong counter)
    {
        BinaryPrimitives.WriteUInt32BigEndian(nonce, 0);
        BinaryPrimitives.WriteUInt64BigEndian(nonce.Slice(4), counter);
    }
}
