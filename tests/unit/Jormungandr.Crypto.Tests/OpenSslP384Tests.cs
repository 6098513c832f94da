using System.Security.Cryptography;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

public class OpenSslP384Tests
{
    [Fact]
    public void Encapsulation_through_OpenSsl_agrees_with_the_platform_decapsulation()
    {
        Assert.True(OpenSslP384.IsSupported, "libcrypto.so.3 is the platform's OpenSSL on Linux");
        Assert.True(HybridKem.UseOpenSsl);
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(SystemRandom.Instance);
        for (int i = 0; i < 4; i++)
        {
            byte[] ct = new byte[HybridKem.CiphertextSize];
            byte[] ss1 = new byte[32];
            byte[] ss2 = new byte[32];
            HybridKem.Encapsulate(pair.PublicKey, ct, ss1, SystemRandom.Instance);
            pair.Decapsulate(ct, ss2);
            Assert.Equal(ss1, ss2);
        }
    }

    [Fact]
    public void Derive_matches_in_both_directions_and_points_round_trip()
    {
        using P384Key a = OpenSslP384.Generate();
        using P384Key b = OpenSslP384.Generate();
        byte[] pa = new byte[97];
        byte[] pb = new byte[97];
        OpenSslP384.WritePublic(a, pa);
        OpenSslP384.WritePublic(b, pb);
        Assert.NotEqual(pa, pb);
        using P384Key importedA = OpenSslP384.ImportPublic(pa);
        using P384Key importedB = OpenSslP384.ImportPublic(pb);
        byte[] again = new byte[97];
        OpenSslP384.WritePublic(importedA, again);
        Assert.Equal(pa, again);

        byte[] ab = new byte[48];
        byte[] ba = new byte[48];
        OpenSslP384.Derive(a, importedB, ab);
        OpenSslP384.Derive(b, importedA, ba);
        Assert.Equal(ab, ba);
        Assert.NotEqual(new byte[48], ab);
    }

    [Fact]
    public void Points_off_the_curve_or_not_uncompressed_are_refused()
    {
        using P384Key a = OpenSslP384.Generate();
        byte[] good = new byte[97];
        OpenSslP384.WritePublic(a, good);
        var corruptions = new Action<byte[]>[]
        {
            b => b[60] ^= 1, // Y off by one bit: not on the curve
            b => b[0] = 0x02, // compressed prefix with an uncompressed body
            b => Array.Clear(b, 1, 96), // (0, 0)
            b => Array.Fill(b, (byte)0xFF, 1, 48), // X above p
        };
        foreach (Action<byte[]> corrupt in corruptions)
        {
            byte[] bad = (byte[])good.Clone();
            corrupt(bad);
            Assert.Throws<CryptographicException>(() => OpenSslP384.ImportPublic(bad));
        }

        Assert.Throws<CryptographicException>(() => OpenSslP384.ImportPublic(good.AsSpan(0, 96)));
    }

    [Fact]
    public void The_pool_hands_out_each_key_once_and_refills_in_the_background()
    {
        int generated = 0;
        var pool = new P384KeyPool(4, () =>
        {
            Interlocked.Increment(ref generated);
            return OpenSslP384.Generate();
        });
        var seen = new HashSet<string>();
        for (int i = 0; i < 12; i++)
        {
            using P384Key key = pool.Take();
            byte[] point = new byte[97];
            OpenSslP384.WritePublic(key, point);
            Assert.True(seen.Add(Convert.ToHexString(point)), "a key was handed out twice");
        }

        // The pool refills when a Take leaves it at half or below. Take it there, with no Take after
        // (whatever refill is under way meanwhile): it must come back to full.
        int takes = 12;
        for (int i = 0; i < 100 && pool.Count > pool.Capacity / 2; i++, takes++)
        {
            pool.Take().Dispose();
        }

        Assert.True(pool.Count <= pool.Capacity / 2, $"{pool.Count} keys after 100 takes");
        DateTime until = DateTime.UtcNow.AddSeconds(10);
        while (pool.Count < pool.Capacity && DateTime.UtcNow < until)
        {
            Thread.Sleep(10);
        }

        Assert.Equal(pool.Capacity, pool.Count);
        Assert.True(generated <= takes + pool.Capacity, $"generated {generated} for {takes} takes: the pool must stay bounded");

        var empty = new P384KeyPool(0, OpenSslP384.Generate);
        using P384Key inline = empty.Take();
        Assert.Equal(0, empty.Count);
    }
}
