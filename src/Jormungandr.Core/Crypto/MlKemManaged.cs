using System.Runtime.CompilerServices;
using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// Managed ML-KEM (FIPS 203) for ML-KEM-512/768/1024. Constant-time in secret data: the NTT,
/// sampling of secrets, decoding and decapsulation use no secret-dependent branch or index, and
/// implicit rejection is a masked select. Secret intermediates live on the stack and are wiped.
/// </summary>
public sealed class MlKemManaged : IMlKemProvider
{
    private const int PolyBytes = 384;
    private const int SeedSize = MlKemParameterSet.SeedSize;
    private const int SecretSize = MlKemParameterSet.SharedSecretSize;

    private MlKemManaged()
    {
    }

    /// <summary>The shared instance (stateless, thread-safe).</summary>
    public static MlKemManaged Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "managed";

    /// <inheritdoc />
    public void GenerateKey(MlKemParameterSet parameters, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        Span<byte> seeds = stackalloc byte[2 * SeedSize];
        try
        {
            RandomNumberGenerator.Fill(seeds);
            GenerateKey(parameters, seeds[..SeedSize], seeds[SeedSize..], encapsulationKey, decapsulationKey);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seeds);
        }
    }

    /// <inheritdoc />
    public void Encapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        Span<byte> m = stackalloc byte[SeedSize];
        try
        {
            RandomNumberGenerator.Fill(m);
            Encapsulate(parameters, encapsulationKey, m, ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(m);
        }
    }

    /// <inheritdoc />
    public void Decapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret) =>
        DecapsulateCore(parameters, decapsulationKey, ciphertext, sharedSecret);

    /// <summary>
    /// ML-KEM.KeyGen_internal(d, z) (FIPS 203 Alg. 16): deterministic key generation from the seeds
    /// d and z (32 bytes each). dk = dkPke ‖ ek ‖ H(ek) ‖ z.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not have the size the parameter set requires.</exception>
    public static void GenerateKey(MlKemParameterSet parameters, ReadOnlySpan<byte> d, ReadOnlySpan<byte> z, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequireLength(d, SeedSize, parameters, nameof(d));
        RequireLength(z, SeedSize, parameters, nameof(z));
        RequireLength(encapsulationKey, parameters.EncapsulationKeySize, parameters, nameof(encapsulationKey));
        RequireLength(decapsulationKey, parameters.DecapsulationKeySize, parameters, nameof(decapsulationKey));

        int pkeSize = PolyBytes * parameters.K;
        int ekSize = parameters.EncapsulationKeySize;
        KemPke.KeyGen(parameters, d, encapsulationKey, decapsulationKey[..pkeSize]);
        encapsulationKey.CopyTo(decapsulationKey.Slice(pkeSize, ekSize));
        Keccak.Sha3_256(encapsulationKey, decapsulationKey.Slice(pkeSize + ekSize, 32));
        z.CopyTo(decapsulationKey.Slice(pkeSize + ekSize + 32, SeedSize));
    }

    /// <summary>
    /// ML-KEM.Encaps_internal(ek, m) (FIPS 203 Alg. 17) with the caller's 32-byte randomness m, after
    /// the encapsulation-key check of §7.2.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not have the size the parameter set requires.</exception>
    /// <exception cref="CryptographicException">The encapsulation key fails the modulus check.</exception>
    public static void Encapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> encapsulationKey, ReadOnlySpan<byte> m, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequireLength(encapsulationKey, parameters.EncapsulationKeySize, parameters, nameof(encapsulationKey));
        RequireLength(m, SeedSize, parameters, nameof(m));
        RequireLength(ciphertext, parameters.CiphertextSize, parameters, nameof(ciphertext));
        RequireLength(sharedSecret, SecretSize, parameters, nameof(sharedSecret));
        if (!CheckEncapsulationKey(parameters, encapsulationKey))
        {
            throw new CryptographicException($"{parameters.Name} encapsulation key rejected: a coefficient is not reduced modulo q (FIPS 203 §7.2 modulus check).");
        }

        Span<byte> input = stackalloc byte[64];
        Span<byte> kr = stackalloc byte[64];
        try
        {
            // (K, r) = G(m ‖ H(ek))
            m.CopyTo(input);
            Keccak.Sha3_256(encapsulationKey, input[32..]);
            Keccak.Sha3_512(input, kr);
            KemPke.Encrypt(parameters, encapsulationKey, m, kr[32..], ciphertext);
            kr[..32].CopyTo(sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(kr);
        }
    }

    /// <summary>
    /// ML-KEM.Decaps_internal(dk, c) (FIPS 203 Alg. 18) after the decapsulation-key check of §7.3.
    /// A ciphertext that does not re-encrypt identically yields the implicit-rejection key
    /// J(z ‖ c), chosen by a constant-time masked select.
    /// </summary>
    internal static void DecapsulateCore(MlKemParameterSet parameters, ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        RequireLength(decapsulationKey, parameters.DecapsulationKeySize, parameters, nameof(decapsulationKey));
        RequireLength(ciphertext, parameters.CiphertextSize, parameters, nameof(ciphertext));
        RequireLength(sharedSecret, SecretSize, parameters, nameof(sharedSecret));
        if (!CheckDecapsulationKey(parameters, decapsulationKey))
        {
            throw new CryptographicException($"{parameters.Name} decapsulation key rejected: the embedded H(ek) does not match the embedded ek (FIPS 203 §7.3 hash check).");
        }

        int pkeSize = PolyBytes * parameters.K;
        int ekSize = parameters.EncapsulationKeySize;
        ReadOnlySpan<byte> dkPke = decapsulationKey[..pkeSize];
        ReadOnlySpan<byte> ek = decapsulationKey.Slice(pkeSize, ekSize);
        ReadOnlySpan<byte> h = decapsulationKey.Slice(pkeSize + ekSize, 32);
        ReadOnlySpan<byte> z = decapsulationKey.Slice(pkeSize + ekSize + 32, SeedSize);

        Span<byte> input = stackalloc byte[64];
        Span<byte> kr = stackalloc byte[64];
        Span<byte> rejection = stackalloc byte[SecretSize];
        Span<byte> reencrypted = stackalloc byte[1568];
        reencrypted = reencrypted[..parameters.CiphertextSize];
        try
        {
            // m' = Decrypt(dkPke, c); (K', r') = G(m' ‖ h); c' = Encrypt(ek, m', r')
            KemPke.Decrypt(parameters, dkPke, ciphertext, input[..32]);
            h.CopyTo(input[32..]);
            Keccak.Sha3_512(input, kr);
            KemPke.Encrypt(parameters, ek, input[..32], kr[32..], reencrypted);

            // K̄ = J(z ‖ c) = SHAKE256(z ‖ c, 32)
            Keccak j = Keccak.Shake256();
            j.Absorb(z);
            j.Absorb(ciphertext);
            j.Squeeze(rejection);
            j.Clear();

            // mask = 0xFF when c == c', else 0x00; no branch on the comparison.
            bool equal = CryptographicOperations.FixedTimeEquals(ciphertext, reencrypted);
            int mask = -Unsafe.BitCast<bool, byte>(equal);
            for (int i = 0; i < SecretSize; i++)
            {
                sharedSecret[i] = (byte)(rejection[i] ^ (mask & (kr[i] ^ rejection[i])));
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(input);
            CryptographicOperations.ZeroMemory(kr);
            CryptographicOperations.ZeroMemory(rejection);
            CryptographicOperations.ZeroMemory(reencrypted);
        }
    }

    /// <summary>
    /// The encapsulation-key input check of FIPS 203 §7.2: right length, and every 12-bit coefficient
    /// of t̂ below q (ByteEncode12(ByteDecode12(ek)) == ek). Public data, so it may return early.
    /// </summary>
    public static bool CheckEncapsulationKey(MlKemParameterSet parameters, ReadOnlySpan<byte> encapsulationKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (encapsulationKey.Length != parameters.EncapsulationKeySize)
        {
            return false;
        }

        ReadOnlySpan<byte> t = encapsulationKey[..(PolyBytes * parameters.K)];
        for (int i = 0; i < t.Length; i += 3)
        {
            int b0 = t[i];
            int b1 = t[i + 1];
            int b2 = t[i + 2];
            if ((b0 | ((b1 & 0x0F) << 8)) >= KemReduce.Q || ((b1 >> 4) | (b2 << 4)) >= KemReduce.Q)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The decapsulation-key input check of FIPS 203 §7.3: right length, and the embedded hash equals
    /// H(ek) = SHA3-256 of the embedded encapsulation key.
    /// </summary>
    public static bool CheckDecapsulationKey(MlKemParameterSet parameters, ReadOnlySpan<byte> decapsulationKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (decapsulationKey.Length != parameters.DecapsulationKeySize)
        {
            return false;
        }

        int pkeSize = PolyBytes * parameters.K;
        int ekSize = parameters.EncapsulationKeySize;
        Span<byte> hash = stackalloc byte[32];
        Keccak.Sha3_256(decapsulationKey.Slice(pkeSize, ekSize), hash);
        return CryptographicOperations.FixedTimeEquals(hash, decapsulationKey.Slice(pkeSize + ekSize, 32));
    }

    /// <summary>Throws <see cref="ArgumentException"/> naming the parameter and the size it must have.</summary>
    internal static void RequireLength(ReadOnlySpan<byte> span, int expected, MlKemParameterSet parameters, string name)
    {
        if (span.Length != expected)
        {
            throw new ArgumentException($"{name} must be {expected} bytes for {parameters.Name}, but is {span.Length} bytes.", name);
        }
    }
}
