using System.Security.Cryptography;
using System.Text;

namespace Jormungandr.Protocol;

/// <summary>What both handshake roles share: state, deadline, transcript, keys and the sealed-identity helpers.</summary>
public abstract class Handshake : IDisposable
{
    private static readonly byte[] InitiatorContext = Encoding.ASCII.GetBytes(ProtocolConstants.InitiatorSignatureContext);
    private static readonly byte[] ResponderContext = Encoding.ASCII.GetBytes(ProtocolConstants.ResponderSignatureContext);

    private protected Handshake(LocalIdentity identity, IPeerKeyPolicy policy, HandshakeOptions? options)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(policy);
        Identity = identity;
        Policy = policy;
        Options = options ?? new HandshakeOptions();
        Deadline = Options.Clock.Now + Options.Timeout;
        LocalIndex = Options.Indices?.AllocateIndex(Options.Random) ?? RandomIndex(Options.Random);
        Transcript = new Transcript();
    }

    /// <summary>Current state.</summary>
    public HandshakeState State { get; private protected set; } = HandshakeState.Start;

    /// <summary>Monotonic time after which the handshake fails.</summary>
    public TimeSpan Deadline { get; }

    /// <summary>True once the deadline has passed (the engine closes the connection).</summary>
    public bool IsExpired => Options.Clock.Now > Deadline;

    /// <summary>Our session index for the keys this handshake produces.</summary>
    public uint LocalIndex { get; }

    /// <summary>The peer's public key once it has been received and accepted by the policy, else null.</summary>
    public byte[]? PeerPublicKey { get; private protected set; }

    internal static ReadOnlySpan<byte> InitiatorSignatureContext => InitiatorContext;

    internal static ReadOnlySpan<byte> ResponderSignatureContext => ResponderContext;

    private protected LocalIdentity Identity { get; }

    private protected IPeerKeyPolicy Policy { get; }

    private protected HandshakeOptions Options { get; }

    private protected Transcript Transcript { get; }

    /// <summary>hs, then k_hs_i / k_hs_r.</summary>
    private protected byte[]? HandshakeSecret { get; set; }

    private protected byte[]? InitiatorHandshakeKey { get; set; }

    private protected byte[]? ResponderHandshakeKey { get; set; }

    private protected byte[]? InitiatorToResponder { get; set; }

    private protected byte[]? ResponderToInitiator { get; set; }

    /// <summary>Recorded snapshots (for the test vectors).</summary>
    internal byte[]?[] TranscriptHashes { get; } = new byte[]?[4];

    /// <summary>Key material recorded for the test vectors (copies are taken before zeroing).</summary>
    internal Dictionary<string, byte[]>? Recorder { get; set; }

    /// <summary>Releases secrets and, if the handshake never finished, its reserved index.</summary>
    public void Dispose()
    {
        if (State != HandshakeState.Established)
        {
            Options.Indices?.ReleaseReservation(LocalIndex);
        }

        ZeroSecrets();
        Transcript.Dispose();
        DisposeCore();
        GC.SuppressFinalize(this);
    }

    private protected virtual void DisposeCore()
    {
    }

    private protected void Record(string name, ReadOnlySpan<byte> value)
    {
        if (Recorder is not null)
        {
            Recorder[name] = value.ToArray();
        }
    }

    private protected void EnterOrFail(HandshakeState expected, MessageType arriving)
    {
        if (State != expected)
        {
            throw new ProtocolException(ProtocolError.UnexpectedMessage, $"{arriving} message not expected in state {State}.");
        }

        if (IsExpired)
        {
            Fail();
            throw new ProtocolException(ProtocolError.Timeout, "The handshake deadline passed.");
        }
    }

    private protected void Fail()
    {
        State = HandshakeState.Failed;
        ZeroSecrets();
    }

    private protected void DeriveHandshakeKeys(ReadOnlySpan<byte> sharedSecret)
    {
        byte[] th1 = Transcript.Snapshot();
        TranscriptHashes[0] = th1;
        HandshakeSecret = KeySchedule.HandshakeSecret(th1, sharedSecret);
        InitiatorHandshakeKey = KeySchedule.Label(HandshakeSecret, KeySchedule.InitiatorHandshakeLabel, default);
        ResponderHandshakeKey = KeySchedule.Label(HandshakeSecret, KeySchedule.ResponderHandshakeLabel, default);
        Record("shared_secret", sharedSecret);
        Record("handshake_secret", HandshakeSecret);
        Record("k_hs_i", InitiatorHandshakeKey);
        Record("k_hs_r", ResponderHandshakeKey);
    }

    private protected void DeriveDataKeys()
    {
        byte[] th4 = Transcript.Snapshot();
        TranscriptHashes[3] = th4;
        byte[] master = KeySchedule.Label(HandshakeSecret!, KeySchedule.MasterLabel, th4);
        InitiatorToResponder = KeySchedule.Label(master, KeySchedule.InitiatorToResponderLabel, default);
        ResponderToInitiator = KeySchedule.Label(master, KeySchedule.ResponderToInitiatorLabel, default);
        Record("master_secret", master);
        Record("k_i2r", InitiatorToResponder);
        Record("k_r2i", ResponderToInitiator);
        CryptographicOperations.ZeroMemory(master);
    }

    /// <summary>Signs the current transcript hash (our identity already appended), then appends the signature.</summary>
    private protected void SignInto(Span<byte> signature, ReadOnlySpan<byte> context, int snapshotSlot)
    {
        byte[] th = Transcript.Snapshot();
        TranscriptHashes[snapshotSlot] = th;
        Identity.Signer(th, context, signature);
        Transcript.Append(signature);
    }

    /// <summary>
    /// Opens a sealed identity: decrypt (cheap), policy (cheap), then ML-DSA verify (expensive) over
    /// the transcript including the peer key. Appends key and signature to the transcript.
    /// </summary>
    private protected byte[] OpenIdentity(ReadOnlySpan<byte> key, ulong nonceCounter, ReadOnlySpan<byte> sealedIdentity, ReadOnlySpan<byte> associatedData, ReadOnlySpan<byte> context, int snapshotSlot, string peerRole)
    {
        byte[] plain = new byte[HandshakeMessages.IdentityPlaintextSize];
        try
        {
            if (!AeadOpen(key, nonceCounter, sealedIdentity, associatedData, plain))
            {
                throw new ProtocolException(ProtocolError.DecryptionFailed, $"The {peerRole}'s sealed identity did not decrypt (tampered, replayed or wrong keys).");
            }

            ReadOnlySpan<byte> publicKey = plain.AsSpan(0, ProtocolConstants.IdentityPublicKeySize);
            ReadOnlySpan<byte> signature = plain.AsSpan(ProtocolConstants.IdentityPublicKeySize);
            if (!Policy.IsAcceptable(publicKey))
            {
                throw new ProtocolException(ProtocolError.PeerNotTrusted, $"The {peerRole}'s public key is not trusted.");
            }

            Transcript.Append(publicKey);
            byte[] th = Transcript.Snapshot();
            TranscriptHashes[snapshotSlot] = th;
            if (!Options.Verifier.Verify(Crypto.MlDsaParameterSet.MlDsa65, publicKey, th, context, signature))
            {
                throw new ProtocolException(ProtocolError.BadSignature, $"The {peerRole}'s signature over the transcript did not verify.");
            }

            Transcript.Append(signature);
            PeerPublicKey = publicKey.ToArray();
            return PeerPublicKey;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
        }
    }

    private protected static void AeadSeal(ReadOnlySpan<byte> key, ulong nonceCounter, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData, Span<byte> output)
    {
        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        DataPacket.WriteNonce(nonce, nonceCounter);
        using var aead = new ChaCha20Poly1305(key);
        aead.Encrypt(nonce, plaintext, output.Slice(0, plaintext.Length), output.Slice(plaintext.Length, ProtocolConstants.TagSize), associatedData);
    }

    private protected static bool AeadOpen(ReadOnlySpan<byte> key, ulong nonceCounter, ReadOnlySpan<byte> sealedData, ReadOnlySpan<byte> associatedData, Span<byte> plaintext)
    {
        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        DataPacket.WriteNonce(nonce, nonceCounter);
        using var aead = new ChaCha20Poly1305(key);
        int length = sealedData.Length - ProtocolConstants.TagSize;
        try
        {
            aead.Decrypt(nonce, sealedData.Slice(0, length), sealedData.Slice(length), plaintext.Slice(0, length), associatedData);
            return true;
        }
        catch (AuthenticationTagMismatchException)
        {
            return false;
        }
    }

    private static uint RandomIndex(Crypto.IRandomSource random)
    {
        Span<byte> b = stackalloc byte[4];
        uint index;
        do
        {
            random.Fill(b);
            index = BitConverter.ToUInt32(b);
        }
        while (index == 0);
        return index;
    }

    private void ZeroSecrets()
    {
        Zero(HandshakeSecret);
        Zero(InitiatorHandshakeKey);
        Zero(ResponderHandshakeKey);
        Zero(InitiatorToResponder);
        Zero(ResponderToInitiator);
    }

    private static void Zero(byte[]? secret)
    {
        if (secret is not null)
        {
            CryptographicOperations.ZeroMemory(secret);
        }
    }
}
