namespace Jormungandr.Protocol;

/// <summary>Wire constants of protocol v2 (docs/protocol.md).</summary>
public static class ProtocolConstants
{
    /// <summary>The version byte that starts every v2 message.</summary>
    public const byte Version = 0x02;

    /// <summary>Largest key-channel frame body.</summary>
    public const int MaxFrameSize = 8192;

    /// <summary>Size of the key-channel frame length prefix.</summary>
    public const int FrameHeaderSize = 2;

    /// <summary>ML-DSA-65 public key size.</summary>
    public const int IdentityPublicKeySize = 1952;

    /// <summary>ML-DSA-65 signature size.</summary>
    public const int SignatureSize = 3309;

    /// <summary>ChaCha20-Poly1305 tag size.</summary>
    public const int TagSize = 16;

    /// <summary>ChaCha20-Poly1305 key size.</summary>
    public const int KeySize = 32;

    /// <summary>ChaCha20-Poly1305 nonce size.</summary>
    public const int NonceSize = 12;

    /// <summary>Largest application payload in a Confirmation message.</summary>
    public const int MaxConfirmationPayload = 1024;

    /// <summary>Largest inner IP packet (IPv4 total length / IPv6 with payload length limit).</summary>
    public const int MaxPacketSize = 65535;

    /// <summary>Context string of the responder's ML-DSA signature.</summary>
    public const string ResponderSignatureContext = "jormungandr-v2 responder signature";

    /// <summary>Context string of the initiator's ML-DSA signature.</summary>
    public const string InitiatorSignatureContext = "jormungandr-v2 initiator signature";

    /// <summary>First bytes fed into the transcript hash.</summary>
    public const string TranscriptPrologue = "jormungandr-v2 transcript";

    /// <summary>Prefix of every HKDF-Expand info string.</summary>
    public const string LabelPrefix = "jormungandr-v2 ";
}

/// <summary>Message types (byte 1 of every message).</summary>
public enum MessageType : byte
{
    /// <summary>Initiator's first handshake message.</summary>
    Initiation = 0x01,

    /// <summary>Responder's reply with KEM ciphertext and sealed identity.</summary>
    Response = 0x02,

    /// <summary>Initiator's sealed identity.</summary>
    Authentication = 0x03,

    /// <summary>Responder's confirmation with the application payload.</summary>
    Confirmation = 0x04,

    /// <summary>UDP data datagram.</summary>
    Data = 0x05,
}
