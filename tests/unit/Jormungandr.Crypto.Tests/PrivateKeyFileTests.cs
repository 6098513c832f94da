using Jormungandr.Commands;
using Jormungandr.Identity;

namespace Jormungandr.Tests;

/// <summary>A private key is used only from a regular file that belongs to the user loading it (or root).</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PrivateKeyFileTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    [RootFact]
    public void LoadPrivate_OwnedByAnotherUser_IsRefusedNamingBothUids()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(40);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "planted", pk, sk); // 0600
        UnixFiles.Chown(priv, UnixFiles.Nobody, UnixFiles.Nobody);

        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate(priv));
        Assert.Equal(CertificateErrorIds.WrongOwner, ex.ErrorId);
        Assert.Equal(ErrorKind.PermissionDenied, ex.Kind);
        Assert.Equal(priv, ex.Target);
        Assert.Contains($"'{priv}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"uid {UnixFiles.Nobody}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"uid {UnixFiles.EffectiveUserId}", ex.Message, StringComparison.Ordinal);

        // Given back to the user loading it (root here), the same file loads.
        UnixFiles.Chown(priv, UnixFiles.EffectiveUserId, 0);
        using SnekIdentity ok = SnekIdentity.LoadPrivate(priv);
        Assert.Equal(pk, ok.PublicKey);
    }

    [Fact]
    public void CheckPrivateOwner_AcceptsTheUserAndRoot_RefusesAnyoneElse()
    {
        KeyFile.CheckPrivateOwner(1000, 1000, "k.priv");
        KeyFile.CheckPrivateOwner(0, 1000, "k.priv"); // root-owned keys (e.g. /etc) are fine
        KeyFile.CheckPrivateOwner(0, 0, "k.priv");
        SnekException ex = Assert.Throws<SnekException>(() => KeyFile.CheckPrivateOwner(1001, 1000, "k.priv"));
        Assert.Equal(CertificateErrorIds.WrongOwner, ex.ErrorId);
        Assert.StartsWith("Bad owner for 'k.priv': it belongs to uid 1001, but snek runs as uid 1000.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(CertificateErrorIds.WrongOwner, Assert.Throws<SnekException>(() => KeyFile.CheckPrivateOwner(1000, 0, "k.priv")).ErrorId);
    }

    [RootFact]
    public async Task Get_PrivateKeyOfAnotherUser_IsShownWithAWarning()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(41);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "theirs", pk, sk);
        UnixFiles.Chown(priv, UnixFiles.Nobody, UnixFiles.Nobody);

        BufferedOutput output = new();
        await new GetCertificateCommand().ExecuteAsync(new GetCertificateOptions { Path = dir.Path }, output, CancellationToken.None);
        Assert.Equal("theirs", Assert.Single(output.ObjectsOf<SnekCertificate>()).Name);
        string warning = Assert.Single(output.Warnings);
        Assert.Contains($"uid {UnixFiles.Nobody}", warning, StringComparison.Ordinal);
        Assert.EndsWith("snek will refuse to use it.", warning, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPrivate_Fifo_IsRefusedPromptly()
    {
        using IdentityTempDirectory dir = new();
        string fifo = dir.File("snek-cert.priv");
        UnixFiles.MkFifo(fifo);

        Exception? thrown = UnixFiles.RunBounded(() => SnekIdentity.LoadPrivate(fifo), fifo, Limit);
        SnekException ex = Assert.IsType<SnekException>(thrown);
        Assert.Equal(CertificateErrorIds.InvalidPath, ex.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.Equal($"'{fifo}' is a FIFO (named pipe), not a private key file.", ex.Message);
    }

    [Fact]
    public void LoadPrivate_SymlinkToAFifo_IsRefusedPromptly()
    {
        using IdentityTempDirectory dir = new();
        string fifo = dir.File("pipe");
        UnixFiles.MkFifo(fifo);
        string link = dir.File("linked.priv");
        File.CreateSymbolicLink(link, fifo);

        Exception? thrown = UnixFiles.RunBounded(() => SnekIdentity.LoadPrivate(link), fifo, Limit);
        Assert.Equal(CertificateErrorIds.InvalidPath, Assert.IsType<SnekException>(thrown).ErrorId);
    }

    [Fact]
    public void LoadPrivate_CharacterDevice_IsRefusedNotRead()
    {
        // /dev/zero would "read" as an all-zero key of any length the size check allowed.
        SnekException ex = Assert.Throws<SnekException>(() => SnekIdentity.LoadPrivate("/dev/zero"));
        Assert.Equal(CertificateErrorIds.InvalidPath, ex.ErrorId);
        Assert.Contains("character device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void LoadPublic_Fifo_IsRefusedPromptly()
    {
        using IdentityTempDirectory dir = new();
        string fifo = dir.File("peer.pub");
        UnixFiles.MkFifo(fifo);

        Exception? thrown = UnixFiles.RunBounded(() => SnekIdentity.LoadPublic(fifo), fifo, Limit);
        Assert.Equal(CertificateErrorIds.InvalidPath, Assert.IsType<SnekException>(thrown).ErrorId);
    }
}
