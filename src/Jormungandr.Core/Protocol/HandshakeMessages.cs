using System.Buffers.Binary;

namespace Jormungandr.Protocol;

/// <summary>
/// Byte layouts of the four handshake messages (docs/protocol.md §5) and their cheap structural
/// checks. Every check failure throws <see cref="ProtocolException"/>; nothing here allocates.
/// </summary>
public static class HandshakeMessages
{
    /// <summary>Header: version, type, two reserved bytes.</summary>
    public const int HeaderSize = 4;

    /// <summary>Size of an ephemeral hybrid KEM public key.</summary>
    public const int KemPublicKeySize = 97 + 1568;

    /// <summary>Size of a hybrid KEM ciphertext.</summary>
    public const int KemCiphertextSize = 97 + 1568;

    /// <summary>Plaintext of a sealed identity: public key then signature.</summary>
    public const int IdentityPlaintextSize = ProtocolConstants.IdentityPublicKeySize + ProtocolConstants.SignatureSize;

    /// <summary>Sealed identity with its tag.</summary>
    public const int SealedIdentitySize = IdentityPlaintextSize + ProtocolConstants.TagSize;

    /// <summary>Initiation length.</summary>
    public const int InitiationSize = HeaderSize + 4 + KemPublicKeySize;

    /// <summary>Offset of the sealed identity in a Response (= length of its associated data).</summary>
    public const int ResponseSealedOffset = HeaderSize + 4 + 4 + KemCiphertextSize;

    /// <summary>Response length.</summary>
    public const int ResponseSize = ResponseSealedOffset + SealedIdentitySize;

    /// <summary>Offset of the sealed identity in an Authentication message.</summary>
    public const int AuthenticationSealedOffset = HeaderSize + 4;

    /// <summary>Authentication length.</summary>
    public const int AuthenticationSize = AuthenticationSealedOffset + SealedIdentitySize;

    /// <summary>Offset of the sealed payload in a Confirmation.</summary>
    public const int ConfirmationSealedOffset = HeaderSize + 4 + 2;

    /// <summary>Confirmation length without payload.</summary>
    public const int ConfirmationMinSize = ConfirmationSealedOffset + ProtocolConstants.TagSize;

    /// <summary>
    /// Reads the type of a handshake message after checking version and reserved bytes.
    /// </summary>
    /// <exception cref="ProtocolException">Too short, unknown version, reserved bits set, or not a handshake type.</exception>
    public static MessageType PeekType(ReadOnlySpan<byte> message)
    {
        if (message.Length < HeaderSize)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Handshake message shorter than its header.");
        }

        if (message[0] != ProtocolConstants.Version)
        {
            throw new ProtocolException(ProtocolError.UnsupportedVersion, $"Unsupported protocol version 0x{message[0]:x2}; this peer speaks version 0x02.");
        }

        if (message[2] != 0 || message[3] != 0)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Reserved header bytes are not zero.");
        }

        byte type = message[1];
        if (type < (byte)MessageType.Initiation || type > (byte)MessageType.Confirmation)
        {
            throw new ProtocolException(ProtocolError.Malformed, $"Unknown handshake message type 0x{type:x2}.");
        }

        return (MessageType)type;
    }

    /// <summary>Checks an Initiation and returns the initiator's index.</summary>
    /// <exception cref="ProtocolException">Wrong version, type, length or a zero index.</exception>
    public static uint ParseInitiation(ReadOnlySpan<byte> message)
    {
        Expect(message, MessageType.Initiation, InitiationSize);
        return ReadIndex(message, HeaderSize);
    }

    /// <summary>Checks a Response and returns the responder's index and the echoed initiator index.</summary>
    /// <exception cref="ProtocolException">Wrong version, type, length or a zero index.</exception>
    public static (uint ResponderIndex, uint InitiatorIndex) ParseResponse(ReadOnlySpan<byte> message)
    {
        Expect(message, MessageType.Response, ResponseSize);
        return (ReadIndex(message, HeaderSize), ReadIndex(message, HeaderSize + 4));
    }

    /// <summary>Checks an Authentication message and returns the echoed responder index.</summary>
    /// <exception cref="ProtocolException">Wrong version, type, length or a zero index.</exception>
    public static uint ParseAuthentication(ReadOnlySpan<byte> message)
    {
        Expect(message, MessageType.Authentication, AuthenticationSize);
        return ReadIndex(message, HeaderSize);
    }

    /// <summary>Checks a Confirmation and returns the echoed initiator index and the payload length.</summary>
    /// <exception cref="ProtocolException">Wrong version, type, length, payload length or a zero index.</exception>
    public static (uint InitiatorIndex, int PayloadLength) ParseConfirmation(ReadOnlySpan<byte> message)
    {
        if (message.Length < ConfirmationMinSize || message.Length > ConfirmationMinSize + ProtocolConstants.MaxConfirmationPayload)
        {
            throw new ProtocolException(ProtocolError.Malformed, $"Confirmation of {message.Length} bytes; expected {ConfirmationMinSize} to {ConfirmationMinSize + ProtocolConstants.MaxConfirmationPayload}.");
        }

        Expect(message, MessageType.Confirmation, message.Length);
        int payload = BinaryPrimitives.ReadUInt16BigEndian(message.Slice(HeaderSize + 4));
        if (payload != message.Length - ConfirmationMinSize)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Confirmation payload length does not match the message length.");
        }

        return (ReadIndex(message, HeaderSize), payload);
    }

    internal static void WriteHeader(Span<byte> destination, MessageType type)
    {
        destination[0] = ProtocolConstants.Version;
        destination[1] = (byte)type;
        destination[2] = 0;
        destination[3] = 0;
    }

    private static void Expect(ReadOnlySpan<byte> message, MessageType type, int length)
    {
        MessageType actual = PeekType(message);
        if (actual != type)
        {
            throw new ProtocolException(ProtocolError.UnexpectedMessage, $"Expected a {type} message, got {actual}.");
        }

        if (message.Length != length)
        {
            throw new ProtocolException(ProtocolError.Malformed, $"{type} message of {message.Length} bytes; expected {length}.");
        }
    }

    private static uint ReadIndex(ReadOnlySpan<byte> message, int offset)
    {
        uint index = BinaryPrimitives.ReadUInt32BigEndian(message.Slice(offset));
        if (index == 0)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Session index 0 is not allowed.");
        }

        return index;
    }
}
