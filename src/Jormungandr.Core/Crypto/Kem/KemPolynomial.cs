using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Jormungandr.Crypto;

/// <summary>Coefficient-wise operations on ML-KEM polynomials (256 shorts), branch-free, AVX2 where available.</summary>
internal static class KemPolynomial
{
    /// <summary>Coefficients per polynomial.</summary>
    public const int N = 256;

    /// <summary>2^32 mod q: multiplying by it in Montgomery form converts to Montgomery domain.</summary>
    private const short MontSquared = 1353;

    /// <summary>
    /// Per-lane twiddles for the vector base multiplication: lane 2p+1 holds the ±ζ of pair p
    /// (ζ for the first pair of each group of four, −ζ for the second); even lanes are unused.
    /// </summary>
    private static readonly short[] PairZetas = BuildPairZetas();

    /// <summary>vpshufb control that swaps the two 16-bit halves of every 32-bit lane.</summary>
    private static readonly Vector256<byte> SwapPairs = Vector256.Create(
        (byte)2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
        2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);

    /// <summary>r += a.</summary>
    public static void Add(Span<short> r, ReadOnlySpan<short> a)
    {
        r = r[..N];
        a = a[..N];
        if (Vector256.IsHardwareAccelerated)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            ref short a0 = ref MemoryMarshal.GetReference(a);
            for (int i = 0; i < N; i += 16)
            {
                (Vector256.LoadUnsafe(ref r0, (nuint)i) + Vector256.LoadUnsafe(ref a0, (nuint)i)).StoreUnsafe(ref r0, (nuint)i);
            }

            return;
        }

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
        if (Vector256.IsHardwareAccelerated)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            ref short a0 = ref MemoryMarshal.GetReference(a);
            for (int i = 0; i < N; i += 16)
            {
                (Vector256.LoadUnsafe(ref a0, (nuint)i) - Vector256.LoadUnsafe(ref r0, (nuint)i)).StoreUnsafe(ref r0, (nuint)i);
            }

            return;
        }

        for (int i = 0; i < N; i++)
        {
            r[i] = (short)(a[i] - r[i]);
        }
    }

    /// <summary>Barrett-reduces every coefficient to its centred representative.</summary>
    public static void Reduce(Span<short> r)
    {
        r = r[..N];
        if (KemVector.IsSupported)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            for (int i = 0; i < N; i += 16)
            {
                KemVector.BarrettReduce(Vector256.LoadUnsafe(ref r0, (nuint)i)).StoreUnsafe(ref r0, (nuint)i);
            }

            return;
        }

        for (int i = 0; i < N; i++)
        {
            r[i] = KemReduce.BarrettReduce(r[i]);
        }
    }

    /// <summary>Multiplies every coefficient by 2^16 (into Montgomery form).</summary>
    public static void ToMontgomery(Span<short> r)
    {
        r = r[..N];
        if (KemVector.IsSupported)
        {
            ref short r0 = ref MemoryMarshal.GetReference(r);
            Vector256<short> f = Vector256.Create(MontSquared);
            for (int i = 0; i < N; i += 16)
            {
                KemVector.MontgomeryMultiply(Vector256.LoadUnsafe(ref r0, (nuint)i), f).StoreUnsafe(ref r0, (nuint)i);
            }

            return;
        }

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
        if (KemVector.IsSupported)
        {
            BaseMultiplyVector(r, a, b, accumulate);
        }
        else
        {
            BaseMultiplyScalar(r, a, b, accumulate);
        }
    }

    internal static void BaseMultiplyScalar(Span<short> r, ReadOnlySpan<short> a, ReadOnlySpan<short> b, bool accumulate)
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

    /// <summary>
    /// 16 coefficients (8 pairs) per step: P = a·b lane-wise gives a0b0 and a1b1; Q = a·swap(b) gives a0b1 and
    /// a1b0; even lanes take P + swap(P·ζ) and odd lanes Q + swap(Q). Bit-exact with the scalar form.
    /// </summary>
    internal static void BaseMultiplyVector(Span<short> r, ReadOnlySpan<short> a, ReadOnlySpan<short> b, bool accumulate)
    {
        ref short r0 = ref MemoryMarshal.GetReference(r[..N]);
        ref short a0 = ref MemoryMarshal.GetReference(a[..N]);
        ref short b0 = ref MemoryMarshal.GetReference(b[..N]);
        ref short z0 = ref MemoryMarshal.GetArrayDataReference(PairZetas);
        Vector256<byte> swap = SwapPairs;
        for (int i = 0; i < N; i += 16)
        {
            Vector256<short> va = Vector256.LoadUnsafe(ref a0, (nuint)i);
            Vector256<short> vb = Vector256.LoadUnsafe(ref b0, (nuint)i);
            Vector256<short> p = KemVector.MontgomeryMultiply(va, vb);
            Vector256<short> q = KemVector.MontgomeryMultiply(va, Avx2.Shuffle(vb.AsByte(), swap).AsInt16());
            Vector256<short> w = KemVector.MontgomeryMultiply(p, Vector256.LoadUnsafe(ref z0, (nuint)i));
            Vector256<short> even = p + Avx2.Shuffle(w.AsByte(), swap).AsInt16();
            Vector256<short> odd = q + Avx2.Shuffle(q.AsByte(), swap).AsInt16();
            Vector256<short> result = Avx2.Blend(even, odd, 0b1010_1010);
            if (accumulate)
            {
                result += Vector256.LoadUnsafe(ref r0, (nuint)i);
            }

            result.StoreUnsafe(ref r0, (nuint)i);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short BaseMul0(short a0, short a1, short b0, short b1, short zeta) =>
        (short)(KemReduce.MontgomeryMultiply(KemReduce.MontgomeryMultiply(a1, b1), zeta) + KemReduce.MontgomeryMultiply(a0, b0));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static short BaseMul1(short a0, short a1, short b0, short b1) =>
        (short)(KemReduce.MontgomeryMultiply(a0, b1) + KemReduce.MontgomeryMultiply(a1, b0));

    private static short[] BuildPairZetas()
    {
        var z = new short[N];
        for (int i = 0; i < N / 4; i++)
        {
            short zeta = KemNtt.Zetas[64 + i];
            z[(4 * i) + 1] = zeta;
            z[(4 * i) + 3] = (short)-zeta;
        }

        return z;
    }
}
