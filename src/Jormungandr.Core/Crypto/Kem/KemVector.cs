using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Jormungandr.Crypto;

/// <summary>
/// SIMD forms of <see cref="KemReduce"/> (16 or 8 coefficients at once), bit-exact with the scalar code:
/// Montgomery as hi(a·b) − hi(lo(lo(a·b)·q⁻¹)·q), Barrett as ((hi(a·v) + 2^9) &gt;&gt; 10). Lane-wise
/// arithmetic only, so as constant-time as the scalar code.
/// </summary>
internal static class KemVector
{
    /// <summary>True when the 256-bit paths can run.</summary>
    public static bool IsSupported => Avx2.IsSupported;

    private const short QInv = -3327;
    private const short BarrettV = 20159;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> MontgomeryMultiply(Vector256<short> a, Vector256<short> b)
    {
        Vector256<short> lo = Avx2.MultiplyLow(a, b);
        Vector256<short> hi = Avx2.MultiplyHigh(a, b);
        Vector256<short> t = Avx2.MultiplyLow(lo, Vector256.Create(QInv));
        return Avx2.Subtract(hi, Avx2.MultiplyHigh(t, Vector256.Create((short)KemReduce.Q)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<short> BarrettReduce(Vector256<short> a)
    {
        Vector256<short> t = Avx2.MultiplyHigh(a, Vector256.Create(BarrettV));
        t = Avx2.ShiftRightArithmetic(Avx2.Add(t, Vector256.Create((short)512)), 10);
        return Avx2.Subtract(a, Avx2.MultiplyLow(t, Vector256.Create((short)KemReduce.Q)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<short> MontgomeryMultiply(Vector128<short> a, Vector128<short> b)
    {
        Vector128<short> lo = Sse2.MultiplyLow(a, b);
        Vector128<short> hi = Sse2.MultiplyHigh(a, b);
        Vector128<short> t = Sse2.MultiplyLow(lo, Vector128.Create(QInv));
        return Sse2.Subtract(hi, Sse2.MultiplyHigh(t, Vector128.Create((short)KemReduce.Q)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<short> BarrettReduce(Vector128<short> a)
    {
        Vector128<short> t = Sse2.MultiplyHigh(a, Vector128.Create(BarrettV));
        t = Sse2.ShiftRightArithmetic(Sse2.Add(t, Vector128.Create((short)512)), 10);
        return Sse2.Subtract(a, Sse2.MultiplyLow(t, Vector128.Create((short)KemReduce.Q)));
    }
}
