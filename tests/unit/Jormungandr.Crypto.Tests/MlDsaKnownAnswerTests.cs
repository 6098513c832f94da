using System.Security.Cryptography;
using Jormungandr.Crypto;
using Jormungandr.Crypto.Dsa;

namespace Jormungandr.Tests;

/// <summary>
/// Self-contained ML-DSA checks that need no vector files: a few ACVP answers kept as SHA-256 digests
/// (labelled with their vs/tcId in ../shared/vectors) and unit checks of the arithmetic building blocks.
/// </summary>
public sealed class MlDsaKnownAnswerTests
{
    [Theory]
    // ML-DSA-keyGen-FIPS204 tcId 1, 26, 51.
    [InlineData("ML-DSA-44", "7194B13C95231010AFD2C909992BD2003BA6F437C3886BDBE3F6B867A14BA161", "838b88b6ac41e2c60698173e08ca173d0b0d2839205806e56a8a3d53195f3a03", "1c911d163cd0a5563e06f22403f7e16334fee17c2abb66f11ddf39ca6307ec58")]
    [InlineData("ML-DSA-65", "A991FD42B071D49C48AE3E75C647459E0DAAD1E1BA356A04801912D3294BCFF8", "b1a7d0d2f0d7a04b9d5ffccd9bd578864dab4a01cdd7f70a05cd1f4f0672e43a", "56c53ac82fbff7d81b7a8cfbbc73011ceccad677e16dc53f2ece66d49aa11edd")]
    [InlineData("ML-DSA-87", "A16F5B0796703E2D1A0140A35CBF36EFABE70E752BA59B6A9A0E9C4B05302F73", "33f49649f05ec2fc3b050007b18ade043bbc8d1c0ded03a269d540486daaa5f4", "c64e15742f27d7d8e2832f7d55a5c014f2c9536082f3a3181cfc6246908dd649")]
    public void KeyGen_from_seed_matches_ACVP_digest(string set, string seedHex, string pkSha256, string skSha256)
    {
        MlDsaParameterSet p = MlDsaParameterSet.FromName(set);
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaManaged.GenerateKey(p, Convert.FromHexString(seedHex), pk, sk);
        Assert.Equal(pkSha256, Convert.ToHexStringLower(SHA256.HashData(pk)));
        Assert.Equal(skSha256, Convert.ToHexStringLower(SHA256.HashData(sk)));
    }

    [Theory]
    // ML-DSA-sigGen-FIPS204-tr1 tcId 66 (deterministic) and 434 (hedged): ML-DSA-65, seed key format, pure.
    [InlineData(
        "F27AEAFE891190EDC1DD6DBD9A823A02961C5A083EEE72C8B920A7B7145B945B",
        "9B",
        "467E25753C65EC46C054EC03B7916A21DB038BD322AFE7F2EDB91B4927BEE5BC3BEB5A34DAB646E2420399507A85A533524CB69AE11FDDA1B3FF2B82482F495AA567895DC4BC6D919D6DF300509AF2183C647971188B23C4481FF14747E3503603EAEB6C9EE198CCBDCE2505E426C0A447726599664D4490D3273F5D882B60C273D726113E3A8BA1FDDFBE5D1BF7EB887C7A72A7A5C30E2AFC2AA6298395AC7C2C41FCCFAE3D1EBA1A0B5D747740BB7A50C2F235A78C0370A7D54F5DF5A5AD5A54369ED6713C4A6FAF1A33A934B6FF4B879BCF31F000B2CA186E0CF9ADCDD54DB5912A768C421620F3E33559561BDEB4CEFC2BCAF362",
        "0000000000000000000000000000000000000000000000000000000000000000",
        "f38ac77d9bcbaa8826286a140a662f9d5d267febb80c494d65624ee99bba3c40")]
    [InlineData(
        "8DCA7A3D7B4A86E63533F4E639682B85F9FFCB78FB08F2588D0EF2156771477C",
        "51",
        "2CBAA1F40C1493EDEF525BF868FECC8B383EC39F4F8B083444C9FECBD9A801983E29EA536991BB1B369A1F684B406F931FEAB13D14201A170D0A85C730C9880FBAA738D891EC76E9",
        "9350BDEA38EBB8AE3D45C0EC86DE597C58974B935F16FCA5945411083B7BE1F1",
        "4169e9133bd9ed4d510c6537536a9e5fd3202aa7b079d2e3036820ec5f79a0b6")]
    public void Sign_ML_DSA_65_matches_ACVP_digest(string seedHex, string messageHex, string contextHex, string rndHex, string signatureSha256)
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaManaged.GenerateKey(p, Convert.FromHexString(seedHex), pk, sk);
        byte[] message = Convert.FromHexString(messageHex);
        byte[] context = Convert.FromHexString(contextHex);
        byte[] signature = new byte[p.SignatureSize];

        MlDsaManaged.Sign(p, sk, message, context, Convert.FromHexString(rndHex), signature);

        Assert.Equal(signatureSha256, Convert.ToHexStringLower(SHA256.HashData(signature)));
        Assert.True(MlDsaManaged.Instance.Verify(p, pk, message, context, signature));
    }

    [Theory]
    [InlineData(4, 4)]
    [InlineData(6, 5)]
    [InlineData(8, 7)]
    public void Matrix_expansion_four_way_matches_scalar_RejNTTPoly(int k, int l)
    {
        byte[] rho = new byte[32];
        new Random(k * 10 + l).NextBytes(rho);
        int[] matrix = new int[k * l * DsaArithmetic.N];
        DsaSampling.ExpandMatrix(rho, k, l, matrix);
        int[] entry = new int[DsaArithmetic.N];
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < l; j++)
            {
                DsaSampling.ExpandA(rho, i, j, entry);
                Assert.Equal(entry, matrix.AsSpan(((i * l) + j) * DsaArithmetic.N, DsaArithmetic.N).ToArray());
            }
        }
    }

    [Theory]
    [InlineData(4, 17)]
    [InlineData(5, 19)]
    [InlineData(7, 19)]
    public void Mask_expansion_four_way_matches_scalar_ExpandMask(int l, int gamma1Bits)
    {
        byte[] rhoPrime = new byte[64];
        new Random(l + gamma1Bits).NextBytes(rhoPrime);
        const int kappa = 3 * 7;
        int[] vector = new int[l * DsaArithmetic.N];
        DsaSampling.ExpandMaskVector(rhoPrime, kappa, l, gamma1Bits, vector);
        int[] single = new int[DsaArithmetic.N];
        for (int j = 0; j < l; j++)
        {
            DsaSampling.ExpandMask(rhoPrime, kappa + j, gamma1Bits, single);
            Assert.Equal(single, vector.AsSpan(j * DsaArithmetic.N, DsaArithmetic.N).ToArray());
        }
    }

    [Fact]
    public void Inverse_NTT_undoes_forward_NTT_up_to_the_Montgomery_factor()
    {
        var rng = new Random(204);
        int[] a = new int[DsaArithmetic.N];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.Next(-DsaArithmetic.Q + 1, DsaArithmetic.Q);
        }

        int[] b = (int[])a.Clone();
        DsaNtt.Forward(b);
        DsaArithmetic.Reduce(b);
        DsaNtt.InverseToMont(b);
        for (int i = 0; i < a.Length; i++)
        {
            Assert.Equal(DsaArithmetic.Freeze(a[i]), DsaArithmetic.Freeze(DsaArithmetic.MontgomeryReduce(b[i])));
        }
    }

    [Fact]
    public void NTT_product_equals_schoolbook_negacyclic_product()
    {
        var rng = new Random(65);
        int[] a = new int[DsaArithmetic.N];
        int[] b = new int[DsaArithmetic.N];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = rng.Next(-4, 5);
            b[i] = rng.Next(0, DsaArithmetic.Q);
        }

        long[] expected = new long[DsaArithmetic.N];
        for (int i = 0; i < a.Length; i++)
        {
            for (int j = 0; j < b.Length; j++)
            {
                int k = i + j;
                long term = (long)a[i] * b[j];
                if (k >= DsaArithmetic.N)
                {
                    expected[k - DsaArithmetic.N] -= term;
                }
                else
                {
                    expected[k] += term;
                }
            }
        }

        int[] c = new int[DsaArithmetic.N];
        DsaNtt.Forward(a);
        DsaNtt.Forward(b);
        DsaNtt.PointwiseMontgomery(c, a, b);
        DsaNtt.InverseToMont(c);
        for (int i = 0; i < c.Length; i++)
        {
            long want = ((expected[i] % DsaArithmetic.Q) + DsaArithmetic.Q) % DsaArithmetic.Q;
            Assert.Equal(want, DsaArithmetic.Freeze(c[i]));
        }
    }

    [Theory]
    [InlineData((8380417 - 1) / 88)]
    [InlineData((8380417 - 1) / 32)]
    public void Decompose_and_hints_agree_with_the_FIPS_204_definitions(int gamma2)
    {
        const int q = DsaArithmetic.Q;
        for (int r = 0; r < q; r += 997)
        {
            // FIPS 204 Algorithm 36 written out literally.
            int r0 = r % (2 * gamma2);
            if (r0 > gamma2)
            {
                r0 -= 2 * gamma2;
            }

            int r1;
            if (r - r0 == q - 1)
            {
                r1 = 0;
                r0--;
            }
            else
            {
                r1 = (r - r0) / (2 * gamma2);
            }

            Assert.Equal(r1, DsaRounding.Decompose(r, gamma2, out int low));
            Assert.Equal(r0, low);
        }
    }

    [Fact]
    public void Malformed_hint_encodings_are_rejected()
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        int[] hints = new int[p.K * DsaArithmetic.N];
        byte[] encoded = new byte[p.Omega + p.K];

        // Counts that decrease.
        encoded[p.Omega] = 2;
        encoded[0] = 1;
        encoded[1] = 5;
        encoded[p.Omega + 1] = 1;
        Assert.False(DsaEncoding.UnpackHints(encoded, p.K, p.Omega, hints));

        // Positions not strictly increasing.
        Array.Clear(encoded);
        encoded[0] = 5;
        encoded[1] = 5;
        for (int i = 0; i < p.K; i++)
        {
            encoded[p.Omega + i] = 2;
        }

        Assert.False(DsaEncoding.UnpackHints(encoded, p.K, p.Omega, hints));

        // Count above ω.
        Array.Clear(encoded);
        encoded[p.Omega + p.K - 1] = (byte)(p.Omega + 1);
        Assert.False(DsaEncoding.UnpackHints(encoded, p.K, p.Omega, hints));

        // Non-zero padding after the last used position.
        Array.Clear(encoded);
        encoded[3] = 9;
        Assert.False(DsaEncoding.UnpackHints(encoded, p.K, p.Omega, hints));

        // A well-formed one decodes.
        Array.Clear(encoded);
        encoded[0] = 3;
        encoded[1] = 200;
        for (int i = 0; i < p.K; i++)
        {
            encoded[p.Omega + i] = 2;
        }

        Assert.True(DsaEncoding.UnpackHints(encoded, p.K, p.Omega, hints));
        Assert.Equal(1, hints[3]);
        Assert.Equal(1, hints[200]);
        Assert.Equal(2, hints.Sum());
    }
}
