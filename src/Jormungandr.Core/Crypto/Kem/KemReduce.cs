using System.Runtime.CompilerServices;

namespace Jormungandr.Crypto;

/// <summary>
/// Modular arithmetic mod q = 3329 on 16-bit coefficients (as in the Kyber reference): Montgomery
/// and Barrett reduction by multiplications and shifts only, so timing never depends on the value.
/// </summary>
internal static class KemReduce
{
    /// <summary>The ML-KEM modulus.</summary>
    public const int Q = 3329;

    /// <summary>q^-1 mod 2^16 (signed).</summary>
    private const int QInv = -3327;

    /// <summary>Barrett constant round(2^26 / q).</summary>
    private const int BarrettV = ((1 << 26) + (Q / 2)) / Q;

    /// <summary>a * 2^-16 mod q, in (-q, q) for |a| &lt; q * 2^15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short MontgomeryReduce(int a)
    {
        short t = (short)(a * QInv);
        return (short)((a - (t * Q)) >> 16);
    }

    /// <summary>a * b * 2^-16 mod q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short MontgomeryMultiply(short a, short b) => MontgomeryReduce(a * b);

    /// <summary>The centred representative of a mod q, in [-(q-1)/2, (q-1)/2].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static short BarrettReduce(short a)
    {
        int t = ((BarrettV * a) + (1 << 25)) >> 26;
        return (short)(a - (t * Q));
    }

    /// <summary>Maps a value in (-q, q) to [0, q) without a branch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int ToPositive(short a) => a + ((a >> 15) & Q);
}
