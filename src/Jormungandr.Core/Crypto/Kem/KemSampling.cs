using System.Buffers.Binary;

namespace Jormungandr.Crypto;

/// <summary>
/// ML-KEM samplers: SampleNTT (FIPS 203 Alg. 7) for the public matrix Â, and SamplePolyCBD (Alg. 8)
/// over PRF = SHAKE256 for the secret and error vectors.
/// </summary>
internal static class KemSampling
{
    /// <summary>
    /// Â entry from SHAKE128(ρ ‖ x ‖ y) by rejection sampling. Public data, so the data-dependent
    /// branches here leak nothing secret. For Â[i, j] pass x = j, y = i.
    /// </summary>
    public static void SampleNtt(ReadOnlySpan<byte> rho, byte x, byte y, Span<short> a)
    {
        a = a[..KemPolynomial.N];
        Span<byte> seed = stackalloc byte[34];
        rho[..32].CopyTo(seed);
        seed[32] = x;
        seed[33] = y;
        Keccak xof = Keccak.Shake128();
        xof.Absorb(seed);

        // Three blocks give 256 coefficients with probability > 99.9%; continue block by block otherwise.
        Span<byte> buf = stackalloc byte[3 * Keccak.Shake128Rate];
        xof.Squeeze(buf);
        int count = RejectUniform(a, buf);
        while (count < KemPolynomial.N)
        {
            Span<byte> block = buf[..Keccak.Shake128Rate];
            xof.Squeeze(block);
            count += RejectUniform(a[count..], block);
        }
    }

    /// <summary>
    /// The whole k×k matrix Â (or its transpose) into <paramref name="a"/>, entry (i, j) at (i k + j) * 256.
    /// With AVX2 four entries share one 4-way SHAKE128; otherwise entry by entry.
    /// </summary>
    public static void SampleMatrix(ReadOnlySpan<byte> rho, int k, bool transposed, Span<short> a)
    {
        int count = k * k;
        if (!KemShakeX4.IsSupported)
        {
            for (int e = 0; e < count; e++)
            {
                (byte x, byte y) = Indices(e, k, transposed);
                SampleNtt(rho, x, y, a.Slice(e * KemPolynomial.N, KemPolynomial.N));
            }

            return;
        }

        for (int e = 0; e < count; e += 4)
        {
            SampleNtt4(rho, k, transposed, e, count, a);
        }
    }

    /// <summary>(x, y) appended to ρ for matrix entry e: Â[i, j] uses ρ ‖ j ‖ i, its transpose ρ ‖ i ‖ j.</summary>
    private static (byte X, byte Y) Indices(int e, int k, bool transposed)
    {
        int i = e / k;
        int j = e % k;
        return transposed ? ((byte)i, (byte)j) : ((byte)j, (byte)i);
    }

    /// <summary>Entries first..first+3 (those below count) with one 4-way sponge; extra lanes are computed and dropped.</summary>
    private static void SampleNtt4(ReadOnlySpan<byte> rho, int k, bool transposed, int first, int count, Span<short> a)
    {
        const int blockBytes = Keccak.Shake128Rate;
        Span<byte> seeds = stackalloc byte[4 * 34];
        Span<byte> buf = stackalloc byte[4 * 3 * blockBytes];
        Span<int> filled = stackalloc int[4];
        Span<short> scratch = stackalloc short[KemPolynomial.N];
        for (int lane = 0; lane < 4; lane++)
        {
            Span<byte> seed = seeds.Slice(lane * 34, 34);
            rho[..32].CopyTo(seed);
            (byte x, byte y) = Indices(Math.Min(first + lane, count - 1), k, transposed);
            seed[32] = x;
            seed[33] = y;
        }

        var xof = default(KemShakeX4);
        xof.Absorb(blockBytes, seeds[..34], seeds.Slice(34, 34), seeds.Slice(68, 34), seeds.Slice(102, 34));
        int per = 3 * blockBytes;
        for (int block = 0; block < 3; block++)
        {
            int o = block * blockBytes;
            xof.SqueezeBlock(buf.Slice(o, blockBytes), buf.Slice(per + o, blockBytes), buf.Slice((2 * per) + o, blockBytes), buf.Slice((3 * per) + o, blockBytes));
        }

        bool done = true;
        for (int lane = 0; lane < 4; lane++)
        {
            Span<short> dest = first + lane < count ? a.Slice((first + lane) * KemPolynomial.N, KemPolynomial.N) : scratch;
            filled[lane] = RejectUniform(dest, buf.Slice(lane * per, per));
            done &= filled[lane] == KemPolynomial.N;
        }

        // Rare (< 1% per entry): keep squeezing one block per lane until every lane has 256 coefficients.
        while (!done)
        {
            xof.SqueezeBlock(buf[..blockBytes], buf.Slice(per, blockBytes), buf.Slice(2 * per, blockBytes), buf.Slice(3 * per, blockBytes));
            done = true;
            for (int lane = 0; lane < 4; lane++)
            {
                Span<short> dest = first + lane < count ? a.Slice((first + lane) * KemPolynomial.N, KemPolynomial.N) : scratch;
                filled[lane] += RejectUniform(dest[filled[lane]..], buf.Slice(lane * per, blockBytes));
                done &= filled[lane] == KemPolynomial.N;
            }
        }
    }

    /// <summary>Parses 12-bit candidates from <paramref name="buf"/>, keeping those below q; returns how many were written.</summary>
    private static int RejectUniform(Span<short> r, ReadOnlySpan<byte> buf)
    {
        int count = 0;
        int pos = 0;
        while (count < r.Length && pos + 3 <= buf.Length)
        {
            int b0 = buf[pos];
            int b1 = buf[pos + 1];
            int b2 = buf[pos + 2];
            pos += 3;
            int d1 = b0 | ((b1 & 0x0F) << 8);
            int d2 = (b1 >> 4) | (b2 << 4);
            if (d1 < KemReduce.Q)
            {
                r[count++] = (short)d1;
            }

            if (d2 < KemReduce.Q && count < r.Length)
            {
                r[count++] = (short)d2;
            }
        }

        return count;
    }

    /// <summary>
    /// SamplePolyCBD_η(PRF_η(σ, nonce)) into r: centred binomial noise, computed with bit arithmetic
    /// (no branches or table lookups on the secret bits). The PRF output is wiped.
    /// </summary>
    public static void SampleNoise(ReadOnlySpan<byte> sigma, byte nonce, int eta, Span<short> r)
    {
        r = r[..KemPolynomial.N];
        Span<byte> input = stackalloc byte[33];
        sigma[..32].CopyTo(input);
        input[32] = nonce;
        Span<byte> buf = stackalloc byte[64 * 3];
        buf = buf[..(64 * eta)];
        Keccak prf = Keccak.Shake256();
        prf.Absorb(input);
        prf.Squeeze(buf);
        prf.Clear();
        if (eta == 2)
        {
            Cbd2(buf, r);
        }
        else
        {
            Cbd3(buf, r);
        }

        System.Security.Cryptography.CryptographicOperations.ZeroMemory(buf);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(input);
    }

    /// <summary>
    /// Noise polynomials i = 0..count-1 into dest (256 shorts each), polynomial i being
    /// SamplePolyCBD_η(PRF_η(σ, i)) with η = eta1 for i &lt; split, else eta2. With AVX2 four PRF
    /// calls share one 4-way SHAKE256. Equal to calling <see cref="SampleNoise"/> per polynomial (tested).
    /// </summary>
    public static void SampleNoiseVector(ReadOnlySpan<byte> sigma, int count, int split, int eta1, int eta2, Span<short> dest)
    {
        if (!KemShakeX4.IsSupported)
        {
            for (int i = 0; i < count; i++)
            {
                SampleNoise(sigma, (byte)i, i < split ? eta1 : eta2, dest.Slice(i * KemPolynomial.N, KemPolynomial.N));
            }

            return;
        }

        const int rate = Keccak.Shake256Rate;
        const int blocks = 2; // 64 η ≤ 192 bytes ≤ two blocks of 136
        Span<byte> seeds = stackalloc byte[4 * 33];
        Span<byte> buf = stackalloc byte[4 * blocks * rate];
        try
        {
            for (int first = 0; first < count; first += 4)
            {
                for (int lane = 0; lane < 4; lane++)
                {
                    Span<byte> seed = seeds.Slice(lane * 33, 33);
                    sigma[..32].CopyTo(seed);
                    seed[32] = (byte)(first + lane);
                }

                int maxEta = Math.Max(first < split ? eta1 : eta2, Math.Min(first + 3, count - 1) < split ? eta1 : eta2);
                int needed = (64 * maxEta) > rate ? 2 : 1;
                int per = blocks * rate;
                var prf = default(KemShakeX4);
                prf.Absorb(rate, seeds[..33], seeds.Slice(33, 33), seeds.Slice(66, 33), seeds.Slice(99, 33));
                for (int b = 0; b < needed; b++)
                {
                    int o = b * rate;
                    prf.SqueezeBlock(buf.Slice(o, rate), buf.Slice(per + o, rate), buf.Slice((2 * per) + o, rate), buf.Slice((3 * per) + o, rate));
                }

                prf.Clear();
                for (int lane = 0; lane < 4 && first + lane < count; lane++)
                {
                    int i = first + lane;
                    int eta = i < split ? eta1 : eta2;
                    Span<short> r = dest.Slice(i * KemPolynomial.N, KemPolynomial.N);
                    ReadOnlySpan<byte> bytes = buf.Slice(lane * per, 64 * eta);
                    if (eta == 2)
                    {
                        Cbd2(bytes, r);
                    }
                    else
                    {
                        Cbd3(bytes, r);
                    }
                }
            }
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(buf);
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(seeds);
        }
    }

    private static void Cbd2(ReadOnlySpan<byte> buf, Span<short> r)
    {
        for (int i = 0; i < KemPolynomial.N / 8; i++)
        {
            uint t = BinaryPrimitives.ReadUInt32LittleEndian(buf.Slice(4 * i, 4));
            uint d = (t & 0x55555555u) + ((t >> 1) & 0x55555555u);
            for (int j = 0; j < 8; j++)
            {
                int a = (int)((d >> (4 * j)) & 0x3);
                int b = (int)((d >> ((4 * j) + 2)) & 0x3);
                r[(8 * i) + j] = (short)(a - b);
            }
        }
    }

    private static void Cbd3(ReadOnlySpan<byte> buf, Span<short> r)
    {
        for (int i = 0; i < KemPolynomial.N / 4; i++)
        {
            int o = 3 * i;
            uint t = buf[o] | ((uint)buf[o + 1] << 8) | ((uint)buf[o + 2] << 16);
            uint d = (t & 0x00249249u) + ((t >> 1) & 0x00249249u) + ((t >> 2) & 0x00249249u);
            for (int j = 0; j < 4; j++)
            {
                int a = (int)((d >> (6 * j)) & 0x7);
                int b = (int)((d >> ((6 * j) + 3)) & 0x7);
                r[(4 * i) + j] = (short)(a - b);
            }
        }
    }
}
