using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.Crypto;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

public class DiffieHellmanTests
{
    /// <summary>RFC 3526's k for each group in p = 2^n - 2^(n-64) - 1 + 2^64 * ( [2^(n-130) pi] + k ).</summary>
    [Theory]
    [InlineData(5, 1536, 741804)]
    [InlineData(14, 2048, 124476)]
    [InlineData(15, 3072, 1690314)]
    [InlineData(16, 4096, 240904)]
    [InlineData(17, 6144, 929484)]
    [InlineData(18, 8192, 4743158)]
    public void Primes_match_the_rfc_formula_digit_for_digit(int group, int bits, int k)
    {
        BigInteger p = DiffieHellmanGroups.Prime(group);
        Assert.Equal(bits, (int)p.GetBitLength());
        BigInteger expected = BigInteger.Pow(2, bits) - BigInteger.Pow(2, bits - 64) - 1
            + (BigInteger.Pow(2, 64) * (PiTimesPowerOfTwo(bits - 130) + k));
        Assert.Equal(expected, p);

        string hex = p.ToString("X", CultureInfo.InvariantCulture).TrimStart('0');
        Assert.StartsWith("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1", hex, StringComparison.Ordinal);
        Assert.EndsWith("FFFFFFFFFFFFFFFF", hex, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(5, "CA237327FFFFFFFFFFFFFFFF")]
    [InlineData(14, "8AACAA68FFFFFFFFFFFFFFFF")]
    [InlineData(15, "A93AD2CAFFFFFFFFFFFFFFFF")]
    [InlineData(16, "34063199FFFFFFFFFFFFFFFF")]
    [InlineData(17, "6DCC4024FFFFFFFFFFFFFFFF")]
    [InlineData(18, "98EDD3DFFFFFFFFFFFFFFFFF")]
    public void Primes_end_with_the_rfc_words(int group, string tail) =>
        Assert.EndsWith(tail, DiffieHellmanGroups.Prime(group).ToString("X", CultureInfo.InvariantCulture), StringComparison.Ordinal);

    [Theory]
    [InlineData(5, 8)]
    [InlineData(14, 8)]
    [InlineData(15, 4)]
    [InlineData(16, 2)]
    [InlineData(17, 1)]
    [InlineData(18, 1)]
    public void Primes_are_safe_primes(int group, int rounds)
    {
        BigInteger p = DiffieHellmanGroups.Prime(group);
        BigInteger q = (p - 1) / 2;
        Assert.True(IsProbablePrime(p, rounds, seed: group), "p is composite");
        Assert.True(IsProbablePrime(q, rounds, seed: group + 100), "(p-1)/2 is composite");
        Assert.Equal(7, (int)(p % 8)); // so 2 generates the order-q subgroup, as the subgroup check assumes
    }

    [Fact]
    public void Unknown_group_is_an_argument_error()
    {
        SnekException ex = Assert.Throws<SnekException>(() => new DiffieHellmanKeyExchange(2));
        Assert.Equal("LegacyUnknownDhGroup", ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public void Private_value_is_88_big_endian_random_bytes()
    {
        byte[] seed = new byte[88];
        seed[0] = 0x01;
        seed[87] = 0x05;
        using DiffieHellmanKeyExchange dh = new(14, new FixedRandom(seed));
        BigInteger x = new(seed, isUnsigned: true, isBigEndian: true);
        Assert.Equal(BigInteger.ModPow(2, x, DiffieHellmanGroups.Prime(14)), dh.PublicValue);
        Assert.Equal("DHMKE:" + dh.PublicValue.ToString(CultureInfo.InvariantCulture), dh.FormatMessage());
    }

    [Theory]
    [InlineData(14)]
    [InlineData(5)]
    public void Both_sides_derive_the_same_key(int group)
    {
        using DiffieHellmanKeyExchange a = new(group);
        using DiffieHellmanKeyExchange b = new(group);
        string ka = a.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(b.FormatMessage(), a.Prime));
        string kb = b.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(a.FormatMessage(), b.Prime));
        Assert.Equal(ka, kb);
        Assert.Matches("^[0-9a-f]{64}$", ka);
    }

    [Fact]
    public void Shared_key_hashes_bitlength_div_8_plus_1_bytes()
    {
        // 0xFF has bit length 8: Python's to_bytes(8 // 8 + 1) gives 00 FF.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x00, 0xFF])), DiffieHellmanKeyExchange.SharedKeyFromSecret(0xFF));
        // 0x7F has bit length 7: one byte.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x7F])), DiffieHellmanKeyExchange.SharedKeyFromSecret(0x7F));
        // 0x1234 (13 bits): two bytes, no leading zero.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x12, 0x34])), DiffieHellmanKeyExchange.SharedKeyFromSecret(0x1234));
        // 0x8000 (16 bits): three bytes.
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x00, 0x80, 0x00])), DiffieHellmanKeyExchange.SharedKeyFromSecret(0x8000));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData([0x00])), DiffieHellmanKeyExchange.SharedKeyFromSecret(0));
    }

    [Fact]
    public void Peer_value_checks_follow_the_python_package()
    {
        BigInteger p = DiffieHellmanGroups.Prime(14);
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(0, p));
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(1, p));
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(2, p)); // 2 < y is strict
        Assert.True(DiffieHellmanKeyExchange.IsValidPeerValue(4, p)); // 4 = 2^2 is in the subgroup
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(p - 1, p));
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(p, p));
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(p + 4, p));
        // p-2 = -2 is a quadratic non-residue (p = 7 mod 8): in range but outside the subgroup.
        Assert.Equal(p - 1, BigInteger.ModPow(p - 2, (p - 1) / 2, p));
        Assert.False(DiffieHellmanKeyExchange.IsValidPeerValue(p - 2, p));

        using DiffieHellmanKeyExchange dh = new(14);
        SnekException ex = Assert.Throws<SnekException>(() => dh.ComputeSharedKey(p - 2));
        Assert.Equal("LegacyBadDhValue", ex.ErrorId);
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }

    [Theory]
    [InlineData(5, 40)]
    [InlineData(14, 40)]
    [InlineData(18, 0)]
    public void Jacobi_check_equals_the_literal_exponent_check(int group, int samples)
    {
        BigInteger p = DiffieHellmanGroups.Prime(group);
        Random random = new(group);
        byte[] bytes = new byte[p.GetByteCount(isUnsigned: true)];
        int accepted = 0;
        List<BigInteger> values = samples == 0 ? [4, p - 2] : [3, 4, p - 2, p - 3, 2 * 2 * 2, 12345];
        for (int i = 0; i < samples; i++)
        {
            random.NextBytes(bytes);
            values.Add(new BigInteger(bytes, isUnsigned: true) % p);
        }

        foreach (BigInteger y in values)
        {
            bool literal = DiffieHellmanKeyExchange.IsValidPeerValueByExponent(y, p);
            Assert.Equal(literal, DiffieHellmanKeyExchange.IsValidPeerValue(y, p));
            accepted += literal ? 1 : 0;
        }

        // Both outcomes occur (half of all values are residues), so the comparison is not vacuous.
        Assert.InRange(accepted, 1, values.Count - 1);
    }

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(2, 3, -1)]
    [InlineData(2, 7, 1)]
    [InlineData(5, 21, 1)]
    [InlineData(6, 21, 0)]
    [InlineData(1001, 9907, -1)]
    [InlineData(19, 45, 1)]
    [InlineData(8, 21, -1)]
    public void Jacobi_symbol_known_values(int a, int n, int expected) =>
        Assert.Equal(expected, DiffieHellmanKeyExchange.Jacobi(a, n));

    [Theory]
    [InlineData("DHMKE:0")]
    [InlineData("DHMKE:1")]
    [InlineData("DHMKE:2")]
    [InlineData("DHMKE:")]
    [InlineData("DHMKE:12a4")]
    [InlineData("DHMKE:-5")]
    [InlineData("DHMKE: 5")]
    [InlineData("DHMKE:+5")]
    [InlineData("DHMKE5")]
    [InlineData("hello")]
    public void Malformed_or_small_values_are_rejected(string message)
    {
        SnekException ex = Assert.Throws<SnekException>(() => DiffieHellmanKeyExchange.ParseMessage(message, DiffieHellmanGroups.Prime(14)));
        Assert.Equal("LegacyBadDhValue", ex.ErrorId);
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
    }

    [Fact]
    public void Values_at_or_above_p_minus_1_are_rejected_without_big_parses()
    {
        BigInteger p = DiffieHellmanGroups.Prime(14);
        foreach (BigInteger v in new[] { p - 1, p, p + 1, p * 10 })
        {
            Assert.Equal("LegacyBadDhValue", Assert.Throws<SnekException>(() => DiffieHellmanKeyExchange.ParseMessage("DHMKE:" + v.ToString(CultureInfo.InvariantCulture), p)).ErrorId);
        }

        Assert.Equal("LegacyBadDhValue", Assert.Throws<SnekException>(() => DiffieHellmanKeyExchange.ParseMessage("DHMKE:" + new string('9', 60_000), p)).ErrorId);
        Assert.Equal(new BigInteger(5), DiffieHellmanKeyExchange.ParseMessage("DHMKE:0005\n", p));
    }

    private static BigInteger PiTimesPowerOfTwo(int bits)
    {
        // Machin: pi = 16 atan(1/5) - 4 atan(1/239) in fixed point; the 64 guard bits absorb the
        // series' truncation error (a few units in the last guard place) before the floor.
        const int guard = 64;
        BigInteger one = BigInteger.One << (bits + guard);
        BigInteger AtanInverse(int x)
        {
            BigInteger term = one / x, total = term, x2 = x * x;
            int n = 1, sign = -1;
            while (!term.IsZero)
            {
                term /= x2;
                n += 2;
                total += sign * (term / n);
                sign = -sign;
            }

            return total;
        }

        return ((16 * AtanInverse(5)) - (4 * AtanInverse(239))) >> guard;
    }

    private static bool IsProbablePrime(BigInteger n, int rounds, int seed)
    {
        BigInteger d = n - 1;
        int s = 0;
        while (d.IsEven)
        {
            d >>= 1;
            s++;
        }

        Random random = new(seed);
        byte[] bytes = new byte[n.GetByteCount(isUnsigned: true)];
        for (int i = 0; i < rounds; i++)
        {
            random.NextBytes(bytes);
            BigInteger a = (new BigInteger(bytes, isUnsigned: true) % (n - 3)) + 2;
            BigInteger x = BigInteger.ModPow(a, d, n);
            if (x.IsOne || x == n - 1)
            {
                continue;
            }

            bool witness = true;
            for (int r = 1; r < s && witness; r++)
            {
                x = BigInteger.ModPow(x, 2, n);
                witness = x != n - 1;
            }

            if (witness)
            {
                return false;
            }
        }

        return true;
    }

    private sealed class FixedRandom(byte[] bytes) : IRandomSource
    {
        public void Fill(Span<byte> destination) => bytes.AsSpan(0, destination.Length).CopyTo(destination);
    }
}
