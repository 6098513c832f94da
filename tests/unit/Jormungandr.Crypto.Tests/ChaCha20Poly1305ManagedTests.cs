using System.Security.Cryptography;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>
/// The managed ChaCha20-Poly1305: RFC 8439 vectors, byte-for-byte agreement with the platform (OpenSSL)
/// implementation, in-place use, tamper rejection, argument checks and zero allocation.
/// </summary>
public class ChaCha20Poly1305ManagedTests
{
    // RFC 8439 §2.8.2.
    private static readonly byte[] Rfc282Key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
    private static readonly byte[] Rfc282Nonce = Convert.FromHexString("070000004041424344454647");
    private static readonly byte[] Rfc282Aad = Convert.FromHexString("50515253c0c1c2c3c4c5c6c7");
    private static readonly byte[] Rfc282Plaintext = Encoding.ASCII.GetBytes(
        "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the future, sunscreen would be it.");
    private static readonly byte[] Rfc282Ciphertext = Convert.FromHexString(
        "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
        "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
        "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
        "3ff4def08e4b7a9de576d26586cec64b6116");
    private static readonly byte[] Rfc282Tag = Convert.FromHexString("1ae10b594f09e26a7e902ecbd0600691");

    // RFC 8439 Appendix A.5.
    private static readonly byte[] A5Key = Convert.FromHexString("1c9240a5eb55d38af333888604f6b5f0473917c1402b80099dca5cbc207075c0");
    private static readonly byte[] A5Nonce = Convert.FromHexString("000000000102030405060708");
    private static readonly byte[] A5Aad = Convert.FromHexString("f33388860000000000004e91");
    private static readonly byte[] A5Ciphertext = Convert.FromHexString(
        "64a0861575861af460f062c79be643bd5e805cfd345cf389f108670ac76c8cb2" +
        "4c6cfc18755d43eea09ee94e382d26b0bdb7b73c321b0100d4f03b7f355894cf" +
        "332f830e710b97ce98c8a84abd0b948114ad176e008d33bd60f982b1ff37c855" +
        "9797a06ef4f0ef61c186324e2b3506383606907b6a7c02b0f9f6157b53c867e4" +
        "b9166c767b804d46a59b5216cde7a4e99040c5a40433225ee282a1b0a06c523e" +
        "af4534d7f83fa1155b0047718cbc546a0d072b04b3564eea1b422273f548271a" +
        "0bb2316053fa76991955ebd63159434ecebb4e466dae5a1073a6727627097a10" +
        "49e617d91d361094fa68f0ff77987130305beaba2eda04df997b714d6c6f2c29" +
        "a6ad5cb4022b02709b");
    private static readonly byte[] A5Tag = Convert.FromHexString("eead9d67890cbb22392336fea1851f38");
    private static readonly byte[] A5Plaintext = Convert.FromHexString(
        "496e7465726e65742d4472616674732061726520647261667420646f63756d65" +
        "6e74732076616c696420666f722061206d6178696d756d206f6620736978206d" +
        "6f6e74687320616e64206d617920626520757064617465642c207265706c6163" +
        "65642c206f72206f62736f6c65746564206279206f7468657220646f63756d65" +
        "6e747320617420616e792074696d652e20497420697320696e617070726f7072" +
        "6961746520746f2075736520496e7465726e65742d4472616674732061732072" +
        "65666572656e6365206d6174657269616c206f7220746f206369746520746865" +
        "6d206f74686572207468616e206173202fe2809c776f726b20696e2070726f67" +
        "726573732e2fe2809d");

    private static readonly int[] EdgeLengths = [0, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 191, 192, 193, 255, 256, 257, 1419, 1420, 2047, 2048, 2100];

    [Fact]
    public void Rfc8439_2_8_2_encrypts_to_the_published_ciphertext_and_tag()
    {
        using var aead = new ChaCha20Poly1305Managed(Rfc282Key);
        byte[] ct = new byte[Rfc282Plaintext.Length];
        byte[] tag = new byte[16];
        aead.Encrypt(Rfc282Nonce, Rfc282Plaintext, ct, tag, Rfc282Aad);
        Assert.Equal(Convert.ToHexString(Rfc282Ciphertext), Convert.ToHexString(ct));
        Assert.Equal(Convert.ToHexString(Rfc282Tag), Convert.ToHexString(tag));

        byte[] pt = new byte[ct.Length];
        Assert.True(aead.TryDecrypt(Rfc282Nonce, ct, tag, pt, Rfc282Aad));
        Assert.Equal(Rfc282Plaintext, pt);
    }

    [Fact]
    public void Rfc8439_A5_decrypts_to_the_published_plaintext_and_encrypts_back()
    {
        using var aead = new ChaCha20Poly1305Managed(A5Key);
        byte[] pt = new byte[A5Ciphertext.Length];
        Assert.True(aead.TryDecrypt(A5Nonce, A5Ciphertext, A5Tag, pt, A5Aad));
        Assert.Equal(Convert.ToHexString(A5Plaintext), Convert.ToHexString(pt));

        byte[] ct = new byte[pt.Length];
        byte[] tag = new byte[16];
        aead.Encrypt(A5Nonce, pt, ct, tag, A5Aad);
        Assert.Equal(A5Ciphertext, ct);
        Assert.Equal(A5Tag, tag);
    }

    [Fact]
    public void Matches_the_platform_implementation_at_block_edges()
    {
        var rng = new Random(8439);
        foreach (int length in EdgeLengths)
        {
            foreach (int adLength in (int[])[0, 1, 12, 16, 17, 80])
            {
                byte[] key = Bytes(rng, 32), nonce = Bytes(rng, 12), pt = Bytes(rng, length), ad = Bytes(rng, adLength);
                AssertAgreesWithPlatform(key, nonce, pt, ad);
            }
        }
    }

    [Fact]
    public void Matches_the_platform_implementation_for_random_inputs()
    {
        Gen<byte> b = ArbMap.Default.GeneratorFor<byte>();
        Arbitrary<(byte[] Key, byte[] Nonce, byte[] Pt, byte[] Ad)> inputs =
            (from key in Gen.ArrayOf(b, 32)
             from nonce in Gen.ArrayOf(b, 12)
             from length in Gen.Choose(0, 2100)
             from pt in Gen.ArrayOf(b, length)
             from adLength in Gen.Choose(0, 80)
             from ad in Gen.ArrayOf(b, adLength)
             select (key, nonce, pt, ad)).ToArbitrary();

        Check.One(Config.QuickThrowOnFailure.WithMaxTest(200), Prop.ForAll(inputs, x =>
        {
            AssertAgreesWithPlatform(x.Key, x.Nonce, x.Pt, x.Ad);
            return true;
        }));
    }

    [Fact]
    public void Any_flipped_bit_in_ciphertext_tag_ad_or_nonce_is_rejected_and_plaintext_cleared()
    {
        var rng = new Random(7539);
        byte[] key = Bytes(rng, 32), nonce = Bytes(rng, 12), pt = Bytes(rng, 70), ad = Bytes(rng, 20);
        using var aead = new ChaCha20Poly1305Managed(key);
        byte[] ct = new byte[pt.Length];
        byte[] tag = new byte[16];
        aead.Encrypt(nonce, pt, ct, tag, ad);

        int rejected = 0;
        foreach (byte[] target in new[] { ct, tag, ad, nonce })
        {
            for (int bit = 0; bit < target.Length * 8; bit++)
            {
                target[bit / 8] ^= (byte)(1 << (bit % 8));
                byte[] output = new byte[ct.Length];
                Array.Fill(output, (byte)0xA5);
                Assert.False(aead.TryDecrypt(nonce, ct, tag, output, ad));
                Assert.All(output, x => Assert.Equal(0, x));
                target[bit / 8] ^= (byte)(1 << (bit % 8));
                rejected++;
            }
        }
        Assert.Equal((70 + 16 + 20 + 12) * 8, rejected);

        // Restored inputs still verify, so the rejections above were due to the flipped bit.
        byte[] back = new byte[ct.Length];
        Assert.True(aead.TryDecrypt(nonce, ct, tag, back, ad));
        Assert.Equal(pt, back);
    }

    [Fact]
    public void Failed_in_place_decryption_clears_the_buffer()
    {
        byte[] buffer = (byte[])Rfc282Ciphertext.Clone();
        byte[] tag = (byte[])Rfc282Tag.Clone();
        tag[0] ^= 1;
        using var aead = new ChaCha20Poly1305Managed(Rfc282Key);
        Assert.False(aead.TryDecrypt(Rfc282Nonce, buffer, tag, buffer, Rfc282Aad));
        Assert.All(buffer, x => Assert.Equal(0, x));
    }

    [Fact]
    public void Wrong_lengths_and_partial_overlap_throw_ArgumentException()
    {
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305Managed(new byte[31]));
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305Managed(new byte[33]));
        Assert.Throws<ArgumentException>(() => new ChaCha20Poly1305Managed(ReadOnlySpan<byte>.Empty));

        using var aead = new ChaCha20Poly1305Managed(new byte[32]);
        byte[] buf = new byte[64];
        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[11], new byte[8], new byte[8], new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[13], new byte[8], new byte[8], new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[12], new byte[8], new byte[8], new byte[15]));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[12], new byte[8], new byte[8], new byte[17]));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[12], new byte[8], new byte[9], new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.Encrypt(new byte[12], buf.AsSpan(0, 32), buf.AsSpan(1, 32), new byte[16]));
        Assert.Throws<ArgumentException>(() => aead.TryDecrypt(new byte[11], new byte[8], new byte[16], new byte[8]));
        Assert.Throws<ArgumentException>(() => aead.TryDecrypt(new byte[12], new byte[8], new byte[15], new byte[8]));
        Assert.Throws<ArgumentException>(() => aead.TryDecrypt(new byte[12], new byte[8], new byte[16], new byte[7]));
        Assert.Throws<ArgumentException>(() => aead.TryDecrypt(new byte[12], buf.AsSpan(1, 32), new byte[16], buf.AsSpan(0, 32)));
    }

    [Fact]
    public void Use_after_Dispose_throws_ObjectDisposedException()
    {
        var aead = new ChaCha20Poly1305Managed(Rfc282Key);
        aead.Dispose();
        aead.Dispose(); // idempotent
        Assert.Throws<ObjectDisposedException>(() => aead.Encrypt(new byte[12], new byte[8], new byte[8], new byte[16]));
        Assert.Throws<ObjectDisposedException>(() => aead.TryDecrypt(new byte[12], new byte[8], new byte[16], new byte[8]));
    }

    [Fact]
    public void Encrypt_and_TryDecrypt_do_not_allocate()
    {
        var rng = new Random(1);
        byte[] key = Bytes(rng, 32), nonce = Bytes(rng, 12), ad = Bytes(rng, 16);
        byte[] packet = Bytes(rng, 300), tag = new byte[16];
        using var aead = new ChaCha20Poly1305Managed(key);
        for (int i = 0; i < 100; i++)
            RoundTripInPlace(aead, nonce, packet, tag, ad);

        long before = GC.GetAllocatedBytesForCurrentThread();
        int ok = 0;
        for (int i = 0; i < 1000; i++)
            ok += RoundTripInPlace(aead, nonce, packet, tag, ad) ? 1 : 0;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(1000, ok);
        Assert.Equal(0, allocated);
    }

    private static bool RoundTripInPlace(ChaCha20Poly1305Managed aead, byte[] nonce, byte[] packet, byte[] tag, byte[] ad)
    {
        aead.Encrypt(nonce, packet, packet, tag, ad);
        return aead.TryDecrypt(nonce, packet, tag, packet, ad);
    }

    private static void AssertAgreesWithPlatform(byte[] key, byte[] nonce, byte[] pt, byte[] ad)
    {
        using var platform = new ChaCha20Poly1305(key);
        using var managed = new ChaCha20Poly1305Managed(key);

        byte[] expectedCt = new byte[pt.Length], expectedTag = new byte[16];
        platform.Encrypt(nonce, pt, expectedCt, expectedTag, ad);

        // Out of place, against the platform.
        byte[] ct = new byte[pt.Length], tag = new byte[16];
        managed.Encrypt(nonce, pt, ct, tag, ad);
        Assert.Equal(Convert.ToHexString(expectedCt), Convert.ToHexString(ct));
        Assert.Equal(Convert.ToHexString(expectedTag), Convert.ToHexString(tag));

        // The platform's output opens with ours, out of place.
        byte[] opened = new byte[pt.Length];
        Assert.True(managed.TryDecrypt(nonce, expectedCt, expectedTag, opened, ad));
        Assert.Equal(pt, opened);

        // In place gives the same bytes.
        byte[] buffer = (byte[])pt.Clone();
        byte[] inPlaceTag = new byte[16];
        managed.Encrypt(nonce, buffer, buffer, inPlaceTag, ad);
        Assert.Equal(expectedCt, buffer);
        Assert.Equal(expectedTag, inPlaceTag);
        Assert.True(managed.TryDecrypt(nonce, buffer, inPlaceTag, buffer, ad));
        Assert.Equal(pt, buffer);

        // Ours opens with the platform.
        byte[] platformOpened = new byte[pt.Length];
        platform.Decrypt(nonce, ct, tag, platformOpened, ad);
        Assert.Equal(pt, platformOpened);
    }

    private static byte[] Bytes(Random rng, int length)
    {
        byte[] bytes = new byte[length];
        rng.NextBytes(bytes);
        return bytes;
    }
}
