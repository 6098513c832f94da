using System.Buffers.Binary;

namespace Jormungandr.Protocol;

/// <summary>
/// Framing of handshake messages on the TCP key channel: a 2-byte big-endian length (1..8192)
/// then the message (docs/protocol.md §3). The length is checked before the body is read.
/// </summary>
public static class KeyChannelFraming
{
    /// <summary>Validates a frame header and returns the body length.</summary>
    /// <exception cref="ProtocolException">Zero, or larger than <see cref="ProtocolConstants.MaxFrameSize"/>.</exception>
    public static int ReadLength(ReadOnlySpan<byte> header)
    {
        if (header.Length < ProtocolConstants.FrameHeaderSize)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Frame header is two bytes.");
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(header);
        if (length == 0 || length > ProtocolConstants.MaxFrameSize)
        {
            throw new ProtocolException(ProtocolError.FrameTooLarge, $"Key-channel frame of {length} bytes; allowed 1 to {ProtocolConstants.MaxFrameSize}.");
        }

        return length;
    }

    /// <summary>Returns the framed message (header and body).</summary>
    /// <exception cref="ArgumentException">The message is empty or too large.</exception>
    public static byte[] Frame(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty || message.Length > ProtocolConstants.MaxFrameSize)
        {
            throw new ArgumentException("A handshake message is 1 to 8192 bytes.", nameof(message));
        }

        byte[] frame = new byte[ProtocolConstants.FrameHeaderSize + message.Length];
        BinaryPrimitives.WriteUInt16BigEndian(frame, (ushort)message.Length);
        message.CopyTo(frame.AsSpan(ProtocolConstants.FrameHeaderSize));
        return frame;
    }

    /// <summary>Writes one framed message to a stream.</summary>
    public static async ValueTask WriteFrameAsync(Stream stream, ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] frame = Frame(message.Span);
        await stream.WriteAsync(frame, cancellationToken).ConfigureAwait(false);
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads one framed message; null when the stream ended cleanly before a frame started.</summary>
    /// <exception cref="ProtocolException">Bad length.</exception>
    /// <exception cref="EndOfStreamException">The stream ended inside a frame.</exception>
    public static async ValueTask<byte[]?> ReadFrameAsync(Stream stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] header = new byte[ProtocolConstants.FrameHeaderSize];
        int got = await stream.ReadAtLeastAsync(header, header.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (got == 0)
        {
            return null;
        }

        if (got < header.Length)
        {
            throw new EndOfStreamException("The key channel closed inside a frame header.");
        }

        byte[] body = new byte[ReadLength(header)];
        await stream.ReadExactlyAsync(body, cancellationToken).ConfigureAwait(false);
        return body;
    }
}
