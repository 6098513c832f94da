using System.Security.Cryptography;
using System.Text;
using Jormungandr.Crypto;
using Jormungandr.Protocol;
using Jormungandr.Tests;
using Jormungandr.Time;

namespace Jormungandr.Fuzz;

/// <summary>
/// The two peers of the protocol vectors (same identities, seeds and clock), so a fresh initiator or
/// responder produces and accepts exactly the vector messages. Keys are generated once per process.
/// </summary>
internal sealed class VectorHandshake
{
    private static readonly Lazy<VectorHandshake> Loaded = new(() => new VectorHandshake(ProtocolVectors.Instance));

    private readonly byte[] _initiatorPublic;
    private readonly byte[] _initiatorSecret;
    private readonly byte[] _responderPublic;
    private readonly byte[] _responderSecret;

    private VectorHandshake(ProtocolVectors vectors)
    {
        Vectors = vectors;
        (_initiatorPublic, _initiatorSecret) = Keys(vectors.InitiatorName);
        (_responderPublic, _responderSecret) = Keys(vectors.ResponderName);
        if (!_initiatorPublic.AsSpan().SequenceEqual(vectors.InitiatorPublicKey) || !_responderPublic.AsSpan().SequenceEqual(vectors.ResponderPublicKey))
        {
            throw new InvalidOperationException("The vector identities do not regenerate from their seeds.");
        }
    }

    /// <summary>The shared instance.</summary>
    public static VectorHandshake Instance => Loaded.Value;

    public ProtocolVectors Vectors { get; }

    /// <summary>A fresh initiator in its first state.</summary>
    public InitiatorHandshake NewInitiator() =>
        new(LocalIdentity.FromKeys(_initiatorPublic, _initiatorSecret, MlDsaManaged.Instance, deterministic: true), new PinnedKeys(_responderPublic), Options(Vectors.InitiatorSeed));

    /// <summary>A fresh responder in its first state.</summary>
    public ResponderHandshake NewResponder() =>
        new(LocalIdentity.FromKeys(_responderPublic, _responderSecret, MlDsaManaged.Instance, deterministic: true), new PinnedKeys(_initiatorPublic), Options(Vectors.ResponderSeed));

    /// <summary>The initiator's raw ML-DSA-65 key pair (copies).</summary>
    public void Keys(out byte[] publicKey, out byte[] secretKey)
    {
        publicKey = (byte[])_initiatorPublic.Clone();
        secretKey = (byte[])_initiatorSecret.Clone();
    }

    private static HandshakeOptions Options(string seed) => new() { Random = new SeededRandom(seed), Clock = FixedClock.Instance };

    private static (byte[] Public, byte[] Secret) Keys(string name)
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaManaged.GenerateKey(p, SHA256.HashData(Encoding.UTF8.GetBytes("jormungandr test identity " + name)), pk, sk);
        return (pk, sk);
    }

    /// <summary>Time stands still: no handshake deadline passes inside a fuzz run.</summary>
    private sealed class FixedClock : IClock
    {
        public static readonly FixedClock Instance = new();

        public TimeSpan Now => TimeSpan.FromSeconds(1000);

        public DateTimeOffset UtcNow => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) + Now;
    }
}
