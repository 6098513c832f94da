using System.Security.Cryptography;
using Jormungandr.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Xunit.Abstractions;

namespace Jormungandr.Tests;

/// <summary>
/// Randomized differential tests of our ML-KEM against BouncyCastle's, an independent implementation,
/// over every parameter set: same seeds, same bytes; each side decapsulates the other's ciphertexts;
/// tampered ciphertexts and malformed keys are treated alike. Seeded: see <see cref="DifferentialRun"/>.
/// </summary>
public sealed class MlKemDifferentialTests(ITestOutputHelper output)
{
    private const int SeededCases = 400;
    private const int FreshCases = 40;
    private const int MalformedCases = 150;
    private const int Q = 3329;

    public static TheoryData<string> Sets => [.. MlKemParameterSet.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Sets))]
    public void Seeded_keys_encapsulations_and_decapsulations_match_BouncyCastle(string set)
    {
        MlKemParameterSet p = MlKemParameterSet.FromName(set);
        DifferentialRun run = new($"ML-KEM seeded {set}", output);
        for (run.Case = 0; run.Case < SeededCases; run.Case++)
        {
            byte[] d = run.Bytes(32);
            byte[] z = run.Bytes(32);
            byte[] m = run.Bytes(32);
            (byte[] ek, byte[] dk) = KeyPair(p, d, z);
            (byte[] bcEk, byte[] bcDk) = BouncyCastleMlKem.KeyFromSeed(p, d, z);
            run.Same(ek, bcEk, "encapsulation key from (d, z)");
            run.Same(dk, bcDk, "decapsulation key from (d, z)");

            byte[] ct = new byte[p.CiphertextSize];
            byte[] ss = new byte[MlKemParameterSet.SharedSecretSize];
            MlKemManaged.Encapsulate(p, ek, m, ct, ss);
            (byte[] bcCt, byte[] bcSs) = BouncyCastleMlKem.Encapsulate(p, bcEk, ScriptedRandom.Of(m));
            run.Same(ct, bcCt, "ciphertext for the same m");
            run.Same(ss, bcSs, "shared secret for the same m");

            run.Same(ss, BouncyCastleMlKem.Decapsulate(p, dk, ct), "BouncyCastle decapsulating our ciphertext under our key");
            run.Same(bcSs, Decapsulate(p, bcDk, bcCt), "our decapsulation of BouncyCastle's ciphertext under its key");

            byte[] tampered = (byte[])ct.Clone();
            run.FlipBit(tampered);
            byte[] rejected = Decapsulate(p, dk, tampered);
            run.Same(rejected, BouncyCastleMlKem.Decapsulate(p, bcDk, tampered), "implicit-rejection secret for a ciphertext with one bit flipped");
            run.Check(!rejected.AsSpan().SequenceEqual(ss), "a ciphertext with one bit flipped still gave the shared secret");
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Fresh_randomness_on_each_side_interoperates(string set)
    {
        // The product's entry points with their own randomness: our provider against BouncyCastle's
        // key generator and encapsulator. Nothing here comes from the seed, so failures carry the inputs.
        MlKemParameterSet p = MlKemParameterSet.FromName(set);
        DifferentialRun run = new($"ML-KEM fresh {set}", output);
        MLKemKeyPairGenerator generator = new();
        generator.Init(new MLKemKeyGenerationParameters(new SecureRandom(), BouncyCastleMlKem.Of(p)));
        for (run.Case = 0; run.Case < FreshCases; run.Case++)
        {
            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            byte[] bcEk = ((MLKemPublicKeyParameters)pair.Public).GetEncoded();
            byte[] bcDk = ((MLKemPrivateKeyParameters)pair.Private).GetEncoded();
            run.Note("BouncyCastle's dk", bcDk);
            byte[] ct = new byte[p.CiphertextSize];
            byte[] ss = new byte[MlKemParameterSet.SharedSecretSize];
            MlKem.Provider.Encapsulate(p, bcEk, ct, ss);
            run.Note("our ciphertext", ct);
            run.Same(ss, BouncyCastleMlKem.Decapsulate(p, bcDk, ct), "BouncyCastle decapsulating our fresh encapsulation to its key");

            byte[] ek = new byte[p.EncapsulationKeySize];
            byte[] dk = new byte[p.DecapsulationKeySize];
            MlKem.Provider.GenerateKey(p, ek, dk);
            run.Note("our dk", dk);
            (byte[] bcCt, byte[] bcSs) = BouncyCastleMlKem.Encapsulate(p, ek, new SecureRandom());
            run.Note("BouncyCastle's ciphertext", bcCt);
            byte[] got = new byte[MlKemParameterSet.SharedSecretSize];
            MlKem.Provider.Decapsulate(p, dk, bcCt, got);
            run.Same(got, bcSs, "our decapsulation of BouncyCastle's fresh encapsulation to our key");
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Malformed_keys_are_refused_or_read_alike(string set)
    {
        MlKemParameterSet p = MlKemParameterSet.FromName(set);
        DifferentialRun run = new($"ML-KEM malformed keys {set}", output);
        int coefficients = 256 * p.K;
        int pkeSize = 384 * p.K;
        for (run.Case = 0; run.Case < MalformedCases; run.Case++)
        {
            (byte[] ek, byte[] dk) = KeyPair(p, run.Bytes(32), run.Bytes(32));
            byte[] ct = new byte[p.CiphertextSize];
            byte[] ss = new byte[MlKemParameterSet.SharedSecretSize];
            MlKemManaged.Encapsulate(p, ek, run.Bytes(32), ct, ss);

            // §7.2: one coefficient of t̂ at or above q.
            byte[] badEk = (byte[])ek.Clone();
            SetCoefficient(badEk, run.Next(0, coefficients), run.Next(Q, 4096));
            run.Check(!MlKemManaged.CheckEncapsulationKey(p, badEk), "our modulus check passed a coefficient ≥ q");
            run.Check(Refuses<CryptographicException>(() => MlKemManaged.Encapsulate(p, badEk, new byte[32], new byte[p.CiphertextSize], new byte[32]), "modulus"), "we encapsulated to a key with a coefficient ≥ q");
            run.Check(Refuses<ArgumentException>(() => BouncyCastleMlKem.Encapsulate(p, badEk, ScriptedRandom.Of(new byte[32])), "Modulus check"), "BouncyCastle encapsulated to a key with a coefficient ≥ q");

            // §7.3: a flipped bit in the embedded ek or in H(ek) breaks the hash check.
            byte[] badDk = (byte[])dk.Clone();
            int bit = run.Next(pkeSize * 8, (pkeSize + p.EncapsulationKeySize + 32) * 8);
            badDk[bit / 8] ^= (byte)(1 << (bit % 8));
            run.Check(Refuses<CryptographicException>(() => Decapsulate(p, badDk, ct), "hash"), $"we decapsulated with a key whose hash check fails (bit {bit})");
            run.Check(Refuses<ArgumentException>(() => BouncyCastleMlKem.Decapsulate(p, badDk, ct), "Hash check"), $"BouncyCastle decapsulated with a key whose hash check fails (bit {bit})");

            // ByteDecode12 reads ŝ modulo q (FIPS 203 §4.2.1), and no input check covers ŝ: coefficients
            // rewritten as c + q are the same key, so both must still recover the secret.
            byte[] unreduced = (byte[])dk.Clone();
            int start = run.Next(0, coefficients);
            for (int i = 0, moved = 0; i < coefficients && moved < 8; i++)
            {
                int index = (start + i) % coefficients;
                int c = GetCoefficient(unreduced, index);
                if (c + Q < 4096)
                {
                    SetCoefficient(unreduced, index, c + Q);
                    moved++;
                }
            }

            run.Same(Decapsulate(p, unreduced, ct), ss, "our decapsulation with ŝ coefficients stored as c + q");
            run.Same(BouncyCastleMlKem.Decapsulate(p, unreduced, ct), ss, "BouncyCastle's decapsulation with ŝ coefficients stored as c + q");
        }
    }

    private static (byte[] Ek, byte[] Dk) KeyPair(MlKemParameterSet p, byte[] d, byte[] z)
    {
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        MlKemManaged.GenerateKey(p, d, z, ek, dk);
        return (ek, dk);
    }

    private static byte[] Decapsulate(MlKemParameterSet p, byte[] dk, byte[] ct)
    {
        byte[] secret = new byte[MlKemParameterSet.SharedSecretSize];
        MlKemManaged.Instance.Decapsulate(p, dk, ct, secret);
        return secret;
    }

    // True when the action throws TException for the expected reason, not for some other argument.
    private static bool Refuses<TException>(Action action, string reason)
        where TException : Exception
    {
        try
        {
            action();
            return false;
        }
        catch (TException e)
        {
            return e.Message.Contains(reason, StringComparison.Ordinal);
        }
    }

    // ByteEncode12 packs coefficient pairs into three bytes, low nibble first.
    private static int GetCoefficient(byte[] encoded, int index)
    {
        int at = 3 * (index / 2);
        return index % 2 == 0
            ? encoded[at] | ((encoded[at + 1] & 0x0F) << 8)
            : (encoded[at + 1] >> 4) | (encoded[at + 2] << 4);
    }

    private static void SetCoefficient(byte[] encoded, int index, int value)
    {
        int at = 3 * (index / 2);
        if (index % 2 == 0)
        {
            encoded[at] = (byte)value;
            encoded[at + 1] = (byte)((encoded[at + 1] & 0xF0) | (value >> 8));
        }
        else
        {
            encoded[at + 1] = (byte)((encoded[at + 1] & 0x0F) | ((value & 0x0F) << 4));
            encoded[at + 2] = (byte)(value >> 4);
        }
    }
}
