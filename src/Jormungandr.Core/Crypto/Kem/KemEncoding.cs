namespace Jormungandr.Crypto;

/// <summary>
/// ByteEncode/ByteDecode (FIPS 203 Alg. 5/6) and Compress/Decompress (§4.2.1). Compression divides
/// by q with a multiply-and-shift, never a division instruction (whose timing varies with the operand).
/// </summary>
internal static class KemEncoding
{
    /// <summary>ceil(2^40 / q): floor(t / q) == (t * M) &gt;&gt; 40 for every t &lt; 2^23.</summary>
    private const ulong DivQMultiplier = ((1UL << 40) + KemReduce.Q - 1) / KemReduce.Q;

    /// <summary>ByteEncode12 of a polynomial with coefficients in (-q, q): 384 bytes.</summary>
    public static void Encode12(ReadOnlySpan<short> a, Span<byte> r)
    {
        a = a[..KemPolynomial.N];
        r = r[..384];
        for (int i = 0; i < KemPolynomial.N / 2; i++)
        {
            int t0 = KemReduce.ToPositive(a[2 * i]);
            int t1 = KemReduce.ToPositive(a[(2 * i) + 1]);
            r[3 * i] = (byte)t0;
            r[(3 * i) + 1] = (byte)((t0 >> 8) | (t1 << 4));
            r[(3 * i) + 2] = (byte)(t1 >> 4);
        }
    }

    /// <summary>ByteDecode12 without the mod-q reduction: coefficients in [0, 4096).</summary>
    public static void Decode12(ReadOnlySpan<byte> a, Span<short> r)
    {
        a = a[..384];
        r = r[..KemPolynomial.N];
        for (int i = 0; i < KemPolynomial.N / 2; i++)
        {
            int b0 = a[3 * i];
            int b1 = a[(3 * i) + 1];
            int b2 = a[(3 * i) + 2];
            r[2 * i] = (short)(b0 | ((b1 & 0x0F) << 8));
            r[(2 * i) + 1] = (short)((b1 >> 4) | (b2 << 4));
        }
    }

    /// <summary>Compress_d(x) for x in [0, q): round(2^d x / q) mod 2^d, branch- and division-free.</summary>
    internal static int Compress(int x, int d)
    {
        ulong numerator = (ulong)((x << d) + (KemReduce.Q / 2));
        return (int)((numerator * DivQMultiplier) >> 40) & ((1 << d) - 1);
    }

    /// <summary>Decompress_d(y): round(q y / 2^d).</summary>
    internal static short Decompress(int y, int d) => (short)(((y * KemReduce.Q) + (1 << (d - 1))) >> d);

    /// <summary>ByteEncode_d(Compress_d(a)) for coefficients in (-q, q): 32 d bytes.</summary>
    public static void CompressEncode(ReadOnlySpan<short> a, int d, Span<byte> r)
    {
        a = a[..KemPolynomial.N];
        r = r[..(32 * d)];
        ulong acc = 0;
        int bits = 0;
        int o = 0;
        for (int i = 0; i < KemPolynomial.N; i++)
        {
            acc |= (ulong)Compress(KemReduce.ToPositive(a[i]), d) << bits;
            bits += d;
            while (bits >= 8)
            {
                r[o++] = (byte)acc;
                acc >>= 8;
                bits -= 8;
            }
        }
    }

    /// <summary>Decompress_d(ByteDecode_d(b)) into r.</summary>
    public static void DecodeDecompress(ReadOnlySpan<byte> b, int d, Span<short> r)
    {
        b = b[..(32 * d)];
        r = r[..KemPolynomial.N];
        ulong acc = 0;
        int bits = 0;
        int o = 0;
        int mask = (1 << d) - 1;
        for (int i = 0; i < KemPolynomial.N; i++)
        {
            while (bits < d)
            {
                acc |= (ulong)b[o++] << bits;
                bits += 8;
            }

            r[i] = Decompress((int)acc & mask, d);
            acc >>= d;
            bits -= d;
        }
    }

    /// <summary>Decompress_1(ByteDecode_1(m)): each message bit becomes 0 or (q+1)/2, by masking.</summary>
    public static void FromMessage(ReadOnlySpan<byte> m, Span<short> r)
    {
        m = m[..32];
        r = r[..KemPolynomial.N];
        for (int i = 0; i < 32; i++)
        {
            for (int j = 0; j < 8; j++)
            {
                int mask = -((m[i] >> j) & 1);
                r[(8 * i) + j] = (short)(mask & ((KemReduce.Q + 1) / 2));
            }
        }
    }

    /// <summary>ByteEncode_1(Compress_1(a)) for coefficients in (-q, q): the 32-byte message.</summary>
    public static void ToMessage(ReadOnlySpan<short> a, Span<byte> m)
    {
        a = a[..KemPolynomial.N];
        m = m[..32];
        for (int i = 0; i < 32; i++)
        {
            int b = 0;
            for (int j = 0; j < 8; j++)
            {
                b |= Compress(KemReduce.ToPositive(a[(8 * i) + j]), 1) << j;
            }

            m[i] = (byte)b;
        }
    }
}
