using System.Text;
using Jormungandr.Commands;
using Jormungandr.Crypto;
using Jormungandr.Identity;

namespace Jormungandr.Tests;

[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CertificateCommandTests
{
    private static readonly UnixFileMode Mode600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public async Task New_CreatesBothFiles_Private0600_AndEmitsTheCertificate()
    {
        using IdentityTempDirectory dir = new();
        string target = Path.Combine(dir.Path, "keys"); // created by the command
        BufferedOutput output = new();
        await new NewCertificateCommand().ExecuteAsync(new NewCertificateOptions { Path = target }, output, CancellationToken.None);

        string priv = Path.Combine(target, "snek-cert.priv");
        string pub = Path.Combine(target, "snek-cert.pub");
        Assert.Equal(4032, new FileInfo(priv).Length);
        Assert.Equal(1952, new FileInfo(pub).Length);
        Assert.Equal(Mode600, File.GetUnixFileMode(priv));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(target));
        Assert.Empty(Directory.GetFiles(target, "*.tmp", SearchOption.AllDirectories));

        SnekCertificate cert = Assert.Single(output.ObjectsOf<SnekCertificate>());
        Assert.Equal("snek-cert", cert.Name);
        Assert.Equal("ML-DSA-65", cert.Algorithm);
        Assert.Equal(Fingerprint.Of(File.ReadAllBytes(pub)), cert.Fingerprint);
        Assert.Equal(Fingerprint.ShortOf(File.ReadAllBytes(pub)), cert.ShortFingerprint);
        Assert.Equal(pub, cert.PublicKeyPath);
        Assert.Equal(priv, cert.PrivateKeyPath);
        Assert.False(cert.Protected);
        Assert.InRange(cert.Created, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddMinutes(5));
        Assert.Contains(output.Verbose, v => v.Contains(MlDsa.Provider.Name, StringComparison.Ordinal) && v.Contains("ML-DSA provider", StringComparison.Ordinal));
        Assert.Equal([(pub + ", " + priv, NewCertificateCommand.Action)], output.ShouldProcessCalls);
        Assert.Empty(output.Errors);

        using SnekIdentity loaded = SnekIdentity.LoadPrivate(priv);
        Assert.Equal(cert.Fingerprint, loaded.Fingerprint);
        Assert.True(loaded.Verify("x"u8, ""u8, loaded.Sign("x"u8, ""u8)));
    }

    [Fact]
    public async Task New_ExistingFile_IsRefusedWithoutForce_AndReplacedWithIt()
    {
        using IdentityTempDirectory dir = new();
        File.WriteAllText(dir.File("me.pub"), "old");
        BufferedOutput output = new();
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() =>
            new NewCertificateCommand().ExecuteAsync(new NewCertificateOptions { Path = dir.Path, Name = "me" }, output, CancellationToken.None));
        Assert.Equal(CertificateErrorIds.Exists, ex.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, ex.Kind);
        Assert.Contains("me.pub", ex.Message, StringComparison.Ordinal);
        Assert.Equal("old", File.ReadAllText(dir.File("me.pub")));
        Assert.False(File.Exists(dir.File("me.priv")));
        Assert.Empty(output.ShouldProcessCalls); // refused before asking

        await new NewCertificateCommand().ExecuteAsync(new NewCertificateOptions { Path = dir.Path, Name = "me", Force = true }, output, CancellationToken.None);
        Assert.Equal(1952, new FileInfo(dir.File("me.pub")).Length);
        Assert.Equal(4032, new FileInfo(dir.File("me.priv")).Length);
    }

    [Fact]
    public async Task New_ShouldProcessFalse_WritesNothing()
    {
        using IdentityTempDirectory dir = new();
        string target = Path.Combine(dir.Path, "sub");
        BufferedOutput output = new((_, _) => false);
        await new NewCertificateCommand().ExecuteAsync(new NewCertificateOptions { Path = target, Name = "n" }, output, CancellationToken.None);
        Assert.Single(output.ShouldProcessCalls);
        Assert.False(Directory.Exists(target));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
        Assert.Empty(output.Objects);
    }

    [Fact]
    public async Task New_WithPassphrase_ReportsProgress_WritesArmoredKey_ThatLoads()
    {
        using IdentityTempDirectory dir = new();
        BufferedOutput output = new();
        await new NewCertificateCommand().ExecuteAsync(
            new NewCertificateOptions { Path = dir.Path, Passphrase = SecurePassphrase.From("s3cret") }, output, CancellationToken.None);

        SnekCertificate cert = Assert.Single(output.ObjectsOf<SnekCertificate>());
        Assert.True(cert.Protected);
        Assert.Equal(2, output.Progress.Count);
        Assert.Contains("PBKDF2", output.Progress[0].Status, StringComparison.Ordinal);
        Assert.False(output.Progress[0].Completed);
        Assert.True(output.Progress[1].Completed);
        Assert.StartsWith("-----BEGIN SNEK ENCRYPTED PRIVATE KEY-----", File.ReadAllText(cert.PrivateKeyPath!), StringComparison.Ordinal);
        Assert.Equal(Mode600, File.GetUnixFileMode(cert.PrivateKeyPath!));

        // Get reports the protection without a passphrase (no stretching).
        BufferedOutput get = new();
        await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = cert.PrivateKeyPath! }, get, CancellationToken.None);
        Assert.True(Assert.Single(get.ObjectsOf<SnekCertificate>()).Protected);

        using SnekIdentity loaded = SnekIdentity.LoadPrivate(cert.PrivateKeyPath!, "s3cret");
        Assert.Equal(cert.Fingerprint, loaded.Fingerprint);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a/b")]
    [InlineData("..")]
    [InlineData("key.pub")]
    [InlineData("key.priv")]
    [InlineData(" padded")]
    public async Task New_UnusableName_IsInvalidArgument(string name)
    {
        using IdentityTempDirectory dir = new();
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() =>
            new NewCertificateCommand().ExecuteAsync(new NewCertificateOptions { Path = dir.Path, Name = name }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public async Task New_EmptyPassphrase_IsInvalidArgument()
    {
        using IdentityTempDirectory dir = new();
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() => new NewCertificateCommand().ExecuteAsync(
            new NewCertificateOptions { Path = dir.Path, Passphrase = SecurePassphrase.From("") }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
    }

    [Fact]
    public async Task Get_Directory_EmitsGoodPairs_AndANonTerminatingErrorPerBadOne()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk1, byte[] sk1) = IdentityTestKeys.Pair(21);
        (byte[] pk2, byte[] _) = IdentityTestKeys.Pair(22);
        IdentityTestKeys.WriteRawPair(dir.Path, "alice", pk1, sk1);
        File.WriteAllBytes(dir.File("bob.pub"), pk2);                 // a peer: public key only
        File.WriteAllBytes(dir.File("broken.pub"), new byte[1000]);  // wrong length
        File.WriteAllText(dir.File("notes.txt"), "ignored");

        BufferedOutput output = new();
        await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = dir.Path }, output, CancellationToken.None);

        IReadOnlyList<SnekCertificate> certs = output.ObjectsOf<SnekCertificate>();
        Assert.Equal(["alice", "bob"], certs.Select(c => c.Name));
        Assert.Equal(Fingerprint.Of(pk1), certs[0].Fingerprint);
        Assert.Equal(dir.File("alice.priv"), certs[0].PrivateKeyPath);
        Assert.Equal(Fingerprint.Of(pk2), certs[1].Fingerprint);
        Assert.Null(certs[1].PrivateKeyPath);
        CommandError error = Assert.Single(output.Errors);
        Assert.Equal(CertificateErrorIds.InvalidLength, error.ErrorId);
        Assert.Equal(ErrorKind.InvalidData, error.Kind);
        Assert.Contains("broken.pub", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_SingleBadFile_IsTerminating()
    {
        using IdentityTempDirectory dir = new();
        File.WriteAllBytes(dir.File("bad.pub"), new byte[5]);
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() =>
            new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = dir.File("bad.pub") }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(CertificateErrorIds.InvalidLength, ex.ErrorId);

        SnekException missing = await Assert.ThrowsAsync<SnekException>(() =>
            new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = dir.File("none") }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(ErrorKind.ObjectNotFound, missing.Kind);
    }

    [Fact]
    public async Task Get_PairByAnyOfItsNames_AndLonePrivateKeyGetsItsPublicKeyRecomputed()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(23);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "k", pk, sk);
        foreach (string path in new[] { priv, dir.File("k.pub"), dir.File("k") })
        {
            BufferedOutput output = new();
            await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = path }, output, CancellationToken.None);
            SnekCertificate cert = Assert.Single(output.ObjectsOf<SnekCertificate>());
            Assert.Equal(Fingerprint.Of(pk), cert.Fingerprint);
            Assert.Equal(priv, cert.PrivateKeyPath);
        }

        File.Delete(dir.File("k.pub"));
        BufferedOutput lone = new();
        await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = priv }, lone, CancellationToken.None);
        SnekCertificate loneCert = Assert.Single(lone.ObjectsOf<SnekCertificate>());
        Assert.Equal(Fingerprint.Of(pk), loneCert.Fingerprint);
        Assert.Null(loneCert.PublicKeyPath);
    }

    [Fact]
    public async Task Get_TooOpenPrivateKey_IsShownWithAWarning_MismatchIsAnError()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(24);
        IdentityTestKeys.WriteRawPair(dir.Path, "open", pk, sk, Mode600 | UnixFileMode.OtherRead);
        IdentityTestKeys.WriteRawPair(dir.Path, "mixed", IdentityTestKeys.Pair(25).PublicKey, sk);

        BufferedOutput output = new();
        await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = dir.Path }, output, CancellationToken.None);
        Assert.Equal("open", Assert.Single(output.ObjectsOf<SnekCertificate>()).Name);
        string warning = Assert.Single(output.Warnings);
        Assert.Contains("Permissions 0604", warning, StringComparison.Ordinal);
        Assert.Equal(CertificateErrorIds.Mismatch, Assert.Single(output.Errors).ErrorId);
    }

    [Fact]
    public async Task Get_ArmoredStructureIsCheckedWithoutAPassphrase()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] _) = IdentityTestKeys.Pair(26);
        File.WriteAllBytes(dir.File("a.pub"), pk);
        IdentityTestKeys.WritePrivate(dir.File("a.priv"), Encoding.ASCII.GetBytes(IdentityTestKeys.ArmoredWithoutKey(600_000)));
        File.WriteAllBytes(dir.File("b.pub"), pk);
        IdentityTestKeys.WritePrivate(dir.File("b.priv"), Encoding.ASCII.GetBytes(IdentityTestKeys.ArmoredWithoutKey(10)));

        BufferedOutput output = new();
        await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = dir.Path }, output, CancellationToken.None);
        SnekCertificate a = Assert.Single(output.ObjectsOf<SnekCertificate>());
        Assert.Equal("a", a.Name);
        Assert.True(a.Protected);
        CommandError error = Assert.Single(output.Errors);
        Assert.Equal(CertificateErrorIds.Corrupt, error.ErrorId);
        Assert.Contains("b.priv", error.Message, StringComparison.Ordinal);
    }
}
