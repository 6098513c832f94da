using System.Security.Cryptography;
using System.Text;
using Jormungandr.Crypto;
using Org.BouncyCastle.Asn1.Nist;
using Org.BouncyCastle.Asn1.X9;
using Org.BouncyCastle.Math;

namespace Jormungandr.Tests;

public class HybridKemTests
{
    [Fact]
    public void Round_trip_with_system_randomness_agrees_on_the_secret()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(SystemRandom.Instance);
        byte[] ct = new byte[HybridKem.CiphertextSize];
        byte[] ss1 = new byte[HybridKem.SharedSecretSize];
        byte[] ss2 = new byte[HybridKem.SharedSecretSize];

        HybridKem.Encapsulate(pair.PublicKey, ct, ss1, SystemRandom.Instance);
        pair.Decapsulate(ct, ss2);

        Assert.Equal(ss1, ss2);
        Assert.NotEqual(new byte[32], ss1);
        Assert.Equal(0x04, pair.PublicKey[0]);
        Assert.Equal(0x04, ct[0]);
    }

    [Fact]
    public void Same_seed_gives_identical_keys_ciphertexts_and_secrets()
    {
        (byte[] pk1, byte[] ct1, byte[] ss1) = Exchange("seed-A", "seed-B");
        (byte[] pk2, byte[] ct2, byte[] ss2) = Exchange("seed-A", "seed-B");
        (byte[] pk3, byte[] ct3, byte[] ss3) = Exchange("seed-A", "seed-C");

        Assert.Equal(pk1, pk2);
        Assert.Equal(ct1, ct2);
        Assert.Equal(ss1, ss2);
        Assert.Equal(pk1, pk3);
        Assert.NotEqual(ct1, ct3);
        Assert.NotEqual(ss1, ss3);
    }

    [Fact]
    public void Tampering_the_ML_KEM_half_changes_the_secret()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("tamper-kem"));
        byte[] ct = new byte[HybridKem.CiphertextSize];
        byte[] ss = new byte[32];
        HybridKem.Encapsulate(pair.PublicKey, ct, ss, new ShakeRandom("tamper-kem-enc"));

        foreach (int offset in new[] { 97, 500, HybridKem.CiphertextSize - 1 })
        {
            byte[] bad = (byte[])ct.Clone();
            bad[offset] ^= 0x10;
            byte[] got = new byte[32];
            pair.Decapsulate(bad, got);
            Assert.NotEqual(ss, got);
        }
    }

    [Fact]
    public void Replacing_the_P384_half_with_another_valid_point_changes_the_secret()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("tamper-ec"));
        using HybridKeyPair other = HybridKem.GenerateKeyPair(new ShakeRandom("tamper-ec-other"));
        byte[] ct = new byte[HybridKem.CiphertextSize];
        byte[] ss = new byte[32];
        HybridKem.Encapsulate(pair.PublicKey, ct, ss, new ShakeRandom("tamper-ec-enc"));

        other.PublicKey[..97].CopyTo(ct);
        byte[] got = new byte[32];
        pair.Decapsulate(ct, got);
        Assert.NotEqual(ss, got);
    }

    [Fact]
    public void A_malformed_P384_point_throws_CryptographicException()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("malformed"));
        byte[] ct = new byte[HybridKem.CiphertextSize];
        byte[] ss = new byte[32];
        HybridKem.Encapsulate(pair.PublicKey, ct, ss, new ShakeRandom("malformed-enc"));

        // Off the curve (one bit of Y flipped), compressed-form prefix, and all zeros.
        foreach (Action<byte[]> corrupt in new Action<byte[]>[] { b => b[60] ^= 1, b => b[0] = 0x02, b => Array.Clear(b, 0, 97) })
        {
            byte[] badPk = pair.PublicKey.ToArray();
            corrupt(badPk);
            Assert.Throws<CryptographicException>(() => HybridKem.Encapsulate(badPk, new byte[HybridKem.CiphertextSize], new byte[32], new ShakeRandom("x")));

            byte[] badCt = (byte[])ct.Clone();
            corrupt(badCt);
            Assert.Throws<CryptographicException>(() => pair.Decapsulate(badCt, new byte[32]));
        }
    }

    [Fact]
    public void A_malformed_ML_KEM_key_throws_CryptographicException()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("bad-ek"));
        byte[] pk = pair.PublicKey.ToArray();
        pk[97] = 0xFF; // first 12-bit coefficient becomes >= q
        pk[98] |= 0x0F;
        Assert.Throws<CryptographicException>(() => HybridKem.Encapsulate(pk, new byte[HybridKem.CiphertextSize], new byte[32], new ShakeRandom("x")));
    }

    [Fact]
    public void Wrong_lengths_throw_ArgumentException_naming_the_parameter()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("lengths"));
        byte[] pk = pair.PublicKey.ToArray();
        var e1 = Assert.Throws<ArgumentException>(() => HybridKem.Encapsulate(pk.AsSpan(1), new byte[HybridKem.CiphertextSize], new byte[32], SystemRandom.Instance));
        Assert.Equal("publicKey", e1.ParamName);
        var e2 = Assert.Throws<ArgumentException>(() => HybridKem.Encapsulate(pk, new byte[HybridKem.CiphertextSize + 1], new byte[32], SystemRandom.Instance));
        Assert.Equal("ciphertext", e2.ParamName);
        var e3 = Assert.Throws<ArgumentException>(() => HybridKem.Encapsulate(pk, new byte[HybridKem.CiphertextSize], new byte[16], SystemRandom.Instance));
        Assert.Equal("sharedSecret", e3.ParamName);
        var e4 = Assert.Throws<ArgumentException>(() => pair.Decapsulate(new byte[10], new byte[32]));
        Assert.Equal("ciphertext", e4.ParamName);
    }

    [Fact]
    public void Decapsulate_after_Dispose_throws()
    {
        HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("dispose"));
        pair.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pair.Decapsulate(new byte[HybridKem.CiphertextSize], new byte[32]));
    }

    /// <summary>
    /// Recomputes the whole exchange outside HybridKem: the scalars and ML-KEM seeds are re-derived from the
    /// same deterministic streams, ECDH is done with BouncyCastle (not the platform), ML-KEM with the
    /// internal deterministic API, and the HKDF input is assembled here from the agreed combiner definition.
    /// </summary>
    [Fact]
    public void Combiner_recomputed_independently_matches()
    {
        byte[] pk;
        byte[] ct = new byte[HybridKem.CiphertextSize];
        byte[] ss = new byte[32];
        using (HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom("kat-static")))
        {
            pk = pair.PublicKey.ToArray();
            HybridKem.Encapsulate(pk, ct, ss, new ShakeRandom("kat-ephemeral"));
            byte[] ss2 = new byte[32];
            pair.Decapsulate(ct, ss2);
            Assert.Equal(ss, ss2);
        }

        // Static draws: 48-byte scalar, then d ‖ z. Ephemeral draws: 48-byte scalar, then m.
        var staticStream = new ShakeRandom("kat-static");
        BigInteger dStatic = DrawScalar(staticStream);
        byte[] seeds = new byte[64];
        staticStream.Fill(seeds);
        var ephemeralStream = new ShakeRandom("kat-ephemeral");
        BigInteger dEphemeral = DrawScalar(ephemeralStream);
        byte[] m = new byte[32];
        ephemeralStream.Fill(m);

        X9ECParameters curve = NistNamedCurves.GetByName("P-384");
        Assert.Equal(Convert.ToHexString(curve.G.Multiply(dStatic).GetEncoded(false)), Convert.ToHexString(pk, 0, 97));
        Assert.Equal(Convert.ToHexString(curve.G.Multiply(dEphemeral).GetEncoded(false)), Convert.ToHexString(ct, 0, 97));
        byte[] ssEcdh = curve.Curve.DecodePoint(pk[..97]).Multiply(dEphemeral).Normalize().AffineXCoord.GetEncoded();
        Assert.Equal(48, ssEcdh.Length);

        var p = MlKemParameterSet.MlKem1024;
        byte[] ek = new byte[p.EncapsulationKeySize];
        MlKemManaged.GenerateKey(p, seeds[..32], seeds[32..], ek, new byte[p.DecapsulationKeySize]);
        Assert.Equal(ek, pk[97..]);
        byte[] kemCt = new byte[p.CiphertextSize];
        byte[] ssKem = new byte[32];
        MlKemManaged.Encapsulate(p, ek, m, kemCt, ssKem);
        Assert.Equal(kemCt, ct[97..]);

        byte[] ikm = [.. ssEcdh, .. ssKem, .. pk, .. ct];
        byte[] expected = HKDF.DeriveKey(
            HashAlgorithmName.SHA256,
            ikm,
            32,
            Encoding.ASCII.GetBytes("jormungandr-v2 hybrid P-384+ML-KEM-1024"),
            Encoding.ASCII.GetBytes("hybrid secret"));
        Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(ss));
    }

    private static BigInteger DrawScalar(IRandomSource random)
    {
        BigInteger n = NistNamedCurves.GetByName("P-384").N;
        byte[] d = new byte[48];
        while (true)
        {
            random.Fill(d);
            var v = new BigInteger(1, d);
            if (v.SignValue > 0 && v.CompareTo(n) < 0)
            {
                return v;
            }
        }
    }

    private static (byte[] Pk, byte[] Ct, byte[] Ss) Exchange(string staticSeed, string ephemeralSeed)
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(new ShakeRandom(staticSeed));
        byte[] ct = new byte[HybridKem.CiphertextSize];
        byte[] ss = new byte[32];
        HybridKem.Encapsulate(pair.PublicKey, ct, ss, new ShakeRandom(ephemeralSeed));
        byte[] ss2 = new byte[32];
        pair.Decapsulate(ct, ss2);
        Assert.Equal(ss, ss2);
        return (pair.PublicKey.ToArray(), ct, ss);
    }

    /// <summary>A reproducible IRandomSource: the SHAKE256 stream of a seed string.</summary>
    private sealed class ShakeRandom : IRandomSource
    {
        private Keccak _sponge = Keccak.Shake256();

        public ShakeRandom(string seed) => _sponge.Absorb(Encoding.UTF8.GetBytes(seed));

        public void Fill(Span<byte> destination) => _sponge.Squeeze(destination);
    }
}
