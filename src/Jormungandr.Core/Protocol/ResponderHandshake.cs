using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Jormungandr.Protocol;

/// <summary>
/// The server side of the v2 handshake (docs/protocol.md §8): <see cref="ProcessInitiation"/> →
/// <see cref="ProcessAuthentication"/> (authenticates the client: policy, then signature) →
/// <see cref="CreateConfirmation"/> (with the engine's payload, e.g. the assigned address; yields
/// the session keys). Any failure throws <see cref="ProtocolException"/> and leaves the handshake
/// <see cref="HandshakeState.Failed"/>. Admit it through a <see cref="HandshakeLimiter"/> first.
/// </summary>
public sealed class ResponderHandshake : Handshake
{
    private uint _remoteIndex;

    /// <summary>Creates the server handshake.</summary>
    /// <param name="identity">Our ML-DSA-65 identity.</param>
    /// <param name="clientPolicy">Whether a client key is authorized.</param>
    /// <param name="options">Environment; null for defaults.</param>
    public ResponderHandshake(LocalIdentity identity, IPeerKeyPolicy clientPolicy, HandshakeOptions? options = null)
        : base(identity, clientPolicy, options)
    {
    }

    /// <summary>Message 1 in, message 2 out: encapsulates to the client's ephemeral key and returns our sealed, signed identity.</summary>
    /// <exception cref="ProtocolException">Malformed message, bad KEM key, wrong state or deadline.</exception>
    public byte[] ProcessInitiation(ReadOnlySpan<byte> initiation)
    {
        EnterOrFail(HandshakeState.Start, MessageType.Initiation);
        try
        {
            _remoteIndex = HandshakeMessages.ParseInitiation(initiation);
            byte[] message = new byte[HandshakeMessages.ResponseSize];
            HandshakeMessages.WriteHeader(message, MessageType.Response);
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), LocalIndex);
            BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(8), _remoteIndex);
            Span<byte> shared = stackalloc byte[32];
            HandshakeKem.Encapsulate(initiation.Slice(8, HandshakeMessages.KemPublicKeySize), message.AsSpan(12, HandshakeMessages.KemCiphertextSize), shared, Options.Random);

            Transcript.Append(initiation);
            Transcript.Append(message.AsSpan(0, HandshakeMessages.ResponseSealedOffset));
            DeriveHandshakeKeys(shared);
            CryptographicOperations.ZeroMemory(shared);

            byte[] plain = new byte[HandshakeMessages.IdentityPlaintextSize];
            Identity.PublicKey.CopyTo(plain, 0);
            Transcript.Append(Identity.PublicKey);
            SignInto(plain.AsSpan(ProtocolConstants.IdentityPublicKeySize), ResponderSignatureContext, 1);
            AeadSeal(ResponderHandshakeKey!, 0, plain, message.AsSpan(0, HandshakeMessages.ResponseSealedOffset), message.AsSpan(HandshakeMessages.ResponseSealedOffset));
            State = HandshakeState.AwaitAuthentication;
            return message;
        }
        catch (ProtocolException)
        {
            Fail();
            throw;
        }
    }

    /// <summary>
    /// Message 3 in: opens the client's identity, checks it against the policy (before any
    /// signature work) and verifies its signature. Returns the client's public key; the engine
    /// then decides the payload and calls <see cref="CreateConfirmation"/>.
    /// </summary>
    /// <exception cref="ProtocolException">Malformed, tampered, unknown client, bad signature, wrong state or deadline.</exception>
    public byte[] ProcessAuthentication(ReadOnlySpan<byte> authentication)
    {
        EnterOrFail(HandshakeState.AwaitAuthentication, MessageType.Authentication);
        try
        {
            uint responderIndex = HandshakeMessages.ParseAuthentication(authentication);
            if (responderIndex != LocalIndex)
            {
                throw new ProtocolException(ProtocolError.UnexpectedMessage, "The Authentication is for another handshake (index mismatch).");
            }

            Transcript.Append(authentication.Slice(0, HandshakeMessages.AuthenticationSealedOffset));
            byte[] peer = OpenIdentity(InitiatorHandshakeKey!, 0, authentication.Slice(HandshakeMessages.AuthenticationSealedOffset), authentication.Slice(0, HandshakeMessages.AuthenticationSealedOffset), InitiatorSignatureContext, 2, "client");
            DeriveDataKeys();
            State = HandshakeState.Authenticated;
            return peer;
        }
        catch (ProtocolException)
        {
            Fail();
            throw;
        }
    }

    /// <summary>Message 4 out, sealed under the responder handshake key; <paramref name="keys"/> receives the session keys (caller disposes).</summary>
    /// <param name="applicationPayload">Up to 1024 bytes for the client (tunnel configuration).</param>
    /// <param name="keys">The session keys.</param>
    /// <exception cref="ProtocolException">Called before the client was authenticated.</exception>
    /// <exception cref="ArgumentException">The payload is over 1024 bytes.</exception>
    public byte[] CreateConfirmation(ReadOnlySpan<byte> applicationPayload, out SessionKeys keys)
    {
        if (State != HandshakeState.Authenticated)
        {
            throw new ProtocolException(ProtocolError.UnexpectedMessage, $"Confirmation cannot be created in state {State}.");
        }

        if (applicationPayload.Length > ProtocolConstants.MaxConfirmationPayload)
        {
            throw new ArgumentException("The application payload is limited to 1024 bytes.", nameof(applicationPayload));
        }

        byte[] message = new byte[HandshakeMessages.ConfirmationMinSize + applicationPayload.Length];
        HandshakeMessages.WriteHeader(message, MessageType.Confirmation);
        BinaryPrimitives.WriteUInt32BigEndian(message.AsSpan(4), _remoteIndex);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(8), (ushort)applicationPayload.Length);
        AeadSeal(ResponderHandshakeKey!, 1, applicationPayload, message.AsSpan(0, HandshakeMessages.ConfirmationSealedOffset), message.AsSpan(HandshakeMessages.ConfirmationSealedOffset));
        keys = new SessionKeys(LocalIndex, _remoteIndex, isInitiator: false, ResponderToInitiator!, InitiatorToResponder!, PeerPublicKey!);
        State = HandshakeState.Established;
        return message;
    }
}
