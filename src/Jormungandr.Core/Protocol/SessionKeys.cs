using System.Security.Cryptography;

namespace Jormungandr.Protocol;

/// <summary>
/// What a completed handshake hands to a <see cref="Session"/>: indices, per-direction keys and the
/// authenticated peer. Owns copies of the keys and zeroes them on <see cref="Dispose"/>.
/// </summary>
public sealed class SessionKeys : IDisposable
{
    private readonly byte[] _sendKey;
    private readonly byte[] _receiveKey;

    /// <summary>Creates keys (the handshakes do this; tests may too).</summary>
    /// <param name="localIndex">Index the peer puts in packets to us.</param>
    /// <param name="remoteIndex">Index we put in packets to the peer.</param>
    /// <param name="isInitiator">True on the client side.</param>
    /// <param name="sendKey">32-byte key for packets we send (copied).</param>
    /// <param name="receiveKey">32-byte key for packets we receive (copied).</param>
    /// <param name="peerPublicKey">The peer's authenticated ML-DSA-65 public key (copied).</param>
    /// <param name="applicationPayload">Payload carried by the Confirmation (initiator side), else empty.</param>
    public SessionKeys(uint localIndex, uint remoteIndex, bool isInitiator, ReadOnlySpan<byte> sendKey, ReadOnlySpan<byte> receiveKey, ReadOnlySpan<byte> peerPublicKey, ReadOnlySpan<byte> applicationPayload = default)
    {
        if (sendKey.Length != ProtocolConstants.KeySize || receiveKey.Length != ProtocolConstants.KeySize)
        {
            throw new ArgumentException("Keys must be 32 bytes.");
        }

        LocalIndex = localIndex;
        RemoteIndex = remoteIndex;
        IsInitiator = isInitiator;
        _sendKey = sendKey.ToArray();
        _receiveKey = receiveKey.ToArray();
        PeerPublicKey = peerPublicKey.ToArray();
        ApplicationPayload = applicationPayload.ToArray();
    }

    /// <summary>Index the peer puts in packets to us.</summary>
    public uint LocalIndex { get; }

    /// <summary>Index we put in packets to the peer.</summary>
    public uint RemoteIndex { get; }

    /// <summary>True on the initiator (client) side.</summary>
    public bool IsInitiator { get; }

    /// <summary>The peer's authenticated ML-DSA-65 public key.</summary>
    public byte[] PeerPublicKey { get; }

    /// <summary>Application payload of the Confirmation (the server's tunnel configuration); empty on the responder.</summary>
    public byte[] ApplicationPayload { get; }

    /// <summary>Key for packets we send.</summary>
    public ReadOnlySpan<byte> SendKey => _sendKey;

    /// <summary>Key for packets we receive.</summary>
    public ReadOnlySpan<byte> ReceiveKey => _receiveKey;

    /// <summary>Zeroes the keys.</summary>
    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_sendKey);
        CryptographicOperations.ZeroMemory(_receiveKey);
    }
}
