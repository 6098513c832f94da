using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// K-PKE (FIPS 203 §5): the CPA-secure encryption scheme under ML-KEM. The public matrix Â is sampled
/// whole (four entries at a time with AVX2) into a stack buffer; all secret polynomials live on the
/// stack and are wiped before returning.
/// </summary>
internal static class KemPke
{
    private const int N = KemPolynomial.N;
    private const int PolyBytes = 384;

    /// <summary>K-PKE.KeyGen(d) (Alg. 13): ek = ByteEncode12(t̂) ‖ ρ, dkPke = ByteEncode12(ŝ).</summary>
    public static void KeyGen(MlKemParameterSet p, ReadOnlySpan<byte> d, Span<byte> ek, Span<byte> dkPke)
    {
        int k = p.K;
        Span<byte> seed = stackalloc byte[33];
        Span<byte> g = stackalloc byte[64];
        Span<short> se = stackalloc short[8 * N];
        Span<short> t = stackalloc short[N];
        Span<short> a = stackalloc short[16 * N];
        try
        {
            // (ρ, σ) = G(d ‖ k): the domain separation byte k of FIPS 203 (absent from round-3 Kyber).
            d[..32].CopyTo(seed);
            seed[32] = (byte)k;
            Keccak.Sha3_512(seed, g);
            ReadOnlySpan<byte> rho = g[..32];
            ReadOnlySpan<byte> sigma = g[32..];

            // ŝ from PRF nonces 0..k-1, ê from k..2k-1, all η1.
            Span<short> s = se[..(k * N)];
            Span<short> e = se.Slice(k * N, k * N);
            KemSampling.SampleNoiseVector(sigma, 2 * k, 2 * k, p.Eta1, p.Eta1, se);
            for (int i = 0; i < 2 * k; i++)
            {
                KemPolynomial.Ntt(se.Slice(i * N, N));
            }

            KemSampling.SampleMatrix(rho, k, transposed: false, a);
            for (int i = 0; i < k; i++)
            {
                // t̂[i] = Σ_j Â[i, j] ∘ ŝ[j] + ê[i]
                for (int j = 0; j < k; j++)
                {
                    KemPolynomial.BaseMultiply(t, a.Slice(((i * k) + j) * N, N), s.Slice(j * N, N), accumulate: j > 0);
                }

                KemPolynomial.Reduce(t);
                KemPolynomial.ToMontgomery(t);
                KemPolynomial.Add(t, e.Slice(i * N, N));
                KemPolynomial.Reduce(t);
                KemEncoding.Encode12(t, ek.Slice(i * PolyBytes, PolyBytes));
                KemEncoding.Encode12(s.Slice(i * N, N), dkPke.Slice(i * PolyBytes, PolyBytes));
            }

            rho.CopyTo(ek.Slice(k * PolyBytes, 32));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(seed);
            CryptographicOperations.ZeroMemory(g);
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(se));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(t));
        }
    }

    /// <summary>K-PKE.Encrypt(ek, m, r) (Alg. 14) into c = ByteEncode_du(Compress(u)) ‖ ByteEncode_dv(Compress(v)).</summary>
    public static void Encrypt(MlKemParameterSet p, ReadOnlySpan<byte> ek, ReadOnlySpan<byte> m, ReadOnlySpan<byte> r, Span<byte> c)
    {
        int k = p.K;
        ReadOnlySpan<byte> rho = ek.Slice(k * PolyBytes, 32);
        Span<short> noise = stackalloc short[9 * N];
        Span<short> u = stackalloc short[N];
        Span<short> e = stackalloc short[N];
        Span<short> a = stackalloc short[16 * N];
        try
        {
            // y from PRF nonces 0..k-1 (η1), e1 from k..2k-1 and e2 from 2k (η2).
            KemSampling.SampleNoiseVector(r, (2 * k) + 1, k, p.Eta1, p.Eta2, noise);
            Span<short> y = noise[..(k * N)];
            for (int i = 0; i < k; i++)
            {
                KemPolynomial.Ntt(y.Slice(i * N, N));
            }

            KemSampling.SampleMatrix(rho, k, transposed: true, a);

            int uBytes = 32 * p.Du;
            for (int i = 0; i < k; i++)
            {
                // u[i] = NTT^-1(Σ_j Â[j, i] ∘ ŷ[j]) + e1[i]
                for (int j = 0; j < k; j++)
                {
                    KemPolynomial.BaseMultiply(u, a.Slice(((i * k) + j) * N, N), y.Slice(j * N, N), accumulate: j > 0);
                }

                KemPolynomial.Reduce(u);
                KemNtt.Inverse(u);
                KemPolynomial.Add(u, noise.Slice((k + i) * N, N));
                KemPolynomial.Reduce(u);
                KemEncoding.CompressEncode(u, p.Du, c.Slice(i * uBytes, uBytes));
            }

            // v = NTT^-1(t̂ ∘ ŷ) + e2 + Decompress_1(m)
            for (int j = 0; j < k; j++)
            {
                KemEncoding.Decode12(ek.Slice(j * PolyBytes, PolyBytes), a[..N]);
                KemPolynomial.BaseMultiply(u, a[..N], y.Slice(j * N, N), accumulate: j > 0);
            }

            KemPolynomial.Reduce(u);
            KemNtt.Inverse(u);
            KemPolynomial.Add(u, noise.Slice(2 * k * N, N));
            KemEncoding.FromMessage(m, e);
            KemPolynomial.Add(u, e);
            KemPolynomial.Reduce(u);
            KemEncoding.CompressEncode(u, p.Dv, c.Slice(k * uBytes, 32 * p.Dv));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(noise));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(u));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(e));
        }
    }

    /// <summary>K-PKE.Decrypt(dkPke, c) (Alg. 15): m = ByteEncode1(Compress1(v - NTT^-1(ŝ ∘ NTT(u)))).</summary>
    public static void Decrypt(MlKemParameterSet p, ReadOnlySpan<byte> dkPke, ReadOnlySpan<byte> c, Span<byte> m)
    {
        int k = p.K;
        int uBytes = 32 * p.Du;
        Span<short> w = stackalloc short[N];
        Span<short> u = stackalloc short[N];
        Span<short> s = stackalloc short[N];
        try
        {
            for (int i = 0; i < k; i++)
            {
                KemEncoding.DecodeDecompress(c.Slice(i * uBytes, uBytes), p.Du, u);
                KemPolynomial.Ntt(u);
                KemEncoding.Decode12(dkPke.Slice(i * PolyBytes, PolyBytes), s);
                KemPolynomial.BaseMultiply(w, s, u, accumulate: i > 0);
            }

            KemPolynomial.Reduce(w);
            KemNtt.Inverse(w);
            KemEncoding.DecodeDecompress(c.Slice(k * uBytes, 32 * p.Dv), p.Dv, u);
            KemPolynomial.SubtractFrom(w, u);
            KemPolynomial.Reduce(w);
            KemEncoding.ToMessage(w, m);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(w));
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(s));
        }
    }
}
