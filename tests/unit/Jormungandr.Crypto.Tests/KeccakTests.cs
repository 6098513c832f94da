using System.Security.Cryptography;
using System.Text;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

public class KeccakTests
{
    // FIPS 202 examples: SHA3-256("abc") and SHAKE128("") first 32 bytes.
    [Fact]
    public void Sha3_256_of_abc_matches_the_FIPS_202_example()
    {
        Span<byte> d = stackalloc byte[32];
        Keccak.Sha3_256(Encoding.ASCII.GetBytes("abc"), d);
        Assert.Equal("3A985DA74FE225B2045C172D6BD390BD855F086E3E9D525B46BFE24511431532", Convert.ToHexString(d));
    }

    [Fact]
    public void Shake128_of_empty_matches_the_known_answer()
    {
        Span<byte> d = stackalloc byte[32];
        Keccak.Shake128(ReadOnlySpan<byte>.Empty, d);
        Assert.Equal("7F9C2BA4E88F827D616045507605853ED73B8093F6EFBC88EB1A6EACFA66EF26", Convert.ToHexString(d));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(135)]
    [InlineData(136)]
    [InlineData(137)]
    [InlineData(167)]
    [InlineData(168)]
    [InlineData(169)]
    [InlineData(1000)]
    public void Incremental_absorb_and_squeeze_match_the_platform_one_shot(int length)
    {
        byte[] input = new byte[length];
        new Random(length).NextBytes(input);

        Assert.Equal(SHA3_256.HashData(input), Hash(Keccak.Sha3_256(), input, 32));
        Assert.Equal(SHA3_512.HashData(input), Hash(Keccak.Sha3_512(), input, 64));
        Assert.Equal(Shake128.HashData(input, 500), Hash(Keccak.Shake128(), input, 500));
        Assert.Equal(Shake256.HashData(input, 500), Hash(Keccak.Shake256(), input, 500));
    }

    [Fact]
    public void Absorb_after_squeeze_is_refused()
    {
        Keccak k = Keccak.Shake256();
        k.Squeeze(new byte[1]);
        try
        {
            k.Absorb(new byte[1]);
            Assert.Fail("absorb after squeeze must throw");
        }
        catch (InvalidOperationException)
        {
        }
    }

    // Absorbs in uneven chunks and squeezes in uneven chunks, so every buffer boundary is crossed.
    private static byte[] Hash(Keccak sponge, byte[] input, int outputLength)
    {
        int pos = 0;
        for (int chunk = 1; pos < input.Length; chunk = (chunk * 7 % 61) + 1)
        {
            int take = Math.Min(chunk, input.Length - pos);
            sponge.Absorb(input.AsSpan(pos, take));
            pos += take;
        }

        byte[] output = new byte[outputLength];
        pos = 0;
        for (int chunk = 3; pos < outputLength; chunk = (chunk * 5 % 97) + 1)
        {
            int take = Math.Min(chunk, outputLength - pos);
            sponge.Squeeze(output.AsSpan(pos, take));
            pos += take;
        }

        return output;
    }
}
