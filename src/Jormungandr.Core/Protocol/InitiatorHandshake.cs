using System.Buffers.Binary;
using Jormungandr.Crypto;

namespace Jormungandr.Protocol;

/// <summary>
/// The client side of the v2 handshake (docs/protocol.md §8): <see cref="CreateInitiation"/> →
/// <see cref="ProcessResponse"/> (authenticates the server against the policy) →
/// <see cref="ProcessConfirmation"/> (returns the session keys). Any failure throws
/// <see cref="ProtocolException"/> and leaves the handshake <see cref="HandshakeState.Failed"/>.
/// </summary>
public sealed class InitiatorHandshake : Handshake
{
    private HybridKeyPair? _kem;
    private byte[]? _initiation;
    private uint _remoteIndex;

    /// <summary>Creates the client handshake.</summary>
    /// <param name="identity">Our ML-DSA-65 identity.</param>
    /// <param name="serverPolicy">Whether a server key is acceptable (pinned key, trusted directory).</param>
    /// <param name="options">Environment; null for defaults.</param>
    public InitiatorHandshake(LocalIdentity identity, IPeerKeyPolicy serverPolicy, HandshakeOptions? options = null)
        : base(identity, serverPolicy, options)
    {
    }

    /// <summary>Message 1: a fresh ephemeral hybrid KEM key and our index. Call once.</summary>
    /// <exception cref="ProtocolException">Called twice.</exception>
    public byte[] CreateInitiation()
    {
        if (State != HandshakeState.Start)
        {
            throw new ProtocolException(ProtocolError.UnexpectedMessage, "The Initiation was already created.");
        }

        _kem = HandshakeKem.Generate(Options.Random);
        byte[] message = new byte[HandshakeMessages.InitiationSize];
        HandshakeMessages.WriteHeader(message, MessageType.Initiation);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), LocalIndex);
        _kem.PublicKey.CopyTo(message.AsSpan(8));
        Transcript.Append(message);
        _initiation = message;
        State = HandshakeState.AwaitResponse;
        return message;
    }

    /// <summary>
    /// Message 2 in, message 3 out: decapsulates, opens and checks the server's identity (policy, then
    /// signature), and returns our sealed identity.
    /// </summary>
    /// <exception cref="ProtocolException">Malformed, tampered, untrusted server, bad signature, wrong state or deadline.</exception>
    public byte[] ProcessResponse(ReadOnlySpan<byte> response)
    {
        EnterOrFail(HandshakeState.AwaitResponse, MessageType.Response);
        try
        {
            (uint responderIndex, uint initiatorIndex) = HandshakeMessages.ParseResponse(response);
            if (initiatorIndex != LocalIndex)
            {
                throw new ProtocolException(ProtocolError.UnexpectedMessage, "The Response is for another handshake (index mismatch).");
            }

            _remoteIndex = responderIndex;
            Span<byte> shared = stackalloc byte[32];
            HandshakeKem.Decapsulate(_kem!, response.Slice(12, HandshakeMessages.KemCiphertextSize), shared);
            _kem!.Dispose();
            _kem = null;
            Transcript.Append(response.Slice(0, HandshakeMessages.ResponseSealedOffset));
            DeriveHandshakeKeys(shared);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(shared);

            OpenIdentity(ResponderHandshakeKey!, 0, response.Slice(HandshakeMessages.ResponseSealedOffset), response.Slice(0, HandshakeMessages.ResponseSealedOffset), ResponderSignatureContext, 1, "server");

            byte[] message = new byte[HandshakeMessages.AuthenticationSize];
            HandshakeMessages.WriteHeader(message, MessageType.Authentication);
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), _remoteIndex);
            byte[] plain = new byte[HandshakeMessages.IdentityPlaintextSize];
            Identity.PublicKey.CopyTo(plain, 0);
            Transcript.Append(message.AsSpan(0, HandshakeMessages.AuthenticationSealedOffset));
            Transcript.Append(Identity.PublicKey);
            SignInto(plain.AsSpan(ProtocolConstants.IdentityPublicKeySize), InitiatorSignatureContext, 2);
            AeadSeal(InitiatorHandshakeKey!, 0, plain, message.AsSpan(0, HandshakeMessages.AuthenticationSealedOffset), message.AsSpan(HandshakeMessages.AuthenticationSealedOffset));
            DeriveDataKeys();
            State = HandshakeState.AwaitConfirmation;
            return message;
        }
        catch (ProtocolException)
        {
            Fail();
            throw;
        }
    }

    /// <summary>
    /// Message 4 in: checks the server's confirmation and returns the session keys (with the
    /// server's application payload). The caller owns and disposes them.
    /// </summary>
    /// <exception cref="ProtocolException">Malformed, tampered, wrong state or deadline.</exception>
    public SessionKeys ProcessConfirmation(ReadOnlySpan<byte> confirmation)
    {
        EnterOrFail(HandshakeState.AwaitConfirmation, MessageType.Confirmation);
        try
        {
            (uint initiatorIndex, int payloadLength) = HandshakeMessages.ParseConfirmation(confirmation);
            if (initiatorIndex != LocalIndex)
            {
                throw new ProtocolException(ProtocolError.UnexpectedMessage, "The Confirmation is for another handshake (index mismatch).");
            }

            byte[] payload = new byte[payloadLength];
            if (!AeadOpen(ResponderHandshakeKey!, 1, confirmation.Slice(HandshakeMessages.ConfirmationSealedOffset), confirmation.Slice(0, HandshakeMessages.ConfirmationSealedOffset), payload))
            {
                throw new ProtocolException(ProtocolError.DecryptionFailed, "The Confirmation did not decrypt (tampered, replayed or wrong keys).");
            }

            var keys = new SessionKeys(LocalIndex, _remoteIndex, isInitiator: true, InitiatorToResponder!, ResponderToInitiator!, PeerPublicKey!, payload);
            State = HandshakeState.Established;
            return keys;
        }
        catch (ProtocolException)
        {
            Fail();
            throw;
        }
    }

    private protected override void DisposeCore()
    {
        _kem?.Dispose();
        _kem = null;
    }
}
