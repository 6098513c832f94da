using System.Buffers.Binary;

namespace Jormungandr.Crypto.Dsa;

/// <summary>The samplers of FIPS 204 §7.3: RejNTTPoly, RejBoundedPoly, ExpandMask and SampleInBall.</summary>
internal static class DsaSampling
{
    private const int N = DsaArithmetic.N;
    private const int Q = DsaArithmetic.Q;

    /// <summary>
    /// A[row][column] = RejNTTPoly(ρ ‖ column ‖ row) (Algorithms 30, 32). Public data: branches are fine.
    /// </summary>
    public static void ExpandA(ReadOnlySpan<byte> rho, int row, int column, Span<int> a)
    {
        Span<byte> seed = stackalloc byte[34];
        rho[..32].CopyTo(seed);
        seed[32] = (byte)column;
        seed[33] = (byte)row;
        Keccak xof = Keccak.Shake128();
        xof.Absorb(seed);

        // Five blocks (840 bytes, a multiple of 3) suffice with overwhelming probability.
        Span<byte> buf = stackalloc byte[5 * Keccak.Shake128Rate];
        xof.Squeeze(buf);
        int count = RejectUniform(a, 0, buf);
        Span<byte> block = buf[..Keccak.Shake128Rate];
        while (count < N)
        {
            xof.Squeeze(block);
            count = RejectUniform(a, count, block);
        }
    }

    /// <summary>
    /// The whole matrix Â (k·l polynomials, row-major) from ρ. Four entries at a time through the AVX2
    /// four-way SHAKE128 shared with ML-KEM when available (same bytes as the scalar sponge), the rest scalar.
    /// </summary>
    public static void ExpandMatrix(ReadOnlySpan<byte> rho, int k, int l, Span<int> a)
    {
        int total = k * l;
        int index = 0;
        if (KemShakeX4.IsSupported)
        {
            for (; index + 4 <= total; index += 4)
            {
                ExpandFour(rho, index, l, a);
            }
        }

        for (; index < total; index++)
        {
            ExpandA(rho, index / l, index % l, a.Slice(index * N, N));
        }
    }

    private static void ExpandFour(ReadOnlySpan<byte> rho, int first, int l, Span<int> a)
    {
        Span<byte> seeds = stackalloc byte[4 * 34];
        for (int t = 0; t < 4; t++)
        {
            Span<byte> seed = seeds.Slice(t * 34, 34);
            rho[..32].CopyTo(seed);
            seed[32] = (byte)((first + t) % l);
            seed[33] = (byte)((first + t) / l);
        }

        var xof = default(KemShakeX4);
        xof.Absorb(Keccak.Shake128Rate, seeds[..34], seeds.Slice(34, 34), seeds.Slice(68, 34), seeds.Slice(102, 34));
        const int rate = Keccak.Shake128Rate;
        Span<byte> blocks = stackalloc byte[4 * rate];
        Span<int> counts = stackalloc int[4];
        while (counts[0] < N || counts[1] < N || counts[2] < N || counts[3] < N)
        {
            xof.SqueezeBlock(blocks[..rate], blocks.Slice(rate, rate), blocks.Slice(2 * rate, rate), blocks.Slice(3 * rate, rate));
            for (int t = 0; t < 4; t++)
            {
                if (counts[t] < N)
                {
                    counts[t] = RejectUniform(a.Slice((first + t) * N, N), counts[t], blocks.Slice(t * rate, rate));
                }
            }
        }
    }

    private static int RejectUniform(Span<int> a, int count, ReadOnlySpan<byte> buf)
    {
        int pos = 0;
        while (count < N && pos + 3 <= buf.Length)
        {
            int t = buf[pos] | (buf[pos + 1] << 8) | ((buf[pos + 2] & 0x7F) << 16);
            pos += 3;
            if (t < Q)
            {
                a[count++] = t;
            }
        }

        return count;
    }

    /// <summary>
    /// RejBoundedPoly(ρ' ‖ nonce) (Algorithm 31): coefficients in [−η, η]. Which nibbles are rejected
    /// depends on discarded hash output only; accepted values are mapped without branches.
    /// </summary>
    public static void ExpandEta(ReadOnlySpan<byte> rhoPrime, int nonce, int eta, Span<int> a)
    {
        Span<byte> seed = stackalloc byte[66];
        rhoPrime[..64].CopyTo(seed);
        BinaryPrimitives.WriteUInt16LittleEndian(seed[64..], (ushort)nonce);
        Keccak xof = Keccak.Shake256();
        xof.Absorb(seed);
        Span<byte> buf = stackalloc byte[Keccak.Shake256Rate];
        int count = 0;
        while (count < N)
        {
            xof.Squeeze(buf);
            for (int i = 0; i < buf.Length && count < N; i++)
            {
                int z0 = buf[i] & 0x0F;
                int z1 = buf[i] >> 4;
                if (eta == 2)
                {
                    // 2 − (z mod 5) for z < 15; z mod 5 = z − 5·⌊205z/1024⌋.
                    if (z0 < 15)
                    {
                        a[count++] = 2 - (z0 - (((205 * z0) >> 10) * 5));
                    }

                    if (z1 < 15 && count < N)
                    {
                        a[count++] = 2 - (z1 - (((205 * z1) >> 10) * 5));
                    }
                }
                else
                {
                    if (z0 < 9)
                    {
                        a[count++] = 4 - z0;
                    }

                    if (z1 < 9 && count < N)
                    {
                        a[count++] = 4 - z1;
                    }
                }
            }
        }

        buf.Clear();
        seed.Clear();
        xof.Clear();
    }

    /// <summary>
    /// ExpandMask (Algorithm 34) for the whole vector y (l polynomials, nonces κ..κ+l−1), four at a time
    /// through the 4-way SHAKE256 when available. Lane-wise bit operations and fixed-length unpacking only.
    /// </summary>
    public static void ExpandMaskVector(ReadOnlySpan<byte> rhoPrime, int kappa, int l, int gamma1Bits, Span<int> y)
    {
        int j = 0;
        if (KemShakeX4.IsSupported)
        {
            for (; j + 4 <= l; j += 4)
            {
                ExpandMaskFour(rhoPrime, kappa + j, gamma1Bits, y.Slice(j * N, 4 * N));
            }
        }

        for (; j < l; j++)
        {
            ExpandMask(rhoPrime, kappa + j, gamma1Bits, y.Slice(j * N, N));
        }
    }

    private static void ExpandMaskFour(ReadOnlySpan<byte> rhoPrime, int nonce, int gamma1Bits, Span<int> y)
    {
        const int rate = Keccak.Shake256Rate;
        const int blocks = 5; // ⌈32·20 / 136⌉ covers both 18- and 20-bit packings.
        Span<byte> seeds = stackalloc byte[4 * 66];
        for (int t = 0; t < 4; t++)
        {
            Span<byte> seed = seeds.Slice(t * 66, 66);
            rhoPrime[..64].CopyTo(seed);
            BinaryPrimitives.WriteUInt16LittleEndian(seed[64..], (ushort)(nonce + t));
        }

        Span<byte> output = stackalloc byte[4 * blocks * rate];
        var xof = default(KemShakeX4);
        xof.Absorb(rate, seeds[..66], seeds.Slice(66, 66), seeds.Slice(132, 66), seeds.Slice(198, 66));
        int stride = blocks * rate;
        for (int b = 0; b < blocks; b++)
        {
            xof.SqueezeBlock(
                output.Slice((0 * stride) + (b * rate), rate),
                output.Slice((1 * stride) + (b * rate), rate),
                output.Slice((2 * stride) + (b * rate), rate),
                output.Slice((3 * stride) + (b * rate), rate));
        }

        int bits = gamma1Bits + 1;
        for (int t = 0; t < 4; t++)
        {
            DsaEncoding.UnpackSubtracted(output.Slice(t * stride, 32 * bits), 1 << gamma1Bits, bits, y.Slice(t * N, N));
        }

        xof.Clear();
        output.Clear();
        seeds.Clear();
    }

    /// <summary>One polynomial of ExpandMask (Algorithm 34): y = γ1 − BitUnpack(H(ρ'' ‖ nonce)), branch-free.</summary>
    public static void ExpandMask(ReadOnlySpan<byte> rhoPrime, int nonce, int gamma1Bits, Span<int> y)
    {
        Span<byte> seed = stackalloc byte[66];
        rhoPrime[..64].CopyTo(seed);
        BinaryPrimitives.WriteUInt16LittleEndian(seed[64..], (ushort)nonce);
        int bits = gamma1Bits + 1;
        Span<byte> buf = stackalloc byte[32 * 20];
        Span<byte> used = buf[..(32 * bits)];
        Keccak xof = Keccak.Shake256();
        xof.Absorb(seed);
        xof.Squeeze(used);
        DsaEncoding.UnpackSubtracted(used, 1 << gamma1Bits, bits, y);
        used.Clear();
        seed.Clear();
        xof.Clear();
    }

    /// <summary>
    /// SampleInBall(c̃) (Algorithm 29): τ coefficients ±1, the rest 0. Like the reference implementation it
    /// branches and indexes on the hash of c̃. c is public for the signature returned; for rejected attempts
    /// this timing is the reference implementation's accepted trade-off, noted here for reviewers.
    /// </summary>
    public static void SampleInBall(ReadOnlySpan<byte> cTilde, int tau, Span<int> c)
    {
        Keccak xof = Keccak.Shake256();
        xof.Absorb(cTilde);
        Span<byte> buf = stackalloc byte[Keccak.Shake256Rate];
        xof.Squeeze(buf);
        ulong signs = BinaryPrimitives.ReadUInt64LittleEndian(buf);
        int pos = 8;
        c = c[..N];
        c.Clear();
        for (int i = N - tau; i < N; i++)
        {
            int b;
            do
            {
                if (pos >= buf.Length)
                {
                    xof.Squeeze(buf);
                    pos = 0;
                }

                b = buf[pos++];
            }
            while (b > i);

            c[i] = c[b];
            c[b] = 1 - (2 * (int)(signs & 1));
            signs >>= 1;
        }

        xof.Clear();
        buf.Clear();
    }
}
