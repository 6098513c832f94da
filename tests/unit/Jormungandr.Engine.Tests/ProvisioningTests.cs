using Jormungandr.Commands;
using Jormungandr.Configuration;
using Jormungandr.Identity;
using Jormungandr.Provisioning;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

/// <summary>snek client add/list/remove on a directory: what is written, what the profile holds, what is refused.</summary>
public sealed class ProvisioningTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-prov-").FullName;
    private readonly string _clients;
    private readonly string _serverPub;

    public ProvisioningTests()
    {
        _clients = Directory.CreateDirectory(Path.Combine(_dir, "clients")).FullName;
        using SnekIdentity server = SnekIdentity.Generate();
        _serverPub = Path.Combine(_dir, "server.pub");
        server.SavePublic(_serverPub);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private AddClientOptions Add(string name) => new()
    {
        Name = name,
        AuthorizedKeysPath = _clients,
        ServerAddresses = ["198.18.0.1", "vpn.example.test"],
        ServerKeyPath = _serverPub,
        ProfilePath = Path.Combine(_dir, name + ".toml"),
        KeyPort = 8443,
        DataPort = 18666,
    };

    private static BufferedOutput Run<T>(ISnekCommand<T> command, T options, bool whatIf = false)
    {
        BufferedOutput output = new((_, _) => !whatIf);
        command.ExecuteAsync(options, output, CancellationToken.None).GetAwaiter().GetResult();
        return output;
    }

    [Fact]
    public void The_profile_connects_as_the_authorized_key_to_the_pinned_server()
    {
        SnekClient added = Assert.IsType<SnekClient>(Assert.Single(Run(new AddClientCommand(), Add("laptop") with { Addresses = ["198.19.0.7", "fd00:5ec::7"], Networks = ["198.19.200.0/24"] }).Objects));
        Assert.Equal(["198.19.0.7", "fd00:5ec::7"], added.Addresses);
        Assert.Equal(["198.19.200.0/24"], added.Networks);

        ClientOptions profile = ClientConfigFile.Load(added.ProfilePath!);
        profile.Validate();
        Assert.Equal(("198.18.0.1", 8443, 18666), (profile.Address, profile.KeyPort, profile.DataPort));
        Assert.Equal(["vpn.example.test"], profile.AlternateAddresses);
        using SnekIdentity me = SnekIdentity.FromPrivateKeyText(profile.PrivateKey!, null, "profile");
        using SnekIdentity authorized = SnekIdentity.LoadPublic(Path.Combine(_clients, "laptop.pub"));
        using SnekIdentity server = SnekIdentity.LoadPublic(_serverPub);
        Assert.Equal(authorized.Fingerprint, me.Fingerprint);
        Assert.Equal(Convert.ToBase64String(server.PublicKeySpan), profile.ServerPublicKey);
        Assert.Equal(added.Fingerprint, me.Fingerprint);
        if (OperatingSystem.IsLinux())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(added.ProfilePath!));
        }

        // The static addresses are in the format the server reads.
        Assert.Equal("198.19.0.7", Engine.AuthorizedKeys.ReadStaticLease(Path.Combine(_clients, "laptop.addr"))!.Address4.ToString());
    }

    [Fact]
    public void A_passphrase_armors_the_profile_key()
    {
        Run(new AddClientCommand(), Add("p") with { Passphrase = "correct horse" });
        ClientOptions profile = ClientConfigFile.Load(Path.Combine(_dir, "p.toml"));
        Assert.Contains("BEGIN SNEK ENCRYPTED PRIVATE KEY", profile.PrivateKey, StringComparison.Ordinal);
        Assert.Equal(CertificateErrorIds.PassphraseRequired, Assert.ThrowsAny<SnekException>(() => SnekIdentity.FromPrivateKeyText(profile.PrivateKey!, null, "p")).ErrorId);
        Assert.Equal(CertificateErrorIds.WrongPassphrase, Assert.ThrowsAny<SnekException>(() => SnekIdentity.FromPrivateKeyText(profile.PrivateKey!, "wrong", "p")).ErrorId);
        using SnekIdentity me = SnekIdentity.FromPrivateKeyText(profile.PrivateKey!, "correct horse", "p");
        Assert.True(me.IsProtected);
    }

    [Fact]
    public void An_existing_public_key_is_authorized_and_the_profile_names_its_key_file()
    {
        using SnekIdentity id = SnekIdentity.Generate();
        string pub = Path.Combine(_dir, "desk.pub");
        id.SavePublic(pub);
        SnekClient added = Assert.IsType<SnekClient>(Assert.Single(Run(new AddClientCommand(), Add("desk") with { PublicKeyPath = pub }).Objects));
        Assert.Equal(id.Fingerprint, added.Fingerprint);
        ClientOptions profile = ClientConfigFile.Load(added.ProfilePath!);
        Assert.Null(profile.PrivateKey);
        Assert.Equal(Path.Combine(_dir, "desk.priv"), profile.CertificatePath);
    }

    [Fact]
    public void List_and_remove_and_what_if_changes_nothing()
    {
        Run(new AddClientCommand(), Add("a"));
        Run(new AddClientCommand(), Add("b"));
        Assert.Equal(["a", "b"], Run(new GetClientCommand(), new GetClientOptions { AuthorizedKeysPath = _clients }).ObjectsOf<SnekClient>().Select(c => c.Name));

        Run(new RemoveClientCommand(), new RemoveClientOptions { Name = "a", AuthorizedKeysPath = _clients }, whatIf: true);
        Assert.True(File.Exists(Path.Combine(_clients, "a.pub")));

        Run(new RemoveClientCommand(), new RemoveClientOptions { Name = "a", AuthorizedKeysPath = _clients });
        Assert.Equal(["b"], Run(new GetClientCommand(), new GetClientOptions { AuthorizedKeysPath = _clients }).ObjectsOf<SnekClient>().Select(c => c.Name));
        Assert.Equal("ClientNotFound", Assert.Throws<SnekException>(() => Run(new RemoveClientCommand(), new RemoveClientOptions { Name = "a", AuthorizedKeysPath = _clients })).ErrorId);
    }

    [Theory]
    [InlineData("../evil", "InvalidClientName")]
    [InlineData(".hidden", "InvalidClientName")]
    [InlineData("", "InvalidClientName")]
    [InlineData("a/b", "InvalidClientName")]
    public void Bad_names_are_refused_before_anything_is_written(string name, string errorId)
    {
        Assert.Equal(errorId, Assert.Throws<SnekException>(() => Run(new AddClientCommand(), Add("x") with { Name = name })).ErrorId);
        Assert.Empty(Directory.GetFiles(_clients));
    }

    [Fact]
    public void Bad_values_and_existing_clients_are_refused()
    {
        Assert.Equal("BadStaticAddressFile", Assert.Throws<SnekException>(() => Run(new AddClientCommand(), Add("x") with { Addresses = ["fd00:5ec::7"] })).ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<SnekException>(() => Run(new AddClientCommand(), Add("x") with { Networks = ["198.19.0.0/33"] })).Kind);
        Assert.Equal(ErrorKind.InvalidArgument, Assert.Throws<SnekException>(() => Run(new AddClientCommand(), Add("x") with { ServerAddresses = [""] })).Kind);
        Assert.Empty(Directory.GetFiles(_clients));

        Run(new AddClientCommand(), Add("x"));
        Assert.Equal("ClientExists", Assert.Throws<SnekException>(() => Run(new AddClientCommand(), Add("x") with { ProfilePath = Path.Combine(_dir, "other.toml") })).ErrorId);
        Run(new AddClientCommand(), Add("x") with { Force = true });
    }
}
