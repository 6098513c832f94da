using System.Runtime.CompilerServices;

namespace Jormungandr.Crypto.Dsa;

/// <summary>Arithmetic modulo q = 8380417 on int coefficients, branch-free (FIPS 204 §2.3, reference-style).</summary>
internal static class DsaArithmetic
{
    /// <summary>The modulus q = 2^23 − 2^13 + 1.</summary>
    public const int Q = 8380417;

    /// <summary>Coefficients per polynomial.</summary>
    public const int N = 256;

    /// <summary>Dropped bits of t (d).</summary>
    public const int D = 13;

    /// <summary>q^-1 mod 2^32.</summary>
    public const int QInv = 58728449;

    /// <summary>For |a| &lt; 2^31·q returns r ≡ a·2^-32 (mod q) with |r| &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int MontgomeryReduce(long a)
    {
        int t = unchecked((int)a * QInv);
        return (int)((a - ((long)t * Q)) >> 32);
    }

    /// <summary>For a ≤ 2^31 − 2^22 − 1 returns r ≡ a (mod q) with −6283008 ≤ r ≤ 6283008.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Reduce32(int a)
    {
        int t = (a + (1 << 22)) >> 23;
        return a - (t * Q);
    }

    /// <summary>Adds q when a is negative (a &gt; −q): result in [0, q) for |a| &lt; q.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CAddQ(int a) => a + ((a >> 31) & Q);

    /// <summary>The standard representative in [0, q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Freeze(int a) => CAddQ(Reduce32(a));

    /// <summary>Reduce32 on every coefficient.</summary>
    public static void Reduce(Span<int> a)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = Reduce32(a[i]);
        }
    }

    /// <summary>CAddQ on every coefficient.</summary>
    public static void CAddQ(Span<int> a)
    {
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = CAddQ(a[i]);
        }
    }

    /// <summary>a += b, coefficient-wise (no reduction).</summary>
    public static void Add(Span<int> a, ReadOnlySpan<int> b)
    {
        b = b[..a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] += b[i];
        }
    }

    /// <summary>a −= b, coefficient-wise (no reduction).</summary>
    public static void Subtract(Span<int> a, ReadOnlySpan<int> b)
    {
        b = b[..a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] -= b[i];
        }
    }

    /// <summary>
    /// True when some coefficient has |a| ≥ bound (infinity norm check, coefficients reduced by Reduce32).
    /// Scans every coefficient and accumulates without branching: only the overall verdict is revealed.
    /// </summary>
    public static bool ExceedsNorm(ReadOnlySpan<int> a, int bound)
    {
        int acc = 0;
        for (int i = 0; i < a.Length; i++)
        {
            int v = a[i];
            int abs = v - ((v >> 31) & (2 * v));
            acc |= (bound - 1 - abs) >> 31;
        }

        return acc != 0;
    }
}
