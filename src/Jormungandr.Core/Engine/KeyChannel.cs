using System.Buffers.Binary;
using System.Net.Sockets;
using Jormungandr.Protocol;

namespace Jormungandr.Engine;

/// <summary>
/// Framing of the TCP key channel (docs/protocol.md section 3): a 2-byte big-endian length
/// 1..8192, then the message. The length is checked before the body is read, so an unauthenticated
/// peer can make us buffer at most 8 KiB; every read has the caller's deadline.
/// </summary>
internal static class KeyChannel
{
    /// <summary>Largest message.</summary>
    public const int MaxMessage = ProtocolConstants.MaxFrameSize;

    /// <summary>Reads one frame into <paramref name="buffer"/> (at least 8192 bytes); returns the message length, or 0 when the peer closed cleanly between frames.</summary>
    /// <exception cref="ProtocolException">Bad length or the connection ended inside a frame.</exception>
    public static async Task<int> ReadFrameAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        if (!await ReadExactlyAsync(stream, buffer.AsMemory(0, 2), allowCleanEof: true, cancellationToken).ConfigureAwait(false))
        {
            return 0;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(buffer);
        if (length is 0 or > MaxMessage)
        {
            throw new ProtocolException(ProtocolError.FrameTooLarge, $"Key-channel frame length {length} is outside 1..{MaxMessage}.");
        }

        await ReadExactlyAsync(stream, buffer.AsMemory(0, length), allowCleanEof: false, cancellationToken).ConfigureAwait(false);
        return length;
    }

    /// <summary>Writes one frame.</summary>
    public static async Task WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        if (message.Length is 0 or > MaxMessage)
        {
            throw new ArgumentOutOfRangeException(nameof(message), "Message length outside 1..8192.");
        }

        byte[] frame = new byte[message.Length + 2];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.Span.CopyTo(frame.AsSpan(2));
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<bool> ReadExactlyAsync(Stream stream, Memory<byte> destination, bool allowCleanEof, CancellationToken cancellationToken)
    {
        int read = 0;
        while (read < destination.Length)
        {
            int n;
            try
            {
                n = await stream.ReadAsync(destination[read..], cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e) when (e.InnerException is SocketException)
            {
                throw new ProtocolException(ProtocolError.Malformed, "Key channel connection lost: " + e.InnerException.Message);
            }

            if (n == 0)
            {
                if (read == 0 && allowCleanEof)
                {
                    return false;
                }

                throw new ProtocolException(ProtocolError.Malformed, "Key channel closed inside a frame.");
            }

            read += n;
        }

        return true;
    }
}
