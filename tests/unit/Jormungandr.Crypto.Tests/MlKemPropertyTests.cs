using System.Security.Cryptography;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>Properties of ML-KEM over random seeds, bit positions and lengths (FsCheck).</summary>
public class MlKemPropertyTests
{
    private static Config Runs(int count) => Config.QuickThrowOnFailure.WithMaxTest(count);

    private static Gen<byte[]> Bytes(int length) => Gen.ArrayOf(ArbMap.Default.GeneratorFor<byte>(), length);

    /// <summary>A parameter set index and the seeds d, z, m.</summary>
    private static Arbitrary<(int Set, byte[] D, byte[] Z, byte[] M)> Seeds() =>
        (from set in Gen.Choose(0, 2)
         from d in Bytes(32)
         from z in Bytes(32)
         from m in Bytes(32)
         select (set, d, z, m)).ToArbitrary();

    [Fact]
    public void Decaps_of_Encaps_round_trips_for_random_seeds()
    {
        Check.One(Runs(60), Prop.ForAll(Seeds(), s =>
        {
            MlKemParameterSet p = MlKemParameterSet.All[s.Set];
            (byte[] ek, byte[] dk) = KeyPair(p, s.D, s.Z);
            byte[] ct = new byte[p.CiphertextSize];
            byte[] k1 = new byte[32];
            byte[] k2 = new byte[32];
            MlKemManaged.Encapsulate(p, ek, s.M, ct, k1);
            MlKemManaged.Instance.Decapsulate(p, dk, ct, k2);
            return k1.AsSpan().SequenceEqual(k2) && MlKemManaged.CheckEncapsulationKey(p, ek) && MlKemManaged.CheckDecapsulationKey(p, dk);
        }));
    }

    [Fact]
    public void Randomised_provider_API_round_trips()
    {
        foreach (MlKemParameterSet p in MlKemParameterSet.All)
        {
            byte[] ek = new byte[p.EncapsulationKeySize];
            byte[] dk = new byte[p.DecapsulationKeySize];
            MlKemManaged.Instance.GenerateKey(p, ek, dk);
            byte[] ct1 = new byte[p.CiphertextSize];
            byte[] ct2 = new byte[p.CiphertextSize];
            byte[] k1 = new byte[32];
            byte[] k2 = new byte[32];
            byte[] k3 = new byte[32];
            MlKemManaged.Instance.Encapsulate(p, ek, ct1, k1);
            MlKemManaged.Instance.Encapsulate(p, ek, ct2, k2);
            MlKemManaged.Instance.Decapsulate(p, dk, ct1, k3);
            Assert.Equal(k1, k3);
            Assert.NotEqual(ct1, ct2); // fresh m each time
            Assert.NotEqual(k1, k2);
        }
    }

    [Fact]
    public void Any_flipped_ciphertext_bit_gives_exactly_the_implicit_rejection_key()
    {
        Arbitrary<((int Set, byte[] D, byte[] Z, byte[] M) Seeds, int Bit)> arb =
            (from seeds in Seeds().Generator
             from bit in Gen.Choose(0, int.MaxValue)
             select (seeds, bit)).ToArbitrary();
        Check.One(Runs(60), Prop.ForAll(arb, t =>
        {
            MlKemParameterSet p = MlKemParameterSet.All[t.Seeds.Set];
            (byte[] ek, byte[] dk) = KeyPair(p, t.Seeds.D, t.Seeds.Z);
            byte[] ct = new byte[p.CiphertextSize];
            byte[] k = new byte[32];
            MlKemManaged.Encapsulate(p, ek, t.Seeds.M, ct, k);

            int bit = t.Bit % (ct.Length * 8);
            ct[bit / 8] ^= (byte)(1 << (bit % 8));
            byte[] got = new byte[32];
            MlKemManaged.Instance.Decapsulate(p, dk, ct, got);

            byte[] rejection = new byte[32];
            Keccak.Shake256([.. t.Seeds.Z, .. ct], rejection);
            return got.AsSpan().SequenceEqual(rejection) && !got.AsSpan().SequenceEqual(k);
        }));
    }

    [Fact]
    public void Wrong_lengths_throw_ArgumentException_naming_the_parameter()
    {
        Arbitrary<(int Set, int Which, int Delta)> arb =
            (from set in Gen.Choose(0, 2)
             from which in Gen.Choose(0, 12)
             from delta in Gen.Choose(-40, 40).Where(d => d != 0)
             select (set, which, delta)).ToArbitrary();
        Check.One(Runs(150), Prop.ForAll(arb, t =>
        {
            MlKemParameterSet p = MlKemParameterSet.All[t.Set];
            (byte[] ek, byte[] dk) = KeyPair(p, new byte[32], new byte[32]);
            byte[] Sized(int size) => new byte[Math.Max(0, size + t.Delta)];
            byte[] ct = new byte[p.CiphertextSize];
            (string Name, Action Call) target = t.Which switch
            {
                0 => ("d", () => MlKemManaged.GenerateKey(p, Sized(32), new byte[32], new byte[p.EncapsulationKeySize], new byte[p.DecapsulationKeySize])),
                1 => ("z", () => MlKemManaged.GenerateKey(p, new byte[32], Sized(32), new byte[p.EncapsulationKeySize], new byte[p.DecapsulationKeySize])),
                2 => ("encapsulationKey", () => MlKemManaged.GenerateKey(p, new byte[32], new byte[32], Sized(p.EncapsulationKeySize), new byte[p.DecapsulationKeySize])),
                3 => ("decapsulationKey", () => MlKemManaged.GenerateKey(p, new byte[32], new byte[32], new byte[p.EncapsulationKeySize], Sized(p.DecapsulationKeySize))),
                4 => ("encapsulationKey", () => MlKemManaged.Encapsulate(p, Sized(p.EncapsulationKeySize), new byte[32], new byte[p.CiphertextSize], new byte[32])),
                5 => ("m", () => MlKemManaged.Encapsulate(p, ek, Sized(32), new byte[p.CiphertextSize], new byte[32])),
                6 => ("ciphertext", () => MlKemManaged.Encapsulate(p, ek, new byte[32], Sized(p.CiphertextSize), new byte[32])),
                7 => ("sharedSecret", () => MlKemManaged.Encapsulate(p, ek, new byte[32], new byte[p.CiphertextSize], Sized(32))),
                8 => ("decapsulationKey", () => MlKemManaged.Instance.Decapsulate(p, Sized(p.DecapsulationKeySize), ct, new byte[32])),
                9 => ("ciphertext", () => MlKemManaged.Instance.Decapsulate(p, dk, Sized(p.CiphertextSize), new byte[32])),
                10 => ("sharedSecret", () => MlKemManaged.Instance.Decapsulate(p, dk, ct, Sized(32))),
                11 => ("encapsulationKey", () => MlKemManaged.Instance.GenerateKey(p, Sized(p.EncapsulationKeySize), new byte[p.DecapsulationKeySize])),
                _ => ("ciphertext", () => MlKemManaged.Instance.Encapsulate(p, ek, Sized(p.CiphertextSize), new byte[32])),
            };
            ArgumentException e = Assert.Throws<ArgumentException>(target.Call);
            return e.ParamName == target.Name && e.Message.Contains(p.Name, StringComparison.Ordinal) && e.Message.Contains("bytes", StringComparison.Ordinal);
        }));
    }

    [Fact]
    public void Input_checks_reject_a_key_with_a_coefficient_at_or_above_q_and_a_dk_with_a_wrong_hash()
    {
        foreach (MlKemParameterSet p in MlKemParameterSet.All)
        {
            (byte[] ek, byte[] dk) = KeyPair(p, new byte[32], new byte[32]);
            byte[] badEk = (byte[])ek.Clone();
            badEk[0] = 0x01; // first coefficient = q = 0xD01 exactly
            badEk[1] = (byte)((badEk[1] & 0xF0) | 0x0D);
            Assert.False(MlKemManaged.CheckEncapsulationKey(p, badEk));
            CryptographicException e1 = Assert.Throws<CryptographicException>(() => MlKemManaged.Encapsulate(p, badEk, new byte[32], new byte[p.CiphertextSize], new byte[32]));
            Assert.Contains("modulus", e1.Message, StringComparison.Ordinal);

            byte[] badDk = (byte[])dk.Clone();
            badDk[(768 * p.K) + 32] ^= 1; // first byte of the embedded H(ek)
            Assert.False(MlKemManaged.CheckDecapsulationKey(p, badDk));
            CryptographicException e2 = Assert.Throws<CryptographicException>(() => MlKemManaged.Instance.Decapsulate(p, badDk, new byte[p.CiphertextSize], new byte[32]));
            Assert.Contains("hash", e2.Message, StringComparison.Ordinal);

            Assert.False(MlKemManaged.CheckEncapsulationKey(p, ek.AsSpan(1)));
            Assert.False(MlKemManaged.CheckDecapsulationKey(p, dk.AsSpan(1)));
        }
    }

    private static (byte[] Ek, byte[] Dk) KeyPair(MlKemParameterSet p, byte[] d, byte[] z)
    {
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        MlKemManaged.GenerateKey(p, d, z, ek, dk);
        return (ek, dk);
    }
}
