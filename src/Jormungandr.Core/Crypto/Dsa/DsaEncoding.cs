namespace Jormungandr.Crypto.Dsa;

/// <summary>
/// Bit packing of FIPS 204 §7.1 (SimpleBitPack/BitPack and their inverses) and the hint encoding.
/// Loops depend only on lengths and bit widths, never on coefficient values, so decoding secrets is safe.
/// </summary>
internal static class DsaEncoding
{
    private const int N = DsaArithmetic.N;

    /// <summary>Packs 256 coefficients, each as an unsigned value of <paramref name="bits"/> bits (SimpleBitPack).</summary>
    public static void Pack(ReadOnlySpan<int> coefficients, int bits, Span<byte> destination)
    {
        PackCore(coefficients, 0, false, bits, destination);
    }

    /// <summary>Packs bias − c for each coefficient c (BitPack with a = bias − ... as FIPS 204 writes it).</summary>
    public static void PackSubtracted(ReadOnlySpan<int> coefficients, int bias, int bits, Span<byte> destination)
    {
        PackCore(coefficients, bias, true, bits, destination);
    }

    private static void PackCore(ReadOnlySpan<int> coefficients, int bias, bool subtract, int bits, Span<byte> destination)
    {
        coefficients = coefficients[..N];
        destination = destination[..(32 * bits)];
        ulong acc = 0;
        int filled = 0;
        int o = 0;
        for (int i = 0; i < N; i++)
        {
            int v = subtract ? bias - coefficients[i] : coefficients[i];
            acc |= (ulong)(uint)v << filled;
            filled += bits;
            while (filled >= 8)
            {
                destination[o++] = (byte)acc;
                acc >>= 8;
                filled -= 8;
            }
        }
    }

    /// <summary>Unpacks 256 unsigned <paramref name="bits"/>-bit values (SimpleBitUnpack).</summary>
    public static void Unpack(ReadOnlySpan<byte> source, int bits, Span<int> coefficients)
    {
        UnpackCore(source, 0, false, bits, coefficients);
    }

    /// <summary>Unpacks bias − v for each <paramref name="bits"/>-bit value v (BitUnpack).</summary>
    public static void UnpackSubtracted(ReadOnlySpan<byte> source, int bias, int bits, Span<int> coefficients)
    {
        UnpackCore(source, bias, true, bits, coefficients);
    }

    private static void UnpackCore(ReadOnlySpan<byte> source, int bias, bool subtract, int bits, Span<int> coefficients)
    {
        source = source[..(32 * bits)];
        coefficients = coefficients[..N];
        ulong mask = (1UL << bits) - 1;
        ulong acc = 0;
        int filled = 0;
        int p = 0;
        for (int i = 0; i < N; i++)
        {
            while (filled < bits)
            {
                acc |= (ulong)source[p++] << filled;
                filled += 8;
            }

            int v = (int)(acc & mask);
            acc >>= bits;
            filled -= bits;
            coefficients[i] = subtract ? bias - v : v;
        }
    }

    /// <summary>HintBitPack (Algorithm 20): positions of the ones, then the running counts per polynomial.</summary>
    public static void PackHints(ReadOnlySpan<int> hints, int k, int omega, Span<byte> destination)
    {
        destination = destination[..(omega + k)];
        destination.Clear();
        int index = 0;
        for (int i = 0; i < k; i++)
        {
            ReadOnlySpan<int> h = hints.Slice(i * N, N);
            for (int j = 0; j < N; j++)
            {
                if (h[j] != 0)
                {
                    destination[index++] = (byte)j;
                }
            }

            destination[omega + i] = (byte)index;
        }
    }

    /// <summary>
    /// HintBitUnpack (Algorithm 21) with its malformation checks (counts monotone and ≤ ω, positions strictly
    /// increasing, unused slots zero). Returns false on a malformed encoding.
    /// </summary>
    public static bool UnpackHints(ReadOnlySpan<byte> source, int k, int omega, Span<int> hints)
    {
        hints = hints[..(k * N)];
        hints.Clear();
        int index = 0;
        for (int i = 0; i < k; i++)
        {
            int end = source[omega + i];
            if (end < index || end > omega)
            {
                return false;
            }

            Span<int> h = hints.Slice(i * N, N);
            for (int j = index; j < end; j++)
            {
                if (j > index && source[j] <= source[j - 1])
                {
                    return false;
                }

                h[source[j]] = 1;
            }

            index = end;
        }

        for (int j = index; j < omega; j++)
        {
            if (source[j] != 0)
            {
                return false;
            }
        }

        return true;
    }
}
