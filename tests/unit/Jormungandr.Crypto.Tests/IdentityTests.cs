using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Commands;
using Jormungandr.Crypto;
using Jormungandr.Identity;

namespace Jormungandr.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class IdentityTests
{
    private static readonly UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    // ---- Fingerprints ----

    [Fact]
    public void Fingerprint_KnownAnswer_ComputedIndependentlyWithPython()
    {
        // python3: pk = bytes(i % 251 for i in range(1952)); h = sha256(pk)
        byte[] pk = new byte[1952];
        for (int i = 0; i < pk.Length; i++)
        {
            pk[i] = (byte)(i % 251);
        }

        Assert.Equal("SHA256:LsJe3MIj3XiHh2Wc2DWiJNY2KlPFfX8/YsgXc80Nl8E", Fingerprint.Of(pk));
        Assert.Equal("2ec2:5edc:c223:dd78", Fingerprint.ShortOf(pk));
    }

    [Fact]
    public void Fingerprint_Formats_AreSshLikeAndShortGroupedHex()
    {
        Prop.ForAll<byte[]>(key =>
        {
            string full = Fingerprint.Of(key ?? []);
            string shortForm = Fingerprint.ShortOf(key ?? []);
            return Regex.IsMatch(full, "^SHA256:[A-Za-z0-9+/]{43}$")
                && Regex.IsMatch(shortForm, "^[0-9a-f]{4}(:[0-9a-f]{4}){3}$")
                && Fingerprint.ShortFromFull(full) == shortForm;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Fingerprint_Matches_FullShortAndHexPrefixes_ButNotOthers()
    {
        byte[] pk = IdentityTestKeys.Pair(1).PublicKey;
        string full = Fingerprint.Of(pk);
        string shortForm = Fingerprint.ShortOf(pk);
        Assert.True(Fingerprint.Matches(full, full));
        Assert.True(Fingerprint.Matches(full, full["SHA256:".Length..]));
        Assert.True(Fingerprint.Matches(full, shortForm));
        Assert.True(Fingerprint.Matches(full, shortForm.ToUpperInvariant()));
        Assert.True(Fingerprint.Matches(full, shortForm[..4]));
        Assert.True(Fingerprint.Matches(full, shortForm.Replace(":", "", StringComparison.Ordinal)[..10]));
        Assert.False(Fingerprint.Matches(full, shortForm[..3]));
        Assert.False(Fingerprint.Matches(full, ""));
        Assert.False(Fingerprint.Matches(full, Fingerprint.Of(IdentityTestKeys.Pair(2).PublicKey)));
        Assert.False(Fingerprint.Matches(full, Fingerprint.ShortOf(IdentityTestKeys.Pair(2).PublicKey)));
    }

    // ---- Loading raw files (as liboqs / noble write them) ----

    [Fact]
    public void LoadPrivate_RawFilesFromAnotherTool_LoadSignAndVerify()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(7);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "oqs", pk, sk);

        using SnekIdentity identity = SnekIdentity.LoadPrivate(priv);
        Assert.True(identity.HasPrivateKey);
        Assert.False(identity.IsProtected);
        Assert.Equal(pk, identity.PublicKey);
        Assert.Equal(Fingerprint.Of(pk), identity.Fingerprint);
        Assert.Equal(dir.File("oqs.pub"), identity.PublicKeyPath);

        byte[] message = Encoding.UTF8.GetBytes("hello");
        byte[] signature = identity.Sign(message, "ctx"u8);
        using SnekIdentity verifier = SnekIdentity.LoadPublic(dir.File("oqs.pub"));
        Assert.False(verifier.HasPrivateKey);
        Assert.True(verifier.Verify(message, "ctx"u8, signature));
        Assert.True(MlDsa.Provider.Verify(MlDsaParameterSet.MlDsa65, pk, message, "ctx"u8, signature));
        Assert.False(verifier.Verify(message, "other"u8, signature));
        Assert.False(verifier.Verify(message, "ctx"u8, signature.AsSpan(1).ToArray()));
    }

    [VectorsFact]
    public void LoadPrivate_NistKeyGenVectorFiles_GiveTheVectorsPublicKey()
    {
        // Keys made by NIST's ACVP server (an independent implementation), written raw.
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TestPaths.VectorsDirectory!, "mldsa-keygen.json")));
        int checkedCases = 0;
        foreach (JsonElement c in doc.RootElement.GetProperty("testCases").EnumerateArray())
        {
            if (c.GetProperty("parameterSet").GetString() != "ML-DSA-65" || checkedCases == 3)
            {
                continue;
            }

            byte[] pk = Convert.FromHexString(c.GetProperty("pk").GetString()!);
            byte[] sk = Convert.FromHexString(c.GetProperty("sk").GetString()!);
            using IdentityTempDirectory dir = new();
            string priv = IdentityTestKeys.WriteRawPair(dir.Path, "nist", pk, sk);
            using (SnekIdentity withPub = SnekIdentity.LoadPrivate(priv))
            {
                Assert.Equal(pk, withPub.PublicKey);
            }

            File.Delete(dir.File("nist.pub"));
            using SnekIdentity alone = SnekIdentity.LoadPrivate(priv);
            Assert.Equal(pk, alone.PublicKey); // recomputed from the secret key
            Assert.Null(alone.PublicKeyPath);
            checkedCases++;
        }

        Assert.Equal(3, checkedCases);
    }

    [Fact]
    public void LoadPrivate_GroupOrWorldReadable_IsRefusedLikeSsh()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(3);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "open", pk, sk, Mode600 | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv));
        Assert.Equal(CertificateErrorIds.PermissionsTooOpen, ex.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.StartsWith($"Permissions 0644 for '{priv}' are too open.", ex.Message, StringComparison.Ordinal);

        File.SetUnixFileMode(priv, Mode600 | UnixFileMode.GroupRead);
        Assert.Contains("Permissions 0640", Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv)).Message, StringComparison.Ordinal);

        File.SetUnixFileMode(priv, UnixFileMode.UserRead);
        using SnekIdentity ok = SnekIdentity.LoadPrivate(priv); // 0400 is fine
        Assert.True(ok.HasPrivateKey);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(4031)]
    [InlineData(4033)]
    [InlineData(1952)]
    public void LoadPrivate_WrongLength_NamesTheFile(int length)
    {
        using IdentityTempDirectory dir = new();
        string priv = dir.File("short.priv");
        IdentityTestKeys.WritePrivate(priv, RandomNumberGenerator.GetBytes(length));
        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv));
        Assert.Equal(CertificateErrorIds.InvalidLength, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains(priv, ex.Message, StringComparison.Ordinal);
        Assert.Contains("4032", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPrivate_HugeFile_IsRefusedWithoutReadingIt()
    {
        using IdentityTempDirectory dir = new();
        string priv = dir.File("huge.priv");
        using (FileStream f = new(priv, FileMode.CreateNew))
        {
            f.SetLength(1L << 30); // sparse: 1 GiB that must never be allocated
        }

        File.SetUnixFileMode(priv, Mode600);
        Assert.Equal(CertificateErrorIds.InvalidLength, Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv)).ErrorId);
    }

    [Theory]
    [InlineData(100)]
    [InlineData(1951)]
    [InlineData(4032)]
    public void LoadPublic_WrongLength_NamesTheFile(int length)
    {
        using IdentityTempDirectory dir = new();
        string pub = dir.File("x.pub");
        File.WriteAllBytes(pub, new byte[length]);
        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPublic(pub));
        Assert.Equal(CertificateErrorIds.InvalidLength, ex.ErrorId);
        Assert.Contains(pub, ex.Message, StringComparison.Ordinal);
        Assert.Contains("1952", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFileOrDirectory_GivesClearErrors()
    {
        using IdentityTempDirectory dir = new();
        SnekException missing = Assert.Throws<SnekException>(() => SnekIdentity.LoadPublic(dir.File("nope.pub")));
        Assert.Equal(CertificateErrorIds.NotFound, missing.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, missing.Kind);
        Assert.Contains("nope.pub", missing.Message, StringComparison.Ordinal);

        SnekException isDir = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(dir.Path));
        Assert.Equal(CertificateErrorIds.InvalidPath, isDir.ErrorId);
    }

    [Fact]
    public void LoadPrivate_PubOfAnotherKey_IsAMismatch()
    {
        using IdentityTempDirectory dir = new();
        (byte[] _, byte[] sk) = IdentityTestKeys.Pair(4);
        (byte[] otherPk, byte[] _) = IdentityTestKeys.Pair(5);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "mixed", otherPk, sk);
        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv));
        Assert.Equal(CertificateErrorIds.Mismatch, ex.ErrorId);
        Assert.Contains("mixed.pub", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPrivate_SecretVectorsCorrupted_IsCaughtByTheFullPairCheck()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(6);
        sk[200] ^= 0x01; // inside s1: ρ and tr still match, the public key no longer does
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "bent", pk, sk);
        Assert.Equal(CertificateErrorIds.Mismatch, Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv)).ErrorId);

        File.Delete(dir.File("bent.pub"));
        byte[] random = RandomNumberGenerator.GetBytes(SnekIdentity.SecretKeySize);
        IdentityTestKeys.WritePrivate(priv, random);
        Assert.Equal(CertificateErrorIds.Corrupt, Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv)).ErrorId);
    }

    // ---- Passphrase protection (PBKDF2 at 600,000 iterations: few tests on purpose) ----

    [Fact]
    public void ArmoredKey_RoundTrip_WrongPassphrase_AndMissingPassphrase()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(8);
        using SnekIdentity original = SnekIdentity.FromKeys(pk, sk);
        string priv = dir.File("p.priv");
        using (var pass = SecurePassphrase.From("correct horse ✓"))
        {
            original.SavePrivate(priv, pass);
        }

        original.SavePublic(dir.File("p.pub"));
        Assert.Equal(Mode600, File.GetUnixFileMode(priv));
        string text = File.ReadAllText(priv);
        Assert.StartsWith("-----BEGIN SNEK ENCRYPTED PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        Assert.EndsWith("-----END SNEK ENCRYPTED PRIVATE KEY-----\n", text, StringComparison.Ordinal);
        byte[] blob = IdentityTestKeys.Unarmor(text);
        Assert.Equal(1 + 16 + 4 + 12 + 4032 + 16, blob.Length);
        Assert.Equal(1, blob[0]);
        Assert.Equal(600_000, System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(blob.AsSpan(17, 4)));
        Assert.Equal(-1, blob.AsSpan().IndexOf(sk.AsSpan(128, 64))); // the secret is not in the clear

        using (SnekIdentity loaded = SnekIdentity.LoadPrivate(priv, "correct horse ✓"))
        {
            Assert.True(loaded.IsProtected);
            Assert.Equal(pk, loaded.PublicKey);
            Assert.True(loaded.SecretKeySpan.SequenceEqual(sk));
        }

        SnekException wrong = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv, "correct horse"));
        Assert.Equal(CertificateErrorIds.WrongPassphrase, wrong.ErrorId);
        Assert.Equal(ErrorKind.SecurityError, wrong.Kind);
        Assert.Contains(priv, wrong.Message, StringComparison.Ordinal);

        SnekException none = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv));
        Assert.Equal(CertificateErrorIds.PassphraseRequired, none.ErrorId);
        Assert.Contains(priv, none.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ArmoredKey_HeaderIsAuthenticated_RaisingIterationsBreaksTheTag()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(9);
        using SnekIdentity original = SnekIdentity.FromKeys(pk, sk);
        string priv = dir.File("h.priv");
        original.SavePrivate(priv, SecurePassphrase.From("pw"));
        original.SavePublic(dir.File("h.pub"));

        byte[] blob = IdentityTestKeys.Unarmor(File.ReadAllText(priv));
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(blob.AsSpan(17, 4), 600_001);
        IdentityTestKeys.WritePrivate(priv, Encoding.ASCII.GetBytes(IdentityTestKeys.Armor(blob)));
        Assert.Equal(CertificateErrorIds.WrongPassphrase, Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv, "pw")).ErrorId);
    }

    [Theory]
    [InlineData("truncated")]
    [InlineData("no-end")]
    [InlineData("bad-base64")]
    [InlineData("version-2")]
    [InlineData("downgrade")]
    [InlineData("too-many-iterations")]
    [InlineData("trailing-data")]
    [InlineData("non-ascii")]
    public void ArmoredKey_CorruptFiles_AreOneClearErrorWithoutStretching(string damage)
    {
        using IdentityTempDirectory dir = new();
        string good = IdentityTestKeys.ArmoredWithoutKey(600_000);
        string text = damage switch
        {
            "truncated" => good[..(good.Length / 2)] + "\n-----END SNEK ENCRYPTED PRIVATE KEY-----\n",
            "no-end" => good.Replace("-----END SNEK ENCRYPTED PRIVATE KEY-----", "", StringComparison.Ordinal),
            "bad-base64" => good[..100] + "!!!!" + good[104..], // inside the body (the BEGIN line is 43 characters)
            "version-2" => IdentityTestKeys.ArmoredWithoutKey(600_000, version: 2),
            "downgrade" => IdentityTestKeys.ArmoredWithoutKey(1_000),
            "too-many-iterations" => IdentityTestKeys.ArmoredWithoutKey(int.MaxValue),
            "trailing-data" => good + "extra\n",
            "non-ascii" => good[..100] + "é" + good[101..],
            _ => throw new ArgumentOutOfRangeException(nameof(damage)),
        };
        string priv = dir.File("c.priv");
        IdentityTestKeys.WritePrivate(priv, Encoding.UTF8.GetBytes(text));
        (byte[] pk, byte[] _) = IdentityTestKeys.Pair(10);
        File.WriteAllBytes(dir.File("c.pub"), pk);

        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv, "pw"));
        Assert.Equal(CertificateErrorIds.Corrupt, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, ex.Kind);
        Assert.Contains(priv, ex.Message, StringComparison.Ordinal);
        if (damage == "downgrade")
        {
            Assert.Contains("1000 PBKDF2 iterations", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ArmoredKey_WriterRefusesIterationsBelowTheFloor()
    {
        byte[] sk = new byte[SnekIdentity.SecretKeySize];
        Assert.Throws<ArgumentOutOfRangeException>(() => ArmoredPrivateKey.Encrypt(sk, SecurePassphrase.From("x"), SystemRandom.Instance, iterations: 599_999));
    }

    // ---- Writing ----

    [Fact]
    public void Save_WritesRawFiles_0600_Atomically_AndRefusesOverwrite()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(11);
        using SnekIdentity identity = SnekIdentity.FromKeys(pk, sk);
        string priv = dir.File("s.priv");
        identity.SavePrivate(priv);
        identity.SavePublic(dir.File("s.pub"));
        Assert.Equal(sk, File.ReadAllBytes(priv));
        Assert.Equal(pk, File.ReadAllBytes(dir.File("s.pub")));
        Assert.Equal(Mode600, File.GetUnixFileMode(priv));

        SnekException exists = Assert.Throws<SnekException>(() => identity.SavePrivate(priv));
        Assert.Equal(CertificateErrorIds.Exists, exists.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, exists.Kind);
        identity.SavePrivate(priv, overwrite: true);
        Assert.Equal(["s.priv", "s.pub"], Directory.GetFiles(dir.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void FromKeys_WrongLengthsOrForeignSecret_Throw()
    {
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(12);
        Assert.Throws<ArgumentException>(() => SnekIdentity.FromKeys(pk.AsSpan(1), sk));
        Assert.Throws<ArgumentException>(() => SnekIdentity.FromKeys(pk, sk.AsSpan(1)));
        Assert.Throws<ArgumentException>(() => SnekIdentity.FromKeys(IdentityTestKeys.Pair(13).PublicKey, sk));
        Assert.Throws<ArgumentException>(() => SnekIdentity.FromPublicKey(new byte[10]));
    }

    [Fact]
    public void Generate_SignVerify_AndDisposeZeroesTheSecret()
    {
        SnekIdentity identity = SnekIdentity.Generate();
        byte[] signature = identity.Sign("m"u8, ""u8);
        Assert.Equal(SnekIdentity.SignatureSize, signature.Length);
        Assert.True(identity.Verify("m"u8, ""u8, signature));
        Assert.True(SnekIdentity.KeyPairMatches(identity.PublicKeySpan, identity.SecretKeySpan));

        byte[] secret = (byte[])typeof(SnekIdentity).GetField("_secretKey", BindingFlags.NonPublic | BindingFlags.Instance)!.GetValue(identity)!;
        Assert.Contains(secret, b => b != 0);
        identity.Dispose();
        Assert.All(secret, b => Assert.Equal(0, b));
        Assert.Throws<ObjectDisposedException>(() => identity.Sign("m"u8, ""u8));
        Assert.True(identity.Verify("m"u8, ""u8, signature)); // the public half still verifies

        using SnekIdentity publicOnly = SnekIdentity.FromPublicKey(identity.PublicKeySpan);
        Assert.Throws<InvalidOperationException>(() => publicOnly.Sign("m"u8, ""u8));
    }
}
