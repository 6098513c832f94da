namespace Jormungandr.Protocol;

/// <summary>Why a protocol message was refused. Stable values, shown in logs and errors.</summary>
public enum ProtocolError
{
    /// <summary>Wrong length, type, reserved bits or field value.</summary>
    Malformed = 1,

    /// <summary>The version byte is not 0x02.</summary>
    UnsupportedVersion = 2,

    /// <summary>A message arrived in a state that does not expect it (for example a replayed one).</summary>
    UnexpectedMessage = 3,

    /// <summary>An AEAD tag or the KEM failed: tampered, replayed from another handshake, or wrong keys.</summary>
    DecryptionFailed = 4,

    /// <summary>The peer's public key is not acceptable to the local policy (unknown client, unpinned server).</summary>
    PeerNotTrusted = 5,

    /// <summary>The peer's ML-DSA signature over the transcript did not verify.</summary>
    BadSignature = 6,

    /// <summary>The handshake passed its deadline.</summary>
    Timeout = 7,

    /// <summary>A key-channel frame is empty or larger than the maximum.</summary>
    FrameTooLarge = 8,

    /// <summary>The peer started handshakes faster than its bound allows (rekeys on an authenticated channel).</summary>
    RateLimited = 9,
}

/// <summary>
/// The one exception type the protocol's parsers and handshake state machines throw for bad input.
/// Anything else escaping from <c>Jormungandr.Protocol</c> on untrusted bytes is a bug.
/// </summary>
public sealed class ProtocolException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="error">The machine-readable reason.</param>
    /// <param name="message">A human-readable explanation.</param>
    public ProtocolException(ProtocolError error, string message)
        : base(message)
    {
        Error = error;
    }

    /// <summary>Creates the exception with the error's name as message (for tests and serializers).</summary>
    public ProtocolException()
        : this(ProtocolError.Malformed, "Malformed protocol message.")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ProtocolException(string message)
        : this(ProtocolError.Malformed, message)
    {
    }

    /// <summary>Creates the exception wrapping another.</summary>
    public ProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
        Error = ProtocolError.Malformed;
    }

    /// <summary>The machine-readable reason.</summary>
    public ProtocolError Error { get; }
}
