using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Jormungandr.Crypto;

/// <summary>
/// The number-theoretic transform of ML-KEM (FIPS 203 Alg. 9/10) in the Kyber reference's Montgomery
/// form. Straight-line butterflies over public twiddle factors: no branch or index depends on data.
/// With AVX2 the layers of distance ≥ 8 run 16 or 8 butterflies at a time (bit-exact with the scalar path).
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
        if (KemVector.IsSupported)
        {
            ForwardVector(r);
        }
        else
        {
            ForwardScalar(r);
        }
    }

    /// <summary>In-place inverse NTT, multiplying by the Montgomery factor 2^16 on the way (as the reference's invntt_tomont).</summary>
    public static void Inverse(Span<short> r)
    {
        if (KemVector.IsSupported)
        {
            InverseVector(r);
        }
        else
        {
            InverseScalar(r);
        }
    }

    internal static void ForwardScalar(Span<short> r)
    {
        ref short r0 = ref MemoryMarshal.GetReference(r[..256]);
        int k = 1;
        for (int len = 128; len >= 2; len >>= 1)
        {
            ForwardLayerScalar(ref r0, len, ref k);
        }
    }

    internal static void ForwardVector(Span<short> r)
    {
        ref short r0 = ref MemoryMarshal.GetReference(r[..256]);
        short[] zetas = Zetas;
        int k = 1;
        for (int len = 128; len >= 16; len >>= 1)
        {
            for (int start = 0; start < 256; start += 2 * len)
            {
                Vector256<short> zeta = Vector256.Create(zetas[k++]);
                for (int j = start; j < start + len; j += 16)
                {
                    Vector256<short> lo = Vector256.LoadUnsafe(ref r0, (nuint)j);
                    Vector256<short> hi = Vector256.LoadUnsafe(ref r0, (nuint)(j + len));
                    Vector256<short> t = KemVector.MontgomeryMultiply(zeta, hi);
                    (lo - t).StoreUnsafe(ref r0, (nuint)(j + len));
                    (lo + t).StoreUnsafe(ref r0, (nuint)j);
                }
            }
        }

        for (int start = 0; start < 256; start += 16)
        {
            Vector128<short> zeta = Vector128.Create(zetas[k++]);
            Vector128<short> lo = Vector128.LoadUnsafe(ref r0, (nuint)start);
            Vector128<short> hi = Vector128.LoadUnsafe(ref r0, (nuint)(start + 8));
            Vector128<short> t = KemVector.MontgomeryMultiply(zeta, hi);
            (lo - t).StoreUnsafe(ref r0, (nuint)(start + 8));
            (lo + t).StoreUnsafe(ref r0, (nuint)start);
        }

        ForwardLayerScalar(ref r0, 4, ref k);
        ForwardLayerScalar(ref r0, 2, ref k);
    }

    internal static void InverseScalar(Span<short> r)
    {
        ref short r0 = ref MemoryMarshal.GetReference(r[..256]);
        int k = 127;
        for (int len = 2; len <= 128; len <<= 1)
        {
            InverseLayerScalar(ref r0, len, ref k);
        }

        for (int j = 0; j < 256; j++)
        {
            Unsafe.Add(ref r0, j) = KemReduce.MontgomeryMultiply(Unsafe.Add(ref r0, j), InverseScale);
        }
    }

    internal static void InverseVector(Span<short> r)
    {
        ref short r0 = ref MemoryMarshal.GetReference(r[..256]);
        short[] zetas = Zetas;
        int k = 127;
        InverseLayerScalar(ref r0, 2, ref k);
        InverseLayerScalar(ref r0, 4, ref k);
        for (int start = 0; start < 256; start += 16)
        {
            Vector128<short> zeta = Vector128.Create(zetas[k--]);
            Vector128<short> lo = Vector128.LoadUnsafe(ref r0, (nuint)start);
            Vector128<short> hi = Vector128.LoadUnsafe(ref r0, (nuint)(start + 8));
            KemVector.BarrettReduce(lo + hi).StoreUnsafe(ref r0, (nuint)start);
            KemVector.MontgomeryMultiply(zeta, hi - lo).StoreUnsafe(ref r0, (nuint)(start + 8));
        }

        for (int len = 16; len <= 128; len <<= 1)
        {
            for (int start = 0; start < 256; start += 2 * len)
            {
                Vector256<short> zeta = Vector256.Create(zetas[k--]);
                for (int j = start; j < start + len; j += 16)
                {
                    Vector256<short> lo = Vector256.LoadUnsafe(ref r0, (nuint)j);
                    Vector256<short> hi = Vector256.LoadUnsafe(ref r0, (nuint)(j + len));
                    KemVector.BarrettReduce(lo + hi).StoreUnsafe(ref r0, (nuint)j);
                    KemVector.MontgomeryMultiply(zeta, hi - lo).StoreUnsafe(ref r0, (nuint)(j + len));
                }
            }
        }

        Vector256<short> scale = Vector256.Create(InverseScale);
        for (int j = 0; j < 256; j += 16)
        {
            KemVector.MontgomeryMultiply(Vector256.LoadUnsafe(ref r0, (nuint)j), scale).StoreUnsafe(ref r0, (nuint)j);
        }
    }

    private static void ForwardLayerScalar(ref short r0, int len, ref int k)
    {
        short[] zetas = Zetas;
        for (int start = 0; start < 256; start += 2 * len)
        {
            short zeta = zetas[k++];
            for (int j = start; j < start + len; j++)
            {
                ref short lo = ref Unsafe.Add(ref r0, j);
                ref short hi = ref Unsafe.Add(ref r0, j + len);
                short t = KemReduce.MontgomeryMultiply(zeta, hi);
                hi = (short)(lo - t);
                lo = (short)(lo + t);
            }
        }
    }

    private static void InverseLayerScalar(ref short r0, int len, ref int k)
    {
        short[] zetas = Zetas;
        for (int start = 0; start < 256; start += 2 * len)
        {
            short zeta = zetas[k--];
            for (int j = start; j < start + len; j++)
            {
                ref short lo = ref Unsafe.Add(ref r0, j);
                ref short hi = ref Unsafe.Add(ref r0, j + len);
                short t = lo;
                lo = KemReduce.BarrettReduce((short)(t + hi));
                hi = KemReduce.MontgomeryMultiply(zeta, (short)(hi - t));
            }
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
