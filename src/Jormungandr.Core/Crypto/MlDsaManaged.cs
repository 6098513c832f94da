using System.Buffers;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using Jormungandr.Crypto.Dsa;

namespace Jormungandr.Crypto;

/// <summary>
/// Managed ML-DSA (FIPS 204) for ML-DSA-44/65/87. Keys and signatures use the raw FIPS 204 encodings
/// (pkEncode, skEncode, sigEncode), so they interoperate with liboqs, noble and the platform provider.
/// Secret-dependent work (NTT, decoding of s1/s2/t0, the signing arithmetic, rounding, hints and norm
/// checks) has no data-dependent branch, memory index or division; signing branches only on the public
/// accept/reject outcome of each attempt. As in the reference implementation, the rejection samplers skip
/// hash bytes that fall out of range (RejBoundedPoly in key generation, SampleInBall on c̃). Secret
/// intermediates (s1, s2, t0, y, ρ', K, c·s) are zeroed after use.
/// </summary>
public sealed class MlDsaManaged : IMlDsaProvider
{
    private const int N = DsaArithmetic.N;
    private const int SeedBytes = 32;
    private const int TrBytes = 64;
    private const int MuBytes = 64;

    // FIPS 204 Appendix C: an implementation that bounds the signing loop must allow at least 814 attempts.
    private const int MaxSigningAttempts = 1000;

    private MlDsaManaged()
    {
    }

    /// <summary>The shared instance.</summary>
    public static MlDsaManaged Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "managed";

    /// <summary>Size of the μ representative consumed by the external-μ interface, in bytes.</summary>
    public const int MuSize = MuBytes;

    /// <summary>Size of the signing randomness rnd, in bytes.</summary>
    public const int RandomnessSize = 32;

    /// <inheritdoc />
    public void GenerateKey(MlDsaParameterSet parameters, Span<byte> publicKey, Span<byte> secretKey)
    {
        Span<byte> seed = stackalloc byte[SeedBytes];
        RandomNumberGenerator.Fill(seed);
        try
        {
            GenerateKey(parameters, seed, publicKey, secretKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
        }
    }

    /// <inheritdoc />
    public void Sign(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature, bool deterministic = false)
    {
        Span<byte> rnd = stackalloc byte[RandomnessSize];
        if (!deterministic)
        {
            RandomNumberGenerator.Fill(rnd);
        }

        try
        {
            Sign(parameters, secretKey, message, context, rnd, signature);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(rnd);
        }
    }

    /// <inheritdoc />
    public bool Verify(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        CheckLength(signature, parameters.SignatureSize, parameters, "signature", nameof(signature));
        CheckContext(context);

        Span<byte> tr = stackalloc byte[TrBytes];
        Keccak.Shake256(publicKey, tr);
        Span<byte> mu = stackalloc byte[MuBytes];
        ComputeMu(tr, PureHeader(context, stackalloc byte[2]), context, ReadOnlySpan<byte>.Empty, message, mu);
        return VerifyCore(parameters, publicKey, mu, signature);
    }

    /// <summary>ML-DSA.KeyGen_internal(ξ) (FIPS 204 Algorithm 6): deterministic key generation from a 32-byte seed.</summary>
    /// <exception cref="ArgumentException">A span has the wrong length for <paramref name="parameters"/>.</exception>
    public static void GenerateKey(MlDsaParameterSet parameters, ReadOnlySpan<byte> seed, Span<byte> publicKey, Span<byte> secretKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(seed, SeedBytes, parameters, "key-generation seed", nameof(seed));
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        CheckLength(secretKey, parameters.SecretKeySize, parameters, "secret key", nameof(secretKey));

        int k = parameters.K;
        int l = parameters.L;
        Span<byte> expanded = stackalloc byte[128];
        Span<byte> input = stackalloc byte[SeedBytes + 2];
        seed.CopyTo(input);
        input[SeedBytes] = (byte)k;
        input[SeedBytes + 1] = (byte)l;
        Keccak.Shake256(input, expanded);
        ReadOnlySpan<byte> rho = expanded[..32];
        ReadOnlySpan<byte> rhoPrime = expanded.Slice(32, 64);
        ReadOnlySpan<byte> key = expanded.Slice(96, 32);

        int size = (l + k + k) * N;
        int[] rented = ArrayPool<int>.Shared.Rent(size);
        Span<int> work = rented.AsSpan(0, size);
        try
        {
            Span<int> s1 = work[..(l * N)];
            Span<int> s2 = work.Slice(l * N, k * N);
            Span<int> t0 = work.Slice((l + k) * N, k * N);
            for (int i = 0; i < l; i++)
            {
                DsaSampling.ExpandEta(rhoPrime, i, parameters.Eta, Poly(s1, i));
            }

            for (int i = 0; i < k; i++)
            {
                DsaSampling.ExpandEta(rhoPrime, l + i, parameters.Eta, Poly(s2, i));
            }

            rho.CopyTo(publicKey);
            ComputePublicPart(parameters, rho, s1, s2, t0, publicKey);

            rho.CopyTo(secretKey);
            key.CopyTo(secretKey[32..]);
            Keccak.Shake256(publicKey, secretKey.Slice(64, TrBytes));
            PackSecretVectors(parameters, s1, s2, t0, secretKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(work));
            ArrayPool<int>.Shared.Return(rented);
            CryptographicOperations.ZeroMemory(expanded);
            CryptographicOperations.ZeroMemory(input);
        }
    }

    /// <summary>
    /// Recomputes the public key belonging to a secret key (t1 = HighBits of A·s1 + s2), for loading a
    /// private key file alone. Costs about one key generation.
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length for <paramref name="parameters"/>.</exception>
    public static void DerivePublicKey(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, Span<byte> publicKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(secretKey, parameters.SecretKeySize, parameters, "secret key", nameof(secretKey));
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        int k = parameters.K;
        int l = parameters.L;
        int size = (l + k + k) * N;
        int[] rented = ArrayPool<int>.Shared.Rent(size);
        Span<int> work = rented.AsSpan(0, size);
        try
        {
            Span<int> s1 = work[..(l * N)];
            Span<int> s2 = work.Slice(l * N, k * N);
            Span<int> t0 = work.Slice((l + k) * N, k * N);
            UnpackSecretVectors(parameters, secretKey, s1, s2, t0);
            secretKey[..32].CopyTo(publicKey);
            ComputePublicPart(parameters, secretKey[..32], s1, s2, t0, publicKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(work));
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Cheap consistency check that a secret key belongs to a public key: the ρ and tr = H(pk, 64) embedded
    /// in the secret key match. Compared in constant time.
    /// </summary>
    /// <exception cref="ArgumentException">A key has the wrong length for <paramref name="parameters"/>.</exception>
    public static bool KeyPairMatches(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> secretKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        CheckLength(secretKey, parameters.SecretKeySize, parameters, "secret key", nameof(secretKey));
        Span<byte> tr = stackalloc byte[TrBytes];
        Keccak.Shake256(publicKey, tr);
        bool rhoMatches = CryptographicOperations.FixedTimeEquals(publicKey[..32], secretKey[..32]);
        bool trMatches = CryptographicOperations.FixedTimeEquals(tr, secretKey.Slice(64, TrBytes));
        return rhoMatches & trMatches;
    }

    /// <summary>
    /// ML-DSA.Sign (FIPS 204 Algorithm 2) with caller-supplied randomness: <paramref name="rnd"/> is 32 bytes,
    /// all zeros for the deterministic variant. M' = 0 ‖ |ctx| ‖ ctx ‖ M.
    /// </summary>
    /// <exception cref="ArgumentException">A span has the wrong length, or the context exceeds 255 bytes.</exception>
    /// <exception cref="CryptographicException">The secret key is malformed so signing cannot finish.</exception>
    public static void Sign(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> rnd, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSignArguments(parameters, secretKey, rnd, signature);
        CheckContext(context);
        Span<byte> mu = stackalloc byte[MuBytes];
        ComputeMu(secretKey.Slice(64, TrBytes), PureHeader(context, stackalloc byte[2]), context, ReadOnlySpan<byte>.Empty, message, mu);
        SignCore(parameters, secretKey, mu, rnd, signature);
    }

    /// <summary>
    /// HashML-DSA.Sign (Algorithm 4): M' = 1 ‖ |ctx| ‖ ctx ‖ OID(PH) ‖ PH(M), with PH named as ACVP names it
    /// (SHA2-224 … SHAKE-256). Any listed hash is accepted regardless of λ; callers choose a strong one.
    /// </summary>
    internal static void SignPreHash(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, string hashAlgorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> rnd, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSignArguments(parameters, secretKey, rnd, signature);
        CheckContext(context);
        Span<byte> oid = stackalloc byte[DsaPreHash.OidLength];
        if (!DsaPreHash.TryGetOid(hashAlgorithm, oid))
        {
            throw new ArgumentException($"Unsupported HashML-DSA pre-hash '{hashAlgorithm}'.", nameof(hashAlgorithm));
        }

        byte[] digest = DsaPreHash.Digest(hashAlgorithm, message);
        Span<byte> header = [1, (byte)context.Length];
        Span<byte> mu = stackalloc byte[MuBytes];
        ComputeMu(secretKey.Slice(64, TrBytes), header, context, oid, digest, mu);
        SignCore(parameters, secretKey, mu, rnd, signature);
    }

    /// <summary>HashML-DSA.Verify (Algorithm 5), the counterpart of <see cref="SignPreHash"/>.</summary>
    internal static bool VerifyPreHash(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, string hashAlgorithm, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        CheckLength(signature, parameters.SignatureSize, parameters, "signature", nameof(signature));
        CheckContext(context);
        Span<byte> oid = stackalloc byte[DsaPreHash.OidLength];
        if (!DsaPreHash.TryGetOid(hashAlgorithm, oid))
        {
            throw new ArgumentException($"Unsupported HashML-DSA pre-hash '{hashAlgorithm}'.", nameof(hashAlgorithm));
        }

        byte[] digest = DsaPreHash.Digest(hashAlgorithm, message);
        Span<byte> tr = stackalloc byte[TrBytes];
        Keccak.Shake256(publicKey, tr);
        Span<byte> header = [1, (byte)context.Length];
        Span<byte> mu = stackalloc byte[MuBytes];
        ComputeMu(tr, header, context, oid, digest, mu);
        return VerifyCore(parameters, publicKey, mu, signature);
    }

    /// <summary>ML-DSA.Sign_internal (Algorithm 7): signs M' exactly as given (no domain separator or context).</summary>
    internal static void SignInternal(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> messagePrime, ReadOnlySpan<byte> rnd, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSignArguments(parameters, secretKey, rnd, signature);
        Span<byte> mu = stackalloc byte[MuBytes];
        ComputeMu(secretKey.Slice(64, TrBytes), ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty, messagePrime, mu);
        SignCore(parameters, secretKey, mu, rnd, signature);
    }

    /// <summary>Sign_internal with an externally computed μ = H(tr ‖ M', 64) (64 bytes).</summary>
    internal static void SignExternalMu(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> mu, ReadOnlySpan<byte> rnd, Span<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckSignArguments(parameters, secretKey, rnd, signature);
        CheckLength(mu, MuBytes, parameters, "μ", nameof(mu));
        SignCore(parameters, secretKey, mu, rnd, signature);
    }

    /// <summary>ML-DSA.Verify_internal (Algorithm 8) on M' exactly as given.</summary>
    internal static bool VerifyInternal(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> messagePrime, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        CheckLength(signature, parameters.SignatureSize, parameters, "signature", nameof(signature));
        Span<byte> tr = stackalloc byte[TrBytes];
        Keccak.Shake256(publicKey, tr);
        Span<byte> mu = stackalloc byte[MuBytes];
        ComputeMu(tr, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty, ReadOnlySpan<byte>.Empty, messagePrime, mu);
        return VerifyCore(parameters, publicKey, mu, signature);
    }

    /// <summary>Verify_internal with an externally computed μ (64 bytes).</summary>
    internal static bool VerifyExternalMu(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> mu, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        CheckLength(publicKey, parameters.PublicKeySize, parameters, "public key", nameof(publicKey));
        CheckLength(signature, parameters.SignatureSize, parameters, "signature", nameof(signature));
        CheckLength(mu, MuBytes, parameters, "μ", nameof(mu));
        return VerifyCore(parameters, publicKey, mu, signature);
    }

    private static Span<int> Poly(Span<int> vector, int index) => vector.Slice(index * N, N);

    private static ReadOnlySpan<byte> PureHeader(ReadOnlySpan<byte> context, Span<byte> header)
    {
        header[0] = 0;
        header[1] = (byte)context.Length;
        return header;
    }

    // μ = H(tr ‖ header ‖ context ‖ oid ‖ message, 64), absorbed piecewise so M' is never materialised.
    private static void ComputeMu(ReadOnlySpan<byte> tr, ReadOnlySpan<byte> header, ReadOnlySpan<byte> context, ReadOnlySpan<byte> oid, ReadOnlySpan<byte> message, Span<byte> mu)
    {
        Keccak h = Keccak.Shake256();
        h.Absorb(tr);
        h.Absorb(header);
        h.Absorb(context);
        h.Absorb(oid);
        h.Absorb(message);
        h.Squeeze(mu);
        h.Clear();
    }

    // Computes t = A·s1 + s2 (s1, s2 plain, untouched), writes t1 into pk[32..] and t0 into t0.
    private static void ComputePublicPart(MlDsaParameterSet p, ReadOnlySpan<byte> rho, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2, Span<int> t0, Span<byte> publicKey)
    {
        int k = p.K;
        int l = p.L;
        int size = ((k * l) + l + 1) * N;
        int[] rented = ArrayPool<int>.Shared.Rent(size);
        Span<int> work = rented.AsSpan(0, size);
        try
        {
            Span<int> s1Hat = work[..(l * N)];
            Span<int> t = work.Slice(l * N, N);
            Span<int> a = work.Slice((l + 1) * N, k * l * N);
            DsaSampling.ExpandMatrix(rho, k, l, a);
            s1.CopyTo(s1Hat);
            for (int j = 0; j < l; j++)
            {
                DsaNtt.Forward(Poly(s1Hat, j));
            }

            for (int i = 0; i < k; i++)
            {
                t.Clear();
                for (int j = 0; j < l; j++)
                {
                    DsaNtt.PointwiseMontgomeryAccumulate(t, Poly(a, (i * l) + j), Poly(s1Hat, j));
                }

                DsaArithmetic.Reduce(t);
                DsaNtt.InverseToMont(t);
                DsaArithmetic.Add(t, s2.Slice(i * N, N));
                for (int c = 0; c < N; c++)
                {
                    t[c] = DsaArithmetic.Freeze(t[c]);
                }

                Span<int> low = Poly(t0, i);
                DsaRounding.Power2Round(t, low);
                DsaEncoding.Pack(t, 10, publicKey.Slice(32 + (i * 320), 320));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(work));
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static void PackSecretVectors(MlDsaParameterSet p, ReadOnlySpan<int> s1, ReadOnlySpan<int> s2, ReadOnlySpan<int> t0, Span<byte> secretKey)
    {
        int etaBytes = 32 * p.EtaBits;
        int offset = 128;
        for (int i = 0; i < p.L; i++, offset += etaBytes)
        {
            DsaEncoding.PackSubtracted(s1.Slice(i * N, N), p.Eta, p.EtaBits, secretKey.Slice(offset, etaBytes));
        }

        for (int i = 0; i < p.K; i++, offset += etaBytes)
        {
            DsaEncoding.PackSubtracted(s2.Slice(i * N, N), p.Eta, p.EtaBits, secretKey.Slice(offset, etaBytes));
        }

        for (int i = 0; i < p.K; i++, offset += 32 * DsaArithmetic.D)
        {
            DsaEncoding.PackSubtracted(t0.Slice(i * N, N), 1 << (DsaArithmetic.D - 1), DsaArithmetic.D, secretKey.Slice(offset, 32 * DsaArithmetic.D));
        }
    }

    private static void UnpackSecretVectors(MlDsaParameterSet p, ReadOnlySpan<byte> secretKey, Span<int> s1, Span<int> s2, Span<int> t0)
    {
        int etaBytes = 32 * p.EtaBits;
        int offset = 128;
        for (int i = 0; i < p.L; i++, offset += etaBytes)
        {
            DsaEncoding.UnpackSubtracted(secretKey.Slice(offset, etaBytes), p.Eta, p.EtaBits, Poly(s1, i));
        }

        for (int i = 0; i < p.K; i++, offset += etaBytes)
        {
            DsaEncoding.UnpackSubtracted(secretKey.Slice(offset, etaBytes), p.Eta, p.EtaBits, Poly(s2, i));
        }

        for (int i = 0; i < p.K; i++, offset += 32 * DsaArithmetic.D)
        {
            DsaEncoding.UnpackSubtracted(secretKey.Slice(offset, 32 * DsaArithmetic.D), 1 << (DsaArithmetic.D - 1), DsaArithmetic.D, Poly(t0, i));
        }
    }

    private static void SignCore(MlDsaParameterSet p, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> mu, ReadOnlySpan<byte> rnd, Span<byte> signature)
    {
        int k = p.K;
        int l = p.L;
        int gamma2 = p.Gamma2;
        int cTildeBytes = p.Lambda / 4;
        int zBits = p.Gamma1Bits + 1;
        int w1Bytes = 32 * p.W1Bits;

        // Layout: A (k·l) | ŝ1 (l) | ŝ2 (k) | t̂0 (k) | y (l) | z (l) | w1 (k) | w0 (k) | h (k) | ĉ (1).
        int size = ((k * l) + l + k + k + l + l + k + k + k + 1) * N;
        int[] rented = ArrayPool<int>.Shared.Rent(size);
        Span<int> work = rented.AsSpan(0, size);
        Span<int> a = work[..(k * l * N)];
        Span<int> rest = work[(k * l * N)..];
        Span<int> s1 = rest[..(l * N)];
        rest = rest[(l * N)..];
        Span<int> s2 = rest[..(k * N)];
        rest = rest[(k * N)..];
        Span<int> t0 = rest[..(k * N)];
        rest = rest[(k * N)..];
        Span<int> y = rest[..(l * N)];
        rest = rest[(l * N)..];
        Span<int> z = rest[..(l * N)];
        rest = rest[(l * N)..];
        Span<int> w1 = rest[..(k * N)];
        rest = rest[(k * N)..];
        Span<int> w0 = rest[..(k * N)];
        rest = rest[(k * N)..];
        Span<int> h = rest[..(k * N)];
        Span<int> c = rest.Slice(k * N, N);

        Span<byte> rhoPrime = stackalloc byte[64];
        Span<byte> w1Packed = stackalloc byte[k * w1Bytes];
        Span<byte> cTilde = stackalloc byte[64];
        cTilde = cTilde[..cTildeBytes];
        try
        {
            ReadOnlySpan<byte> rho = secretKey[..32];
            Keccak hPrime = Keccak.Shake256();
            hPrime.Absorb(secretKey.Slice(32, 32));
            hPrime.Absorb(rnd);
            hPrime.Absorb(mu);
            hPrime.Squeeze(rhoPrime);
            hPrime.Clear();

            DsaSampling.ExpandMatrix(rho, k, l, a);

            UnpackSecretVectors(p, secretKey, s1, s2, t0);
            for (int j = 0; j < l; j++)
            {
                DsaNtt.Forward(Poly(s1, j));
            }

            for (int i = 0; i < k; i++)
            {
                DsaNtt.Forward(Poly(s2, i));
                DsaNtt.Forward(Poly(t0, i));
            }

            for (int attempt = 0; attempt < MaxSigningAttempts; attempt++)
            {
                DsaSampling.ExpandMaskVector(rhoPrime, attempt * l, l, p.Gamma1Bits, y);

                // w = A·y, decomposed into w1 (high) and w0 (low).
                y.CopyTo(z);
                for (int j = 0; j < l; j++)
                {
                    DsaNtt.Forward(Poly(z, j));
                }

                for (int i = 0; i < k; i++)
                {
                    Span<int> wi = Poly(w1, i);
                    DsaNtt.PointwiseMontgomery(wi, Poly(a, i * l), Poly(z, 0));
                    for (int j = 1; j < l; j++)
                    {
                        DsaNtt.PointwiseMontgomeryAccumulate(wi, Poly(a, (i * l) + j), Poly(z, j));
                    }

                    DsaArithmetic.Reduce(wi);
                    DsaNtt.InverseToMont(wi);
                    DsaArithmetic.CAddQ(wi);
                    DsaRounding.Decompose(wi, Poly(w0, i), gamma2);
                    DsaEncoding.Pack(wi, p.W1Bits, w1Packed.Slice(i * w1Bytes, w1Bytes));
                }

                Keccak hc = Keccak.Shake256();
                hc.Absorb(mu);
                hc.Absorb(w1Packed);
                hc.Squeeze(cTilde);
                hc.Clear();
                DsaSampling.SampleInBall(cTilde, p.Tau, c);
                DsaNtt.Forward(c);

                // z = y + c·s1
                for (int j = 0; j < l; j++)
                {
                    Span<int> zj = Poly(z, j);
                    DsaNtt.PointwiseMontgomery(zj, c, Poly(s1, j));
                    DsaNtt.InverseToMont(zj);
                    DsaArithmetic.Add(zj, Poly(y, j));
                    DsaArithmetic.Reduce(zj);
                }

                if (DsaArithmetic.ExceedsNorm(z, p.Gamma1 - p.Beta))
                {
                    continue;
                }

                // r0 = LowBits(w − c·s2) = w0 − c·s2
                for (int i = 0; i < k; i++)
                {
                    Span<int> hi = Poly(h, i);
                    DsaNtt.PointwiseMontgomery(hi, c, Poly(s2, i));
                    DsaNtt.InverseToMont(hi);
                    Span<int> w0i = Poly(w0, i);
                    DsaArithmetic.Subtract(w0i, hi);
                    DsaArithmetic.Reduce(w0i);
                }

                if (DsaArithmetic.ExceedsNorm(w0, gamma2 - p.Beta))
                {
                    continue;
                }

                // c·t0, then hints from r0 + c·t0 against w1.
                for (int i = 0; i < k; i++)
                {
                    Span<int> hi = Poly(h, i);
                    DsaNtt.PointwiseMontgomery(hi, c, Poly(t0, i));
                    DsaNtt.InverseToMont(hi);
                    DsaArithmetic.Reduce(hi);
                }

                if (DsaArithmetic.ExceedsNorm(h, gamma2))
                {
                    continue;
                }

                DsaArithmetic.Add(w0, h);
                int ones = DsaRounding.MakeHints(w0, w1, gamma2);
                if (ones > p.Omega)
                {
                    continue;
                }

                // Accepted: everything below becomes public.
                cTilde.CopyTo(signature);
                int offset = cTildeBytes;
                for (int j = 0; j < l; j++, offset += 32 * zBits)
                {
                    DsaEncoding.PackSubtracted(Poly(z, j), p.Gamma1, zBits, signature.Slice(offset, 32 * zBits));
                }

                DsaEncoding.PackHints(w0, k, p.Omega, signature[offset..]);
                return;
            }

            throw new CryptographicException($"{p.Name} signing did not finish within {MaxSigningAttempts} attempts: the secret key is malformed.");
        }
        finally
        {
            CryptographicOperations.ZeroMemory(MemoryMarshal.AsBytes(work));
            ArrayPool<int>.Shared.Return(rented);
            CryptographicOperations.ZeroMemory(rhoPrime);
            CryptographicOperations.ZeroMemory(w1Packed);
            CryptographicOperations.ZeroMemory(cTilde);
        }
    }

    private static bool VerifyCore(MlDsaParameterSet p, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> mu, ReadOnlySpan<byte> signature)
    {
        int k = p.K;
        int l = p.L;
        int cTildeBytes = p.Lambda / 4;
        int zBits = p.Gamma1Bits + 1;
        int w1Bytes = 32 * p.W1Bits;

        // Layout: z (l) | h (k) | w (k) | ĉ (1) | t (1) | Â (k·l).
        int size = (l + k + k + 2 + (k * l)) * N;
        int[] rented = ArrayPool<int>.Shared.Rent(size);
        Span<int> work = rented.AsSpan(0, size);
        Span<int> z = work[..(l * N)];
        Span<int> h = work.Slice(l * N, k * N);
        Span<int> w = work.Slice((l + k) * N, k * N);
        Span<int> c = work.Slice((l + k + k) * N, N);
        Span<int> t = work.Slice((l + k + k + 1) * N, N);
        Span<int> a = work.Slice((l + k + k + 2) * N, k * l * N);
        try
        {
            ReadOnlySpan<byte> cTilde = signature[..cTildeBytes];
            int offset = cTildeBytes;
            for (int j = 0; j < l; j++, offset += 32 * zBits)
            {
                DsaEncoding.UnpackSubtracted(signature.Slice(offset, 32 * zBits), p.Gamma1, zBits, Poly(z, j));
            }

            if (!DsaEncoding.UnpackHints(signature[offset..], k, p.Omega, h))
            {
                return false;
            }

            if (DsaArithmetic.ExceedsNorm(z, p.Gamma1 - p.Beta))
            {
                return false;
            }

            DsaSampling.SampleInBall(cTilde, p.Tau, c);
            DsaNtt.Forward(c);
            for (int j = 0; j < l; j++)
            {
                DsaNtt.Forward(Poly(z, j));
            }

            DsaSampling.ExpandMatrix(publicKey[..32], k, l, a);
            Span<byte> w1Packed = stackalloc byte[k * w1Bytes];
            for (int i = 0; i < k; i++)
            {
                Span<int> wi = Poly(w, i);
                wi.Clear();
                for (int j = 0; j < l; j++)
                {
                    DsaNtt.PointwiseMontgomeryAccumulate(wi, Poly(a, (i * l) + j), Poly(z, j));
                }

                // w' = A·z − c·t1·2^d
                DsaEncoding.Unpack(publicKey.Slice(32 + (i * 320), 320), 10, t);
                for (int n = 0; n < N; n++)
                {
                    t[n] <<= DsaArithmetic.D;
                }

                DsaNtt.Forward(t);
                DsaNtt.PointwiseMontgomery(t, c, t);
                DsaArithmetic.Subtract(wi, t);
                DsaArithmetic.Reduce(wi);
                DsaNtt.InverseToMont(wi);
                DsaArithmetic.CAddQ(wi);
                Span<int> hi = Poly(h, i);
                for (int n = 0; n < N; n++)
                {
                    wi[n] = DsaRounding.UseHint(wi[n], hi[n], p.Gamma2);
                }

                DsaEncoding.Pack(wi, p.W1Bits, w1Packed.Slice(i * w1Bytes, w1Bytes));
            }

            Span<byte> expected = stackalloc byte[64];
            expected = expected[..cTildeBytes];
            Keccak hc = Keccak.Shake256();
            hc.Absorb(mu);
            hc.Absorb(w1Packed);
            hc.Squeeze(expected);
            return CryptographicOperations.FixedTimeEquals(expected, cTilde);
        }
        finally
        {
            ArrayPool<int>.Shared.Return(rented);
        }
    }

    private static void CheckSignArguments(MlDsaParameterSet p, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> rnd, Span<byte> signature)
    {
        CheckLength(secretKey, p.SecretKeySize, p, "secret key", nameof(secretKey));
        CheckLength(rnd, RandomnessSize, p, "signing randomness rnd", nameof(rnd));
        CheckLength(signature, p.SignatureSize, p, "signature", nameof(signature));
    }

    private static void CheckLength(ReadOnlySpan<byte> value, int expected, MlDsaParameterSet p, string what, string paramName)
    {
        if (value.Length != expected)
        {
            throw new ArgumentException($"{p.Name} {what} must be {expected} bytes, but {value.Length} were given.", paramName);
        }
    }

    private static void CheckContext(ReadOnlySpan<byte> context)
    {
        if (context.Length > MlDsaParameterSet.MaxContextLength)
        {
            throw new ArgumentException($"ML-DSA context string must be at most {MlDsaParameterSet.MaxContextLength} bytes, but {context.Length} were given.", nameof(context));
        }
    }
}
