using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// Hybrid KEM: ECDH on P-384 plus ML-KEM-1024, so the secret holds if either half holds.
/// Public key = P-384 point (0x04 ‖ X ‖ Y) ‖ ML-KEM-1024 ek; ciphertext = the responder's ephemeral
/// P-384 point ‖ ML-KEM-1024 ciphertext. Combiner (the order is fixed, both public values bound):
/// secret = HKDF-SHA256(ikm = ss_ecdh(48-byte X) ‖ ss_kem(32) ‖ publicKey ‖ ciphertext,
/// salt = "jormungandr-v2 hybrid P-384+ML-KEM-1024", info = "hybrid secret", L = 32).
/// Deterministic given the <see cref="IRandomSource"/>: draws are the P-384 scalar (48 bytes, repeated
/// until 0 &lt; d &lt; n), then ML-KEM's d ‖ z (key generation) or m (encapsulation).
/// </summary>
public static class HybridKem
{
    /// <summary>P-384 uncompressed point (97) followed by the ML-KEM-1024 encapsulation key (1568).</summary>
    public const int PublicKeySize = PointSize + 1568;

    /// <summary>Responder's ephemeral P-384 point (97) followed by the ML-KEM-1024 ciphertext (1568).</summary>
    public const int CiphertextSize = PointSize + 1568;

    /// <summary>Size of the combined shared secret.</summary>
    public const int SharedSecretSize = 32;

    /// <summary>Size of an uncompressed P-384 point: 0x04 ‖ X ‖ Y.</summary>
    internal const int PointSize = 1 + (2 * CoordinateSize);

    /// <summary>Size of a P-384 coordinate, scalar and ECDH shared secret.</summary>
    internal const int CoordinateSize = 48;

    /// <summary>The ML-KEM half's parameter set.</summary>
    internal static MlKemParameterSet KemParameters => MlKemParameterSet.MlKem1024;

    /// <summary>Whether encapsulation with the system CSPRNG runs P-384 through <see cref="OpenSslP384"/> (else .NET's ECDiffieHellman; benchmarks and tests compare the two).</summary>
    internal static bool UseOpenSsl { get; set; } = OpenSslP384.IsSupported;

    /// <summary>Where encapsulation takes its ephemeral P-384 keys (benchmarks swap in an empty pool to count key generation inline).</summary>
    internal static P384KeyPool EphemeralKeys { get; set; } = P384KeyPool.Shared;

    /// <summary>HKDF salt of the combiner.</summary>
    internal static ReadOnlySpan<byte> Salt => "jormungandr-v2 hybrid P-384+ML-KEM-1024"u8;

    /// <summary>HKDF info of the combiner.</summary>
    internal static ReadOnlySpan<byte> Info => "hybrid secret"u8;

    // Order n of the P-384 base point, big-endian.
    private static ReadOnlySpan<byte> P384Order =>
    [
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xC7, 0x63, 0x4D, 0x81, 0xF4, 0x37, 0x2D, 0xDF,
        0x58, 0x1A, 0x0D, 0xB2, 0x48, 0xB0, 0xA7, 0x7A, 0xEC, 0xEC, 0x19, 0x6A, 0xCC, 0xC5, 0x29, 0x73,
    ];

    /// <summary>Generates a static key pair: P-384 scalar, then ML-KEM-1024 seeds d ‖ z, from <paramref name="random"/>.</summary>
    /// <exception cref="CryptographicException">The platform's ECDH failed.</exception>
    public static HybridKeyPair GenerateKeyPair(IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        byte[] publicKey = new byte[PublicKeySize];
        byte[] decapsulationKey = new byte[KemParameters.DecapsulationKeySize];
        ECDiffieHellman ecdh = CreatePrivateKey(random);
        try
        {
            WritePoint(ecdh, publicKey.AsSpan(0, PointSize));
            Span<byte> ek = publicKey.AsSpan(PointSize);
            if (random is SystemRandom)
            {
                MlKem.Provider.GenerateKey(KemParameters, ek, decapsulationKey);
            }
            else
            {
                Span<byte> seeds = stackalloc byte[64];
                try
                {
                    random.Fill(seeds);
                    MlKemManaged.GenerateKey(KemParameters, seeds[..32], seeds[32..], ek, decapsulationKey);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(seeds);
                }
            }

            return new HybridKeyPair(ecdh, publicKey, decapsulationKey);
        }
        catch
        {
            ecdh.Dispose();
            CryptographicOperations.ZeroMemory(decapsulationKey);
            throw;
        }
    }

    /// <summary>
    /// Encapsulates to <paramref name="publicKey"/>: an ephemeral P-384 key, then ML-KEM-1024
    /// encapsulation with randomness m, both from <paramref name="random"/>.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not have its exact size.</exception>
    /// <exception cref="CryptographicException">The public key's point is not on P-384 or its ML-KEM key fails the modulus check.</exception>
    public static void Encapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> sharedSecret, IRandomSource random)
    {
        ArgumentNullException.ThrowIfNull(random);
        RequireLength(publicKey, PublicKeySize, nameof(publicKey));
        RequireLength(ciphertext, CiphertextSize, nameof(ciphertext));
        RequireLength(sharedSecret, SharedSecretSize, nameof(sharedSecret));
        ReadOnlySpan<byte> ek = publicKey[PointSize..];
        if (!MlKemManaged.CheckEncapsulationKey(KemParameters, ek))
        {
            throw new CryptographicException("Hybrid public key rejected: its ML-KEM-1024 encapsulation key fails the FIPS 203 modulus check.");
        }

        Span<byte> ssKem = stackalloc byte[32];
        Span<byte> ssEcdh = stackalloc byte[CoordinateSize];
        try
        {
            EncapsulateEcdh(publicKey[..PointSize], ciphertext[..PointSize], ssEcdh, random);
            Span<byte> kemCiphertext = ciphertext[PointSize..];
            if (random is SystemRandom)
            {
                MlKem.Provider.Encapsulate(KemParameters, ek, kemCiphertext, ssKem);
            }
            else
            {
                Span<byte> m = stackalloc byte[32];
                try
                {
                    random.Fill(m);
                    MlKemManaged.Encapsulate(KemParameters, ek, m, kemCiphertext, ssKem);
                }
                finally
                {
                    CryptographicOperations.ZeroMemory(m);
                }
            }

            Combine(ssEcdh, ssKem, publicKey, ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ssKem);
            CryptographicOperations.ZeroMemory(ssEcdh);
        }
    }

    /// <summary>
    /// The P-384 half of encapsulation: an ephemeral key (its point into <paramref name="ephemeralPoint"/>)
    /// and the X coordinate of its product with <paramref name="peerPoint"/>. With the system CSPRNG the
    /// key comes from <see cref="P384KeyPool"/> and the exchange runs through <see cref="OpenSslP384"/>
    /// (one multiplication on the critical path); a seeded source (test vectors) draws the scalar itself.
    /// </summary>
    private static void EncapsulateEcdh(ReadOnlySpan<byte> peerPoint, Span<byte> ephemeralPoint, Span<byte> ssEcdh, IRandomSource random)
    {
        if (random is SystemRandom && UseOpenSsl)
        {
            P384Key peerKey;
            try
            {
                peerKey = OpenSslP384.ImportPublic(peerPoint);
            }
            catch (CryptographicException e)
            {
                throw new CryptographicException("Hybrid public key rejected: " + e.Message, e);
            }

            using (peerKey)
            using (P384Key ephemeralKey = EphemeralKeys.Take())
            {
                OpenSslP384.WritePublic(ephemeralKey, ephemeralPoint);
                OpenSslP384.Derive(ephemeralKey, peerKey, ssEcdh);
            }

            return;
        }

        using ECDiffieHellman peer = ImportPoint(peerPoint, "public key");
        using ECDiffieHellman ephemeral = CreatePrivateKey(random);
        WritePoint(ephemeral, ephemeralPoint);
        byte[] x = DeriveX(ephemeral, peer);
        x.CopyTo(ssEcdh);
        CryptographicOperations.ZeroMemory(x);
    }

    /// <summary>secret = HKDF-SHA256(ss_ecdh ‖ ss_kem ‖ publicKey ‖ ciphertext, Salt, Info, 32).</summary>
    internal static void Combine(ReadOnlySpan<byte> ssEcdh, ReadOnlySpan<byte> ssKem, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> ciphertext, Span<byte> secret)
    {
        Span<byte> ikm = stackalloc byte[CoordinateSize + 32 + PublicKeySize + CiphertextSize];
        ssEcdh.CopyTo(ikm);
        ssKem.CopyTo(ikm[CoordinateSize..]);
        publicKey.CopyTo(ikm[(CoordinateSize + 32)..]);
        ciphertext.CopyTo(ikm[(CoordinateSize + 32 + PublicKeySize)..]);
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ikm, secret[..SharedSecretSize], Salt, Info);
        CryptographicOperations.ZeroMemory(ikm);
    }

    /// <summary>The 48-byte X coordinate of the ECDH point of <paramref name="own"/>'s scalar and <paramref name="peer"/>'s point.</summary>
    internal static byte[] DeriveX(ECDiffieHellman own, ECDiffieHellman peer)
    {
        using ECDiffieHellmanPublicKey peerKey = peer.PublicKey;
        return own.DeriveRawSecretAgreement(peerKey);
    }

    /// <summary>Imports a peer's uncompressed P-384 point; the platform rejects points off the curve.</summary>
    /// <exception cref="CryptographicException">Not 0x04 ‖ X ‖ Y, or not a point on P-384.</exception>
    internal static ECDiffieHellman ImportPoint(ReadOnlySpan<byte> point, string what)
    {
        if (point.Length != PointSize || point[0] != 0x04)
        {
            throw new CryptographicException($"Hybrid {what} rejected: the P-384 point is not in uncompressed form (0x04 ‖ X ‖ Y, {PointSize} bytes).");
        }

        var parameters = new ECParameters
        {
            Curve = ECCurve.NamedCurves.nistP384,
            Q = new ECPoint { X = point.Slice(1, CoordinateSize).ToArray(), Y = point.Slice(1 + CoordinateSize, CoordinateSize).ToArray() },
        };
        ECDiffieHellman ecdh = ECDiffieHellman.Create();
        try
        {
            ecdh.ImportParameters(parameters);
            return ecdh;
        }
        catch (Exception e) when (e is CryptographicException or ArgumentException)
        {
            ecdh.Dispose();
            throw new CryptographicException($"Hybrid {what} rejected: the P-384 point is not on the curve.", e);
        }
    }

    /// <summary>A P-384 key whose scalar is drawn from <paramref name="random"/> by rejection sampling until 0 &lt; d &lt; n.</summary>
    internal static ECDiffieHellman CreatePrivateKey(IRandomSource random)
    {
        byte[] d = new byte[CoordinateSize];
        try
        {
            // A rejected candidate reveals nothing about the accepted one; the range test itself is branch-free.
            do
            {
                random.Fill(d);
            }
            while (!IsValidScalar(d));

            var parameters = new ECParameters { Curve = ECCurve.NamedCurves.nistP384, D = d };
            return ECDiffieHellman.Create(parameters);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(d);
        }
    }

    /// <summary>0 &lt; d &lt; n, computed with a borrow chain and no data-dependent branch.</summary>
    internal static bool IsValidScalar(ReadOnlySpan<byte> d)
    {
        ReadOnlySpan<byte> n = P384Order;
        int borrow = 0;
        int any = 0;
        for (int i = CoordinateSize - 1; i >= 0; i--)
        {
            int diff = d[i] - n[i] - borrow;
            borrow = (diff >> 8) & 1;
            any |= d[i];
        }

        int nonZero = (any + 0xFF) >> 8;
        return (borrow & nonZero) == 1;
    }

    /// <summary>Writes 0x04 ‖ X ‖ Y of <paramref name="ecdh"/>'s public point.</summary>
    internal static void WritePoint(ECDiffieHellman ecdh, Span<byte> destination)
    {
        ECParameters parameters = ecdh.ExportParameters(includePrivateParameters: false);
        destination[0] = 0x04;
        WriteCoordinate(parameters.Q.X, destination.Slice(1, CoordinateSize));
        WriteCoordinate(parameters.Q.Y, destination.Slice(1 + CoordinateSize, CoordinateSize));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the parameter and its required size.</summary>
    internal static void RequireLength(ReadOnlySpan<byte> span, int expected, string name)
    {
        if (span.Length != expected)
        {
            throw new ArgumentException($"{name} must be {expected} bytes for the hybrid P-384+ML-KEM-1024 KEM, but is {span.Length} bytes.", name);
        }
    }

    private static void WriteCoordinate(byte[]? value, Span<byte> destination)
    {
        if (value is null || value.Length > CoordinateSize)
        {
            throw new CryptographicException("The platform returned a malformed P-384 public point.");
        }

        destination.Clear();
        value.CopyTo(destination[(CoordinateSize - value.Length)..]);
    }
}
