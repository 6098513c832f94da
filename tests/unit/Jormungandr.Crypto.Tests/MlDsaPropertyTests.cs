using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>Properties of ML-DSA over random messages, contexts, keys and bit positions (FsCheck).</summary>
public sealed class MlDsaPropertyTests
{
    private static readonly Lazy<(byte[] Pk, byte[] Sk)>[] Keys =
    [
        new(() => MakeKeys(MlDsaParameterSet.MlDsa44)),
        new(() => MakeKeys(MlDsaParameterSet.MlDsa65)),
        new(() => MakeKeys(MlDsaParameterSet.MlDsa87)),
    ];

    private static Config Runs(int count) => Config.QuickThrowOnFailure.WithMaxTest(count);

    // (parameter set index, message, context ≤ 255 bytes)
    private static Arbitrary<(int Set, byte[] Message, byte[] Context)> Inputs() =>
        (from set in Gen.Choose(0, 2)
         from message in ArbMap.Default.GeneratorFor<byte[]>()
         from contextLength in Gen.Choose(0, 255)
         from context in Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), contextLength)
         select (set, message, context)).ToArbitrary();

    [Fact]
    public void Sign_then_verify_round_trips_hedged_and_deterministic()
    {
        Check.One(Runs(40), Prop.ForAll(Inputs(), input =>
        {
            MlDsaParameterSet p = MlDsaParameterSet.All[input.Set];
            (byte[] pk, byte[] sk) = Keys[input.Set].Value;
            byte[] hedged = new byte[p.SignatureSize];
            byte[] deterministic = new byte[p.SignatureSize];
            byte[] again = new byte[p.SignatureSize];
            MlDsaManaged.Instance.Sign(p, sk, input.Message, input.Context, hedged);
            MlDsaManaged.Instance.Sign(p, sk, input.Message, input.Context, deterministic, deterministic: true);
            MlDsaManaged.Instance.Sign(p, sk, input.Message, input.Context, again, deterministic: true);
            return MlDsaManaged.Instance.Verify(p, pk, input.Message, input.Context, hedged)
                && MlDsaManaged.Instance.Verify(p, pk, input.Message, input.Context, deterministic)
                && deterministic.AsSpan().SequenceEqual(again);
        }));
    }

    [Fact]
    public void Fresh_random_keys_sign_and_verify()
    {
        Check.One(Runs(15), Prop.ForAll(Gen.Choose(0, 2).ToArbitrary(), set =>
        {
            MlDsaParameterSet p = MlDsaParameterSet.All[set];
            (byte[] pk, byte[] sk) = MakeKeys(p);
            byte[] message = "fresh key"u8.ToArray();
            byte[] signature = new byte[p.SignatureSize];
            MlDsaManaged.Instance.Sign(p, sk, message, [], signature);
            return MlDsaManaged.KeyPairMatches(p, pk, sk) && MlDsaManaged.Instance.Verify(p, pk, message, [], signature);
        }));
    }

    [Fact]
    public void Verify_rejects_one_flipped_bit_in_message_signature_or_context()
    {
        Arbitrary<((int Set, byte[] Message, byte[] Context) Input, int Target, int Bit)> arb =
            (from input in Inputs().Generator
             from target in Gen.Choose(0, 2)
             from bit in Gen.Choose(0, int.MaxValue)
             select (input, target, bit)).ToArbitrary();
        Check.One(Runs(60), Prop.ForAll(arb, t =>
        {
            MlDsaParameterSet p = MlDsaParameterSet.All[t.Input.Set];
            (byte[] pk, byte[] sk) = Keys[t.Input.Set].Value;
            byte[] message = t.Input.Message.Length == 0 ? [0x42] : (byte[])t.Input.Message.Clone();
            byte[] context = t.Input.Context.Length == 0 ? [0x17] : (byte[])t.Input.Context.Clone();
            byte[] signature = new byte[p.SignatureSize];
            MlDsaManaged.Instance.Sign(p, sk, message, context, signature);
            if (!MlDsaManaged.Instance.Verify(p, pk, message, context, signature))
            {
                return false;
            }

            byte[] target = t.Target switch { 0 => message, 1 => signature, _ => context };
            int bit = t.Bit % (target.Length * 8);
            target[bit / 8] ^= (byte)(1 << (bit % 8));
            return !MlDsaManaged.Instance.Verify(p, pk, message, context, signature);
        }));
    }

    [Fact]
    public void Bit_flips_across_all_signature_fields_are_rejected_for_ML_DSA_65()
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        (byte[] pk, byte[] sk) = Keys[1].Value;
        byte[] message = "exhaustive"u8.ToArray();
        byte[] signature = new byte[p.SignatureSize];
        MlDsaManaged.Instance.Sign(p, sk, message, [], signature, deterministic: true);
        Assert.True(MlDsaManaged.Instance.Verify(p, pk, message, [], signature));

        // Every byte of c̃ and of the hint encoding, and every 16th byte of z; the flipped bit rotates.
        int zStart = p.Lambda / 4;
        int hintStart = p.SignatureSize - (p.Omega + p.K);
        for (int i = 0; i < signature.Length; i++)
        {
            if (i >= zStart && i < hintStart && (i - zStart) % 16 != 0)
            {
                continue;
            }

            signature[i] ^= (byte)(1 << (i % 8));
            Assert.False(MlDsaManaged.Instance.Verify(p, pk, message, [], signature), $"bit flip at byte {i} accepted");
            signature[i] ^= (byte)(1 << (i % 8));
        }
    }

    [Fact]
    public void Wrong_lengths_and_long_contexts_throw_ArgumentException()
    {
        Arbitrary<(int Set, int Which, int Delta)> arb =
            (from set in Gen.Choose(0, 2)
             from which in Gen.Choose(0, 9)
             from delta in Gen.Choose(-40, 40).Where(d => d != 0)
             select (set, which, delta)).ToArbitrary();
        Check.One(Runs(100), Prop.ForAll(arb, t =>
        {
            MlDsaParameterSet p = MlDsaParameterSet.All[t.Set];
            (byte[] pk, byte[] sk) = Keys[t.Set].Value;
            int Len(int n) => Math.Max(0, n + t.Delta);
            byte[] msg = [1, 2, 3];
            Action act = t.Which switch
            {
                0 => () => MlDsaManaged.Instance.Verify(p, new byte[Len(p.PublicKeySize)], msg, [], new byte[p.SignatureSize]),
                1 => () => MlDsaManaged.Instance.Verify(p, pk, msg, [], new byte[Len(p.SignatureSize)]),
                2 => () => MlDsaManaged.Instance.Sign(p, new byte[Len(p.SecretKeySize)], msg, [], new byte[p.SignatureSize]),
                3 => () => MlDsaManaged.Instance.Sign(p, sk, msg, [], new byte[Len(p.SignatureSize)]),
                4 => () => MlDsaManaged.Sign(p, sk, msg, [], new byte[Len(32)], new byte[p.SignatureSize]),
                5 => () => MlDsaManaged.GenerateKey(p, new byte[Len(32)], new byte[p.PublicKeySize], new byte[p.SecretKeySize]),
                6 => () => MlDsaManaged.Instance.GenerateKey(p, new byte[Len(p.PublicKeySize)], new byte[p.SecretKeySize]),
                7 => () => MlDsaManaged.KeyPairMatches(p, pk, new byte[Len(p.SecretKeySize)]),
                8 => () => MlDsaManaged.Instance.Sign(p, sk, msg, new byte[256 + Math.Abs(t.Delta)], new byte[p.SignatureSize]),
                _ => () => MlDsaManaged.Instance.Verify(p, pk, msg, new byte[256 + Math.Abs(t.Delta)], new byte[p.SignatureSize]),
            };
            try
            {
                act();
                return false;
            }
            catch (ArgumentException e)
            {
                return e.Message.Contains("bytes", StringComparison.Ordinal);
            }
        }));
    }

    [Fact]
    public void Verify_never_throws_on_random_signatures_of_the_right_length()
    {
        Check.One(Runs(60), Prop.ForAll(Gen.Choose(0, 2).ToArbitrary(), set =>
        {
            MlDsaParameterSet p = MlDsaParameterSet.All[set];
            byte[] signature = new byte[p.SignatureSize];
            Random.Shared.NextBytes(signature);
            return !MlDsaManaged.Instance.Verify(p, Keys[set].Value.Pk, "m"u8, [], signature);
        }));
    }

    [Fact]
    public void Random_secret_keys_of_the_right_length_sign_or_fail_cleanly()
    {
        Check.One(Runs(10), Prop.ForAll(Gen.Choose(0, 2).ToArbitrary(), set =>
        {
            MlDsaParameterSet p = MlDsaParameterSet.All[set];
            byte[] sk = new byte[p.SecretKeySize];
            Random.Shared.NextBytes(sk);
            byte[] signature = new byte[p.SignatureSize];
            try
            {
                MlDsaManaged.Instance.Sign(p, sk, "m"u8, [], signature);
            }
            catch (System.Security.Cryptography.CryptographicException)
            {
                // Documented outcome for a key whose secrets are far out of range.
            }

            // Whatever was produced must not verify under an unrelated public key.
            return !MlDsaManaged.Instance.Verify(p, Keys[set].Value.Pk, "m"u8, [], signature);
        }));
    }

    [Fact]
    public void Deterministic_flag_equals_all_zero_rnd()
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        (_, byte[] sk) = Keys[1].Value;
        byte[] viaFlag = new byte[p.SignatureSize];
        byte[] viaRnd = new byte[p.SignatureSize];
        MlDsaManaged.Instance.Sign(p, sk, "same"u8, "ctx"u8, viaFlag, deterministic: true);
        MlDsaManaged.Sign(p, sk, "same"u8, "ctx"u8, new byte[MlDsaManaged.RandomnessSize], viaRnd);
        Assert.Equal(viaFlag, viaRnd);
    }

    [Fact]
    public void KeyPairMatches_rejects_another_key_pair()
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        (byte[] pk, byte[] sk) = Keys[1].Value;
        (byte[] otherPk, byte[] otherSk) = MakeKeys(p);
        Assert.True(MlDsaManaged.KeyPairMatches(p, pk, sk));
        Assert.False(MlDsaManaged.KeyPairMatches(p, otherPk, sk));
        Assert.False(MlDsaManaged.KeyPairMatches(p, pk, otherSk));
    }

    [Fact]
    public void DerivePublicKey_recovers_the_public_key()
    {
        foreach (MlDsaParameterSet p in MlDsaParameterSet.All)
        {
            (byte[] pk, byte[] sk) = MakeKeys(p);
            byte[] derived = new byte[p.PublicKeySize];
            MlDsaManaged.DerivePublicKey(p, sk, derived);
            Assert.Equal(pk, derived);
        }
    }

    private static (byte[] Pk, byte[] Sk) MakeKeys(MlDsaParameterSet p)
    {
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaManaged.Instance.GenerateKey(p, pk, sk);
        return (pk, sk);
    }
}
