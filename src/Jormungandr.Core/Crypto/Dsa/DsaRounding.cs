namespace Jormungandr.Crypto.Dsa;

/// <summary>Power2Round, Decompose, MakeHint and UseHint (FIPS 204 §7.4), branch-free where inputs are secret.</summary>
internal static class DsaRounding
{
    private const int Q = DsaArithmetic.Q;
    private const int D = DsaArithmetic.D;

    /// <summary>(a1, a0) with a = a1·2^d + a0, a in [0, q) (Algorithm 35): a1 overwrites a, a0 goes to low.</summary>
    public static void Power2Round(Span<int> a, Span<int> low)
    {
        low = low[..a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            int v = a[i];
            int a1 = (v + (1 << (D - 1)) - 1) >> D;
            low[i] = v - (a1 << D);
            a[i] = a1;
        }
    }

    /// <summary>
    /// Decompose (Algorithm 36) of a in [0, q): returns r1 and sets r0 with a ≡ r1·2γ2 + r0, the
    /// reference implementation's branch-free arithmetic.
    /// </summary>
    public static int Decompose(int a, int gamma2, out int a0)
    {
        int a1 = (a + 127) >> 7;
        if (gamma2 == (Q - 1) / 32)
        {
            a1 = ((a1 * 1025) + (1 << 21)) >> 22;
            a1 &= 15;
        }
        else
        {
            a1 = ((a1 * 11275) + (1 << 23)) >> 24;
            a1 ^= ((43 - a1) >> 31) & a1;
        }

        int r0 = a - (a1 * 2 * gamma2);
        r0 -= ((((Q - 1) / 2) - r0) >> 31) & Q;
        a0 = r0;
        return a1;
    }

    /// <summary>Decompose over a polynomial: a becomes HighBits, low gets LowBits.</summary>
    public static void Decompose(Span<int> a, Span<int> low, int gamma2)
    {
        low = low[..a.Length];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = Decompose(a[i], gamma2, out low[i]);
        }
    }

    /// <summary>
    /// Hint bit from the reference form of MakeHint: 1 iff a0 &gt; γ2, a0 &lt; −γ2, or a0 = −γ2 with a1 ≠ 0,
    /// where a0 = LowBits(w − cs2) + ct0 and a1 = HighBits(w). Computed without branches.
    /// </summary>
    public static int MakeHint(int a0, int a1, int gamma2)
    {
        int above = (gamma2 - a0) >>> 31;
        int below = (a0 + gamma2) >>> 31;
        int d = a0 + gamma2;
        int isMinus = ((d | -d) >>> 31) ^ 1;
        int nonZero = (a1 | -a1) >>> 31;
        return above | below | (isMinus & nonZero);
    }

    /// <summary>Hints for a vector: hint overwrites a0; returns the number of ones.</summary>
    public static int MakeHints(Span<int> a0, ReadOnlySpan<int> a1, int gamma2)
    {
        a1 = a1[..a0.Length];
        int count = 0;
        for (int i = 0; i < a0.Length; i++)
        {
            int h = MakeHint(a0[i], a1[i], gamma2);
            a0[i] = h;
            count += h;
        }

        return count;
    }

    /// <summary>UseHint (Algorithm 40), on public data only (verification).</summary>
    public static int UseHint(int a, int hint, int gamma2)
    {
        int a1 = Decompose(a, gamma2, out int a0);
        if (hint == 0)
        {
            return a1;
        }

        if (gamma2 == (Q - 1) / 32)
        {
            return a0 > 0 ? (a1 + 1) & 15 : (a1 - 1) & 15;
        }

        if (a0 > 0)
        {
            return a1 == 43 ? 0 : a1 + 1;
        }

        return a1 == 0 ? 43 : a1 - 1;
    }
}
