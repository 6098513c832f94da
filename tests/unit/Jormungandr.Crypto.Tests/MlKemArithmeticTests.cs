using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>The branch-free arithmetic under ML-KEM, checked against plain integer arithmetic.</summary>
public class MlKemArithmeticTests
{
    private const int Q = 3329;

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(10)]
    [InlineData(11)]
    public void Compress_and_Decompress_equal_exact_rounding_for_every_input(int d)
    {
        for (int x = 0; x < Q; x++)
        {
            // round(2^d x / q) mod 2^d with exact integer division (q is odd, so no ties)
            int expected = (int)(((2L * x << d) + Q) / (2 * Q)) & ((1 << d) - 1);
            Assert.Equal(expected, KemEncoding.Compress(x, d));
        }

        for (int y = 0; y < 1 << d; y++)
        {
            int expected = (int)(((2L * Q * y) + (1 << d)) >> (d + 1));
            Assert.Equal(expected, KemEncoding.Decompress(y, d));
        }
    }

    [Fact]
    public void Barrett_reduction_is_centred_and_congruent_for_every_short()
    {
        for (int a = short.MinValue; a <= short.MaxValue; a++)
        {
            int r = KemReduce.BarrettReduce((short)a);
            Assert.True(r >= -(Q - 1) / 2 && r <= (Q - 1) / 2, $"a={a} r={r}");
            Assert.Equal(0, (((a - r) % Q) + Q) % Q);
        }
    }

    [Fact]
    public void Montgomery_reduction_divides_by_two_to_the_16()
    {
        var rng = new Random(203);
        for (int i = 0; i < 200_000; i++)
        {
            int a = rng.Next(-Q * 32768 + 1, Q * 32768);
            int r = KemReduce.MontgomeryReduce(a);
            Assert.True(r > -Q && r < Q, $"a={a} r={r}");
            Assert.Equal(0, (((((long)r << 16) - a) % Q) + Q) % Q);
        }
    }

    [Fact]
    public void NTT_multiplication_equals_schoolbook_negacyclic_multiplication()
    {
        var rng = new Random(17);
        for (int round = 0; round < 20; round++)
        {
            short[] a = RandomPoly(rng);
            short[] b = RandomPoly(rng);

            // Schoolbook product in Z_q[X]/(X^256 + 1).
            long[] expected = new long[256];
            for (int i = 0; i < 256; i++)
            {
                for (int j = 0; j < 256; j++)
                {
                    long term = (long)a[i] * b[j];
                    if (i + j < 256)
                    {
                        expected[i + j] += term;
                    }
                    else
                    {
                        expected[i + j - 256] -= term;
                    }
                }
            }

            short[] na = (short[])a.Clone();
            short[] nb = (short[])b.Clone();
            KemPolynomial.Ntt(na);
            KemPolynomial.Ntt(nb);
            short[] c = new short[256];
            KemPolynomial.BaseMultiply(c, na, nb, accumulate: false);
            KemPolynomial.Reduce(c);
            KemNtt.Inverse(c); // the 2^16 of the inverse cancels BaseMultiply's 2^-16

            for (int i = 0; i < 256; i++)
            {
                Assert.Equal(((expected[i] % Q) + Q) % Q, ((c[i] % Q) + Q) % Q);
            }
        }
    }

    [Fact]
    public void Encode12_round_trips_and_maps_negatives_to_their_residue()
    {
        var rng = new Random(12);
        short[] a = new short[256];
        for (int i = 0; i < 256; i++)
        {
            a[i] = (short)rng.Next(-Q + 1, Q);
        }

        byte[] bytes = new byte[384];
        KemEncoding.Encode12(a, bytes);
        short[] back = new short[256];
        KemEncoding.Decode12(bytes, back);
        for (int i = 0; i < 256; i++)
        {
            Assert.Equal(((a[i] % Q) + Q) % Q, back[i]);
        }
    }

    [Fact]
    public void Vector_and_scalar_paths_are_bit_exact()
    {
        if (!KemVector.IsSupported)
        {
            return; // nothing to compare: only the scalar path exists on this CPU
        }

        var rng = new Random(256);
        for (int round = 0; round < 200; round++)
        {
            short[] a = RandomPoly(rng);
            short[] b = RandomPoly(rng);

            short[] s = (short[])a.Clone();
            short[] v = (short[])a.Clone();
            KemNtt.ForwardScalar(s);
            KemNtt.ForwardVector(v);
            Assert.Equal(s, v);

            // Wide inputs (|x| < 8q, as after an unreduced NTT) exercise the inverse's Barrett steps.
            short[] wide = new short[256];
            for (int i = 0; i < 256; i++)
            {
                wide[i] = (short)rng.Next(-8 * Q + 1, 8 * Q);
            }

            s = (short[])wide.Clone();
            v = (short[])wide.Clone();
            KemNtt.InverseScalar(s);
            KemNtt.InverseVector(v);
            Assert.Equal(s, v);

            short[] rs = RandomPoly(rng);
            short[] rv = (short[])rs.Clone();
            bool accumulate = (round & 1) == 1;
            KemPolynomial.BaseMultiplyScalar(rs, a, b, accumulate);
            KemPolynomial.BaseMultiplyVector(rv, a, b, accumulate);
            Assert.Equal(rs, rv);
        }
    }

    [Fact]
    public void Four_way_SHAKE128_equals_four_single_sponges()
    {
        if (!KemShakeX4.IsSupported)
        {
            return; // the 4-way sponge is not used on this CPU
        }

        byte[][] seeds = [new byte[34], new byte[34], new byte[0], new byte[167]];
        new Random(4).NextBytes(seeds[0]);
        new Random(5).NextBytes(seeds[1]);
        new Random(6).NextBytes(seeds[3]);
        var x4 = default(KemShakeX4);
        x4.Absorb(168, seeds[0], seeds[1], seeds[2], seeds[3]);
        byte[][] got = [new byte[5 * 168], new byte[5 * 168], new byte[5 * 168], new byte[5 * 168]];
        for (int block = 0; block < 5; block++)
        {
            x4.SqueezeBlock(got[0].AsSpan(block * 168), got[1].AsSpan(block * 168), got[2].AsSpan(block * 168), got[3].AsSpan(block * 168));
        }

        for (int lane = 0; lane < 4; lane++)
        {
            byte[] expected = System.Security.Cryptography.Shake128.HashData(seeds[lane], 5 * 168);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(got[lane]));
        }
    }

    [Fact]
    public void Four_way_SHAKE256_equals_four_single_sponges()
    {
        if (!KemShakeX4.IsSupported)
        {
            return; // the 4-way sponge is not used on this CPU
        }

        byte[][] seeds = [new byte[33], new byte[1], new byte[0], new byte[135]];
        new Random(7).NextBytes(seeds[0]);
        new Random(8).NextBytes(seeds[3]);
        var x4 = default(KemShakeX4);
        x4.Absorb(136, seeds[0], seeds[1], seeds[2], seeds[3]);
        byte[][] got = [new byte[3 * 136], new byte[3 * 136], new byte[3 * 136], new byte[3 * 136]];
        for (int block = 0; block < 3; block++)
        {
            x4.SqueezeBlock(got[0].AsSpan(block * 136), got[1].AsSpan(block * 136), got[2].AsSpan(block * 136), got[3].AsSpan(block * 136));
        }

        for (int lane = 0; lane < 4; lane++)
        {
            byte[] expected = System.Security.Cryptography.Shake256.HashData(seeds[lane], 3 * 136);
            Assert.Equal(Convert.ToHexString(expected), Convert.ToHexString(got[lane]));
        }
    }

    [Theory]
    [InlineData(4, 4, 3, 3)]
    [InlineData(5, 2, 3, 2)]
    [InlineData(7, 3, 2, 2)]
    [InlineData(9, 4, 2, 2)]
    [InlineData(8, 8, 2, 2)]
    public void Batched_noise_equals_one_PRF_call_per_polynomial(int count, int split, int eta1, int eta2)
    {
        byte[] sigma = new byte[32];
        new Random(count).NextBytes(sigma);
        short[] batch = new short[count * 256];
        KemSampling.SampleNoiseVector(sigma, count, split, eta1, eta2, batch);
        short[] one = new short[256];
        for (int i = 0; i < count; i++)
        {
            KemSampling.SampleNoise(sigma, (byte)i, i < split ? eta1 : eta2, one);
            Assert.Equal(one, batch.AsSpan(i * 256, 256).ToArray());
        }
    }

    [Theory]
    [InlineData(2, false)]
    [InlineData(3, true)]
    [InlineData(4, false)]
    [InlineData(4, true)]
    public void Matrix_sampling_equals_entry_by_entry_SampleNTT(int k, bool transposed)
    {
        var rng = new Random(k);
        for (int round = 0; round < 30; round++)
        {
            byte[] rho = new byte[32];
            rng.NextBytes(rho);
            short[] matrix = new short[k * k * 256];
            KemSampling.SampleMatrix(rho, k, transposed, matrix);
            short[] entry = new short[256];
            for (int i = 0; i < k; i++)
            {
                for (int j = 0; j < k; j++)
                {
                    // Â[i, j] = SampleNTT(ρ ‖ j ‖ i); the transpose swaps the roles.
                    KemSampling.SampleNtt(rho, (byte)(transposed ? i : j), (byte)(transposed ? j : i), entry);
                    Assert.Equal(entry, matrix.AsSpan(((i * k) + j) * 256, 256).ToArray());
                }
            }
        }
    }

    private static short[] RandomPoly(Random rng)
    {
        short[] p = new short[256];
        for (int i = 0; i < 256; i++)
        {
            p[i] = (short)rng.Next(-(Q - 1) / 2, (Q + 1) / 2);
        }

        return p;
    }
}
