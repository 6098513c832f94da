namespace Jormungandr.Crypto;

/// <summary>Coefficient-wise operations on ML-KEM polynomials (256 shorts), branch-free.</summary>
internal static class KemPolynomial
{
    /// <summary>Coefficients per polynomial.</summary>
    public const int N = 256;

    /// <summary>2^32 mod q: multiplying by it in Montgomery form converts to Montgomery domain.</summary>
    private const short MontSquared = 1353;

    /// <summary>r += a.</summary>
    public static void Add(Span<short> r, ReadOnlySpan<short> a)
    {
        r = r[..N];
        a = a[..N];
        for (int i = 0; i < N; i++)
        {
            r[i] = (short)(r[i] + a[i]);
        }
    }

    /// <summary>r = a - r.</summary>
    public static void SubtractFrom(Span<short> r, ReadOnlySpan<short> a)
    {
        r = r[..N];
        a = a[..N];
        for (int i = 0; i < N; i++)
        {
            r[i] = (short)(a[i] - r[i]);
        }
    }

    /// <summary>Barrett-reduces every coefficient to its centred representative.</summary>
    public static void Reduce(Span<short> r)
    {
        r = r[..N];
        for (int i = 0; i < N; i++)
        {
            r[i] = KemReduce.BarrettReduce(r[i]);
        }
    }

    /// <summary>Multiplies every coefficient by 2^16 (into Montgomery form).</summary>
    public static void ToMontgomery(Span<short> r)
    {
        r = r[..N];
        for (int i = 0; i < N; i++)
        {
            r[i] = KemReduce.MontgomeryMultiply(r[i], MontSquared);
        }
    }

    /// <summary>NTT then reduction: the reference's poly_ntt.</summary>
    public static void Ntt(Span<short> r)
    {
        KemNtt.Forward(r);
        Reduce(r);
    }

    /// <summary>
    /// r (+)= a ∘ b in the NTT domain (FIPS 203 Alg. 11/12), with a Montgomery factor 2^-16.
    /// When <paramref name="accumulate"/> is false r is overwritten. Inputs |a|, |b| &lt; q; each term adds &lt; 2q.
    /// </summary>
    public static void BaseMultiply(Span<short> r, ReadOnlySpan<short> a, ReadOnlySpan<short> b, bool accumulate)
    {
        r = r[..N];
        a = a[..N];
        b = b[..N];
        short[] zetas = KemNtt.Zetas;
        for (int i = 0; i < N / 4; i++)
        {
            short zeta = zetas[64 + i];
            int o = 4 * i;
            short r0 = BaseMul0(a[o], a[o + 1], b[o], b[o + 1], zeta);
            short r1 = BaseMul1(a[o], a[o + 1], b[o], b[o + 1]);
            short r2 = BaseMul0(a[o + 2], a[o + 3], b[o + 2], b[o + 3], (short)-zeta);
            short r3 = BaseMul1(a[o + 2], a[o + 3], b[o + 2], b[o + 3]);
            if (accumulate)
            {
                r[o] += r0;
                r[o + 1] += r1;
                r[o + 2] += r2;
                r[o + 3] += r3;
            }
            else
            {
                r[o] = r0;
                r[o + 1] = r1;
                r[o + 2] = r2;
                r[o + 3] = r3;
            }
        }
    }

    private static short BaseMul0(short a0, short a1, short b0, short b1, short zeta) =>
        (short)(KemReduce.MontgomeryMultiply(KemReduce.MontgomeryMultiply(a1, b1), zeta) + KemReduce.MontgomeryMultiply(a0, b0));

    private static short BaseMul1(short a0, short a1, short b0, short b1) =>
        (short)(KemReduce.MontgomeryMultiply(a0, b1) + KemReduce.MontgomeryMultiply(a1, b0));
}
