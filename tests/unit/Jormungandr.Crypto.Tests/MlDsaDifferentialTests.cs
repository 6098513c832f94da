using System.Security.Cryptography;
using Jormungandr.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;
using Xunit.Abstractions;

namespace Jormungandr.Tests;

/// <summary>
/// Randomized differential tests of our ML-DSA against BouncyCastle's, an independent implementation,
/// over every parameter set: same ξ, same keys; same rnd (zero or not), same signature; each verifies the
/// other's signatures; one flipped bit in signature, message or context is rejected by both. BouncyCastle
/// draws rnd from its random source exactly once per signature, so a scripted source makes hedged
/// signatures reproducible too. Seeded: see <see cref="DifferentialRun"/>.
/// </summary>
public sealed class MlDsaDifferentialTests(ITestOutputHelper output)
{
    private const int SeededCases = 200;
    private const int PreHashCases = 25;
    private const int FreshCases = 15;

    public static TheoryData<string> Sets => [.. MlDsaParameterSet.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Sets))]
    public void Seeded_keys_and_signatures_match_BouncyCastle(string set)
    {
        MlDsaParameterSet p = MlDsaParameterSet.FromName(set);
        DifferentialRun run = new($"ML-DSA seeded {set}", output);
        for (run.Case = 0; run.Case < SeededCases; run.Case++)
        {
            byte[] seed = run.Bytes(MlDsaParameterSet.SeedSize);
            byte[] message = Message(run);
            byte[] context = run.Bytes(run.Next(0, MlDsaParameterSet.MaxContextLength + 1));
            byte[] rnd = run.Bytes(MlDsaManaged.RandomnessSize);

            (byte[] pk, byte[] sk) = KeyPair(p, seed);
            (byte[] bcPk, byte[] bcSk) = BouncyCastleMlDsa.KeyFromSeed(p, seed);
            run.Same(pk, bcPk, "public key from ξ");
            run.Same(sk, bcSk, "secret key from ξ");

            byte[] deterministic = Sign(p, sk, message, context, new byte[MlDsaManaged.RandomnessSize]);
            run.Same(deterministic, BouncyCastleMlDsa.Sign(p, bcSk, message, context, rnd: null), "deterministic signature");
            byte[] hedged = Sign(p, sk, message, context, rnd);
            byte[] bcHedged = BouncyCastleMlDsa.Sign(p, bcSk, message, context, rnd);
            run.Same(hedged, bcHedged, "hedged signature with the same rnd");

            run.Check(BouncyCastleMlDsa.Verify(p, pk, message, context, deterministic), "BouncyCastle rejected our deterministic signature");
            run.Check(BouncyCastleMlDsa.Verify(p, pk, message, context, hedged), "BouncyCastle rejected our hedged signature");
            run.Check(MlDsaManaged.Instance.Verify(p, bcPk, message, context, bcHedged), "we rejected BouncyCastle's hedged signature");

            // One flipped bit in the signature (half of them in the hint encoding, whose malformed forms
            // both must refuse), the message or the context; an empty one gains a byte instead.
            byte[] signature = (byte[])bcHedged.Clone();
            int hintStart = p.SignatureSize - (p.Omega + p.K);
            string target;
            switch (run.Next(0, 4))
            {
                case 0:
                    target = $"signature bit {run.FlipBit(signature)}";
                    break;
                case 3:
                    target = $"hint bit {run.FlipBit(signature, hintStart, signature.Length)}";
                    break;
                case 1 when message.Length > 0:
                    target = $"message bit {run.FlipBit(message)}";
                    break;
                case 2 when context.Length > 0:
                    target = $"context bit {run.FlipBit(context)}";
                    break;
                case 1:
                    message = [.. run.Bytes(1)];
                    target = "message gained a byte";
                    break;
                default:
                    context = [.. run.Bytes(1)];
                    target = "context gained a byte";
                    break;
            }

            run.Check(!MlDsaManaged.Instance.Verify(p, pk, message, context, signature), $"we accepted a tampered signature ({target})");
            run.Check(!BouncyCastleMlDsa.Verify(p, bcPk, message, context, signature), $"BouncyCastle accepted a tampered signature ({target})");
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void HashMLDsa_with_SHA_512_matches_BouncyCastle(string set)
    {
        MlDsaParameterSet p = MlDsaParameterSet.FromName(set);
        DifferentialRun run = new($"HashML-DSA SHA2-512 {set}", output);
        for (run.Case = 0; run.Case < PreHashCases; run.Case++)
        {
            (byte[] pk, byte[] sk) = KeyPair(p, run.Bytes(MlDsaParameterSet.SeedSize));
            byte[] message = Message(run);
            byte[] context = run.Bytes(run.Next(0, MlDsaParameterSet.MaxContextLength + 1));
            byte[] rnd = run.Bytes(MlDsaManaged.RandomnessSize);

            byte[] ours = new byte[p.SignatureSize];
            MlDsaManaged.SignPreHash(p, sk, "SHA2-512", message, context, rnd, ours);
            byte[] theirs = BouncyCastleMlDsa.SignSha512(p, sk, message, context, rnd);
            run.Same(ours, theirs, "HashML-DSA signature with the same rnd");
            run.Check(BouncyCastleMlDsa.VerifySha512(p, pk, message, context, ours), "BouncyCastle rejected our HashML-DSA signature");
            run.Check(MlDsaManaged.VerifyPreHash(p, pk, "SHA2-512", message, context, theirs), "we rejected BouncyCastle's HashML-DSA signature");

            // The same bytes are no pure ML-DSA signature, on either side (domain separation).
            run.Check(!MlDsaManaged.Instance.Verify(p, pk, message, context, ours), "we accepted a HashML-DSA signature as pure ML-DSA");
            run.Check(!BouncyCastleMlDsa.Verify(p, pk, message, context, ours), "BouncyCastle accepted a HashML-DSA signature as pure ML-DSA");
        }
    }

    [Theory]
    [MemberData(nameof(Sets))]
    public void Fresh_randomness_on_each_side_interoperates(string set)
    {
        // The product's entry points with their own randomness: our provider against BouncyCastle's key
        // generator and hedged signer. Nothing here comes from the seed, so failures carry the keys.
        MlDsaParameterSet p = MlDsaParameterSet.FromName(set);
        DifferentialRun run = new($"ML-DSA fresh {set}", output);
        MLDsaKeyPairGenerator generator = new();
        generator.Init(new MLDsaKeyGenerationParameters(new SecureRandom(), BouncyCastleMlDsa.Of(p)));
        for (run.Case = 0; run.Case < FreshCases; run.Case++)
        {
            byte[] message = Message(run);
            byte[] context = run.Bytes(run.Next(0, MlDsaParameterSet.MaxContextLength + 1));

            byte[] pk = new byte[p.PublicKeySize];
            byte[] sk = new byte[p.SecretKeySize];
            MlDsa.Provider.GenerateKey(p, pk, sk);
            run.Note("our pk", pk);
            byte[] ours = new byte[p.SignatureSize];
            MlDsa.Provider.Sign(p, sk, message, context, ours);
            run.Note("our signature", ours);
            run.Check(BouncyCastleMlDsa.Verify(p, pk, message, context, ours), "BouncyCastle rejected our fresh hedged signature");

            AsymmetricCipherKeyPair pair = generator.GenerateKeyPair();
            byte[] bcPk = ((MLDsaPublicKeyParameters)pair.Public).GetEncoded();
            run.Note("BouncyCastle's pk", bcPk);
            byte[] rnd = RandomNumberGenerator.GetBytes(MlDsaManaged.RandomnessSize);
            run.Note("rnd", rnd);
            byte[] theirs = BouncyCastleMlDsa.Sign(p, ((MLDsaPrivateKeyParameters)pair.Private).GetEncoded(), message, context, rnd);
            run.Note("BouncyCastle's signature", theirs);
            run.Check(MlDsa.Provider.Verify(p, bcPk, message, context, theirs), "we rejected BouncyCastle's fresh hedged signature");
        }
    }

    // Mostly short messages, now and then one over a SHAKE block boundary or a few kilobytes.
    private static byte[] Message(DifferentialRun run) =>
        run.Bytes(run.Next(0, 8) switch
        {
            0 => 0,
            7 => run.Next(1, 4097),
            _ => run.Next(1, 300),
        });

    private static (byte[] Pk, byte[] Sk) KeyPair(MlDsaParameterSet p, byte[] seed)
    {
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaManaged.GenerateKey(p, seed, pk, sk);
        return (pk, sk);
    }

    private static byte[] Sign(MlDsaParameterSet p, byte[] sk, byte[] message, byte[] context, byte[] rnd)
    {
        byte[] signature = new byte[p.SignatureSize];
        MlDsaManaged.Sign(p, sk, message, context, rnd, signature);
        return signature;
    }
}
