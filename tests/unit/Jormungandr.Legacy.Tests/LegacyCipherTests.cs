using System.Text;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

public class LegacyCipherTests
{
    private const string SharedKey = "2e97c59d79d1b1483364113f55d92b41b7d2deb25b637416fbcf95cef4b0cb47";

    [Theory]
    // The and the course's examples.
    [InlineData(SharedKey, "AES", 128, "2e97c59d79d1b148", "fbcf95cef4b0cb47")]
    [InlineData(SharedKey, "AES", 256, "2e97c59d79d1b1483364113f55d92b41", "fbcf95cef4b0cb47")]
    [InlineData(SharedKey, "Blowfish", 224, "2e97c59d79d1b1483364113f55d9", "f4b0cb47")]
    [InlineData("123456789", "DES", 56, "1234567\0", "23456789")]
    // DES3: zero-padded to 16 or 24 bytes.
    [InlineData(SharedKey, "DES3", 112, "2e97c59d79d1b1\0\0", "f4b0cb47")]
    [InlineData(SharedKey, "DES3", 128, "2e97c59d79d1b148", "f4b0cb47")]
    [InlineData(SharedKey, "DES3", 168, "2e97c59d79d1b14833641\0\0\0", "f4b0cb47")]
    [InlineData(SharedKey, "DES3", 192, "2e97c59d79d1b1483364113f", "f4b0cb47")]
    [InlineData(SharedKey, "DES", 56, "2e97c59\0", "f4b0cb47")]
    [InlineData(SharedKey, "Blowfish", 32, "2e97", "f4b0cb47")]
    public void Key_and_iv_derivation(string shared, string cipher, int bits, string key, string iv)
    {
        (byte[] k, byte[] v) = LegacyCipher.DeriveKeyAndIv(shared, new CipherSuite(cipher, bits));
        Assert.Equal(Encoding.ASCII.GetBytes(key), k);
        Assert.Equal(Encoding.ASCII.GetBytes(iv), v);
    }

    [Theory]
    // Course test vectors (AES, fixed key/IV).
    [InlineData("AES", 256, "49094793659111181547021843208480", "2442744371103948", "infosec",
        "a6d32f9a57dbb5d273b8b8c4901d6c5b", "051b7f5638e3a1d0eda1fd638ec35b333cda0c4497e90b9722c70934ab40eb96")]
    [InlineData("AES", 256, "2e97c59d79d1b1483364113f55d92b41", "fbcf95cef4b0cb47", "octoduck",
        "c5ec0068ace64c8cda4df6314f746757", "c7593c078051c1982878fb0d239f51350a33b519009a03da8d3668b496737ec2")]
    [InlineData("AES", 128, "2e97c59d79d1b148", "3364113f55d92b41", "Information Assurance and Security",
        "fbd2d3c46aa409838e0b15f306d73c1f915125b3af1ec0ef3265aa7da36d3aea0bfa3d161c6ff30fed768dd43a67201d",
        "1b072fe79eda09516021f7a5a99107524bb7846ea66efa9ae19b146144791416")]
    public void Aes_course_vectors(string cipher, int bits, string key, string iv, string text, string ciphertextHex, string hmac)
    {
        using LegacyMessageCodec codec = new(new CipherSuite(cipher, bits), Encoding.ASCII.GetBytes(key), Encoding.ASCII.GetBytes(iv));
        byte[] wire = codec.Seal(text);
        Assert.Equal(Convert.FromHexString(ciphertextHex).Concat(Encoding.ASCII.GetBytes(hmac)).ToArray(), wire);
        Assert.Equal(text, codec.Open(wire));
    }

    [Theory]
    // Produced with pycryptodome 3.11 (Debian python3-pycryptodome) from the shared key above, text
    // "Information Assurance and Security" zero-padded to 48 bytes, key/IV derived as the issue says.
    [InlineData("Blowfish", 224, "9b621614eb883498b78689a3e852e317b050c2c4583aa65f8e45bbb8e6ae78939b3ed85345652b562a0799183d7c0e3c", "02d9d0cc24a9b568f76b4c2cefd75d7b5f3d1a579c3fa8a55cd9c6bf1872a95b")]
    [InlineData("Blowfish", 32, "6b625e5c4ab3f4125f9e14f447b1a41a0956116e34fe3e362cde2faa2670dfb67beb9804218db1c1aff5fc781f54943a", "a63267a6a91c804d3a30e0a465a3a6e23600cb54e01c3b82ad287e94d3a50d19")]
    [InlineData("Blowfish", 448, "697a4a57cd4c600b508740f8aa08be291651e8f56e7e858702e6a91cffe9b92db54ba93f9ec545e7ccb030422d187607", "49b572ef44d45a124ada7c572850ce8db432cb53d0c5b872fe547e7ba4d34a56")]
    [InlineData("DES3", 112, "6f910fc00d321173571b69c11b3fb17b645bad13ed9023fef7124ea79078280ff9ca297c24aeb4e73d4542a96d452dc4", "82142bb05afcd07a200db137724d3acc6d3342c8f0acc067a6b3cfee2a138110")]
    [InlineData("DES3", 168, "db8fc420dab8ab193abff1fe719a46f304a9e2c5205a394a9a69bf68c314ebf133490c8e7c53e2d5277dba965f4af4b4", "8da5551cea50d379a33a929425a2d4e41c4cb1c15d016743cc461d9704904792")]
    [InlineData("DES3", 192, "6b027a6d91b5aa2573bca15ebb7c39679b4b999f2ab9f333ebe6ffe6ca81392736a86d4e92251b4139807770bca1b4de", "fc96c37c3f7aa6ebb36773f4ead1f3d44c8a2aea32af2b9834ee414ba049057c")]
    [InlineData("DES", 56, "ec9c2b524d1bccae702964270a6a0508d496b8f29160b7903af1b07f7c8e6623582bb8ffc3b5cf5196f9d799a32fb038", "903acb0bcd74079c691559c3f0168a9ceda56b44f78fedfba60c3a0f59a27711")]
    public void Other_ciphers_match_pycryptodome(string cipher, int bits, string ciphertextHex, string hmac)
    {
        using LegacyMessageCodec codec = new(new CipherSuite(cipher, bits), SharedKey);
        byte[] wire = codec.Seal("Information Assurance and Security");
        Assert.Equal(ciphertextHex, Convert.ToHexStringLower(wire.AsSpan(0, wire.Length - 64)));
        Assert.Equal(hmac, Encoding.ASCII.GetString(wire.AsSpan(wire.Length - 64)));
    }

    public static TheoryData<string, int> AllSuites()
    {
        TheoryData<string, int> data = [];
        foreach (string name in CipherSuite.Names)
        {
            for (int bits = 0; bits <= 448; bits += 8)
            {
                if (CipherSuite.IsValidKeySize(name, bits))
                {
                    data.Add(name, bits);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(AllSuites))]
    public void Every_suite_round_trips_unicode_and_lengths(string cipher, int bits)
    {
        using LegacyMessageCodec codec = new(new CipherSuite(cipher, bits), SharedKey);
        foreach (string text in new[] { "", "a", "exactly sixteen!", "seventeen chars!!", "héllo wörld ✓ 🐍", new string('x', 1000) })
        {
            byte[] wire = codec.Seal(text);
            Assert.Equal(0, (wire.Length - 64) % 16);
            Assert.Equal(text, codec.Open(wire));
        }
    }

    [Fact]
    public void Padding_is_zero_bytes_to_a_multiple_of_16()
    {
        Assert.Equal(new byte[] { 0x61, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 }, LegacyMessageCodec.Pad("a"u8));
        Assert.Equal(16, LegacyMessageCodec.Pad(new byte[16]).Length);
        Assert.Equal(32, LegacyMessageCodec.Pad(new byte[17]).Length);
        Assert.Empty(LegacyMessageCodec.Pad([]));
    }

    [Fact]
    public void Bad_hmac_is_rejected_as_bad_hmac()
    {
        using LegacyMessageCodec codec = new(new CipherSuite("AES", 256), Encoding.ASCII.GetBytes("49094793659111181547021843208480"), Encoding.ASCII.GetBytes("2442744371103948"));
        byte[] wire = Convert.FromHexString("a6d32f9a57dbb5d273b8b8c4901d6c5b").Concat(Encoding.ASCII.GetBytes("051b7f5638e3a1d0eda1fd638ec35b333cda0c4497e90b9722c70934ab40eb99")).ToArray();
        SnekException ex = Assert.Throws<SnekException>(() => codec.Open(wire));
        Assert.Equal("LegacyBadHmac", ex.ErrorId);
        Assert.Equal("Bad HMAC", ex.Message);
        Assert.Equal(ErrorKind.SecurityError, ex.Kind);
        Assert.False(codec.HasValidHmac(wire));

        byte[] flippedCiphertext = codec.Seal("infosec");
        flippedCiphertext[0] ^= 1;
        Assert.Equal("LegacyBadHmac", Assert.Throws<SnekException>(() => codec.Open(flippedCiphertext)).ErrorId);

        byte[] upper = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(codec.Seal("infosec")).ToUpperInvariant());
        Assert.Equal("LegacyBadHmac", Assert.Throws<SnekException>(() => codec.Open(upper)).ErrorId);
    }

    [Fact]
    public void Wrong_lengths_and_bad_utf8_are_protocol_errors()
    {
        using LegacyMessageCodec codec = new(new CipherSuite("Blowfish", 128), SharedKey);
        SnekException shortEx = Assert.Throws<SnekException>(() => codec.Open(new byte[63]));
        Assert.Equal("LegacyBadMessage", shortEx.ErrorId);

        SnekException block = Assert.Throws<SnekException>(() => codec.Open(codec.AppendHmac(new byte[15])));
        Assert.Equal("LegacyBadBlockSize", block.ErrorId);
        Assert.Equal(ErrorKind.ProtocolError, block.Kind);

        using LegacyCipher raw = new(new CipherSuite("Blowfish", 128), Encoding.ASCII.GetBytes(SharedKey[..16]), Encoding.ASCII.GetBytes(SharedKey[^8..]));
        byte[] invalidUtf8 = raw.Encrypt([0xC3, 0x28, 0, 0, 0, 0, 0, 0]);
        SnekException utf8 = Assert.Throws<SnekException>(() => codec.Open(codec.AppendHmac(invalidUtf8)));
        Assert.Equal("LegacyBadMessage", utf8.ErrorId);
    }

    [Theory]
    [InlineData("hello", "Server says: olleh")]
    [InlineData("", "Server says: ")]
    [InlineData("ab🐍c", "Server says: c🐍ba")]
    public void Reply_reverses_code_points(string text, string reply) => Assert.Equal(reply, LegacyMessageCodec.Reply(text));
}
