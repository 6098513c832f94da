namespace Jormungandr.Crypto;

/// <summary>
/// The number-theoretic transform of ML-KEM (FIPS 203 Alg. 9/10) in the Kyber reference's Montgomery
/// form. Straight-line butterflies over public twiddle factors: no branch or index depends on data.
/// </summary>
internal static class KemNtt
{
    /// <summary>ζ^BitRev7(i) * 2^16 mod q for i in [0, 128), centred; ζ = 17.</summary>
    internal static readonly short[] Zetas = BuildZetas();

    /// <summary>2^32 / 128 mod q: undoes the Montgomery factor of the inverse and divides by 128.</summary>
    private const short InverseScale = 1441;

    /// <summary>In-place forward NTT. Input |a| &lt; q; output |a| &lt; 8q (call <see cref="KemPolynomial.Reduce"/> after).</summary>
    public static void Forward(Span<short> r)
    {
        r = r[..256];
        short[] zetas = Zetas;
        int k = 1;
        for (int len = 128; len >= 2; len >>= 1)
        {
            for (int start = 0; start < 256; start += 2 * len)
            {
                short zeta = zetas[k++];
                Span<short> lo = r.Slice(start, len);
                Span<short> hi = r.Slice(start + len, len);
                for (int j = 0; j < lo.Length; j++)
                {
                    short t = KemReduce.MontgomeryMultiply(zeta, hi[j]);
                    hi[j] = (short)(lo[j] - t);
                    lo[j] = (short)(lo[j] + t);
                }
            }
        }
    }

    /// <summary>In-place inverse NTT, multiplying by the Montgomery factor 2^16 on the way (as the reference's invntt_tomont).</summary>
    public static void Inverse(Span<short> r)
    {
        r = r[..256];
        short[] zetas = Zetas;
        int k = 127;
        for (int len = 2; len <= 128; len <<= 1)
        {
            for (int start = 0; start < 256; start += 2 * len)
            {
                short zeta = zetas[k--];
                Span<short> lo = r.Slice(start, len);
                Span<short> hi = r.Slice(start + len, len);
                for (int j = 0; j < lo.Length; j++)
                {
                    short t = lo[j];
                    lo[j] = KemReduce.BarrettReduce((short)(t + hi[j]));
                    hi[j] = KemReduce.MontgomeryMultiply(zeta, (short)(hi[j] - t));
                }
            }
        }

        for (int j = 0; j < 256; j++)
        {
            r[j] = KemReduce.MontgomeryMultiply(r[j], InverseScale);
        }
    }

    private static short[] BuildZetas()
    {
        var zetas = new short[128];
        for (int i = 0; i < 128; i++)
        {
            int rev = 0;
            for (int b = 0; b < 7; b++)
            {
                rev |= ((i >> b) & 1) << (6 - b);
            }

            long v = 1;
            for (int e = 0; e < rev; e++)
            {
                v = v * 17 % KemReduce.Q;
            }

            v = v * 65536 % KemReduce.Q;
            if (v > KemReduce.Q / 2)
            {
                v -= KemReduce.Q;
            }

            zetas[i] = (short)v;
        }

        return zetas;
    }
}
