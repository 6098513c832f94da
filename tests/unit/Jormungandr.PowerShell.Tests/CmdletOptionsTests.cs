using System.Net;
using System.Security;
using Jormungandr.PowerShell;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

/// <summary>
/// Each cmdlet's parameters become the right options record (the rest is the shared command, tested
/// with it). Cmdlet objects are created directly: binding itself is PowerShell's and is covered by the
/// metadata tests and the Pester suite (which also exercises the switches end to end).
/// </summary>
public class CmdletOptionsTests
{
    private static string Resolve(string path) => "/resolved/" + path;

    [Fact]
    public void Start_SnekServer_maps_every_parameter_and_leaves_unbound_Mtu_null()
    {
        using SecureString pass = new NetworkCredential("", "s3cret").SecurePassword;
        StartSnekServerCommand cmdlet = new()
        {
            AuthorizedKeys = "authorized",
            Certificate = "server.priv",
            Passphrase = pass,
            KeyPort = 8443,
            DataPort = 18666,
            Bind = "198.18.0.1",
            Pool = "198.19.5.0/24",
            Pool6 = "fd00:5ec::/64",
            InterfaceName = "snk5",
        };

        ServerOptions options = cmdlet.CreateOptions(Resolve);
        Assert.Equal("/resolved/authorized", options.AuthorizedKeysPath);
        Assert.Equal("/resolved/server.priv", options.CertificatePath);
        Assert.Equal("s3cret", options.Passphrase);
        Assert.Equal(8443, options.KeyPort);
        Assert.Equal(18666, options.DataPort);
        Assert.Equal("198.18.0.1", options.Bind);
        Assert.Equal("198.19.5.0/24", options.Pool);
        Assert.Equal("fd00:5ec::/64", options.Pool6);
        Assert.Equal("snk5", options.InterfaceName);
        Assert.Null(options.Mtu);
        options.Validate();

        cmdlet.Mtu = 1380;
        Assert.Equal(1380, cmdlet.CreateOptions(Resolve).Mtu);
    }

    [Fact]
    public void Start_SnekServer_defaults_match_the_tunnel_defaults()
    {
        ServerOptions options = new StartSnekServerCommand { AuthorizedKeys = "a" }.CreateOptions(Resolve);
        ServerOptions defaults = new() { AuthorizedKeysPath = "/resolved/a" };
        Assert.Equal(defaults, options);
    }

    [Fact]
    public void Connect_SnekPeer_pins_the_server_key_only_in_the_ServerKey_set()
    {
        ConnectSnekPeerCommand pinned = new() { Address = "198.18.0.1", Certificate = "c.priv", ServerKey = "s.pub", Route = ["198.19.9.0/24"] };
        ClientOptions a = pinned.CreateOptions(Resolve);
        Assert.Equal("/resolved/s.pub", a.ServerKeyPath);
        Assert.Null(a.TrustedServersPath);
        Assert.False(a.TrustOnFirstUse);
        Assert.Equal(["198.19.9.0/24"], a.Routes);
        Assert.Equal(TunnelDefaults.KeyPort, a.KeyPort);
        a.Validate();

        ConnectSnekPeerCommand trusting = new() { Address = "vpn.example.test", Certificate = "c.priv", TrustedServers = "trusted", Mtu = 1400 };
        ClientOptions b = trusting.CreateOptions(Resolve);
        Assert.Null(b.ServerKeyPath);
        Assert.Equal("/resolved/trusted", b.TrustedServersPath);
        Assert.Equal(1400, b.Mtu);
        Assert.Null(b.Passphrase);
        b.Validate();
    }

    [Fact]
    public void The_vpn_parameters_become_the_same_options_as_the_flags()
    {
        ClientOptions client = new ConnectSnekPeerCommand
        {
            Address = "198.18.0.1", Certificate = "c.priv", ServerKey = "s.pub", FullTunnel = true, KillSwitch = true,
            PullAllow = ["198.19.0.0/16"], PullDeny = ["198.19.64.0/24"], NoPullDns = true,
        }.CreateOptions(Resolve);
        Assert.True(client.FullTunnel);
        Assert.True(client.KillSwitch);
        Assert.False(client.RouteNoPull);
        Assert.Equal(["198.19.0.0/16"], client.PullAllow);
        Assert.Equal(["198.19.64.0/24"], client.PullDeny);
        Assert.True(client.NoPullDns);
        client.Validate();

        ServerOptions server = new StartSnekServerCommand
        {
            AuthorizedKeys = "a", Gateway = true, PushRoute = ["0.0.0.0/0"], PushDns = ["198.19.0.1"], PushSearchDomain = ["corp.example"],
        }.CreateOptions(Resolve);
        Assert.True(server.Gateway);
        Assert.Equal(["0.0.0.0/0"], server.PushRoutes);
        Assert.Equal(["198.19.0.1"], server.PushDns);
        Assert.Equal(["corp.example"], server.PushSearchDomains);
        server.Validate();
    }

    [Fact]
    public void New_SnekCertificate_passes_the_SecureString_through()
    {
        using SecureString pass = new NetworkCredential("", "pw").SecurePassword;
        var options = new NewSnekCertificateCommand { Path = ["keys"], Name = "laptop", Passphrase = pass }.CreateOptions(Resolve, "keys");
        Assert.Equal("/resolved/keys", options.Path);
        Assert.Equal("laptop", options.Name);
        Assert.Same(pass, options.Passphrase);

        var cmdlet = new NewSnekCertificateCommand();
        var defaults = cmdlet.CreateOptions(Resolve, cmdlet.Path[0]);
        Assert.Equal("/resolved/.", defaults.Path);
        Assert.Equal(Identity.SnekIdentity.DefaultName, defaults.Name);
        Assert.False(defaults.Force);
    }

    [Fact]
    public void Invoke_LegacyEcho_sends_pipeline_messages_in_arrival_order()
    {
        InvokeLegacyEchoCommand cmdlet = new() { ComputerName = "127.0.0.1", Port = 4601, CipherFile = "ciphers.toml", Group = 14 };
        cmdlet.Collect(["one"]);
        cmdlet.Collect(["two", "three"]);
        var options = cmdlet.CreateOptions(Resolve);
        Assert.Equal(["one", "two", "three"], options.Messages);
        Assert.Equal("127.0.0.1", options.ComputerName);
        Assert.Equal(4601, options.Port);
        Assert.Equal("/resolved/ciphers.toml", options.CipherFile);
        Assert.Equal(14, options.Group);
    }

    [Fact]
    public void Start_LegacyEchoServer_maps_its_parameters()
    {
        var options = new StartLegacyEchoServerCommand { Port = 0, Bind = "127.0.0.1", MaxClients = 3 }.CreateOptions(Resolve);
        Assert.Equal(0, options.Port);
        Assert.Equal("127.0.0.1", options.Bind);
        Assert.Equal(3, options.MaxClients);
        Assert.Null(options.CipherFile);
        Assert.Equal(Legacy.DiffieHellmanGroups.DefaultGroup, options.Group);
    }

    [Fact]
    public void Session_cmdlets_map_interface_and_fingerprint()
    {
        const string fp = "3fa2:9c01:7d4e:b210";
        Assert.Equal(new GetSessionOptions { InterfaceName = "snk1", Fingerprint = fp }, new GetSnekSessionCommand { InterfaceName = "snk1", Fingerprint = fp }.CreateOptions());
        Assert.Equal(new DisconnectPeerOptions { InterfaceName = null, Fingerprint = fp }, new DisconnectSnekPeerCommand { Fingerprint = fp }.CreateOptions());
        Assert.Equal(new StopTunnelOptions { InterfaceName = "snk2" }, new StopSnekTunnelCommand { InterfaceName = "snk2" }.CreateOptions());
    }

    [Fact]
    public void ConfigPath_takes_the_file_and_only_explicitly_bound_parameters_override_it()
    {
        string dir = Directory.CreateTempSubdirectory("snek-cmdlet-config-").FullName;
        try
        {
            string server = Path.Combine(dir, "server.toml");
            File.WriteAllText(server, "authorized_keys = \"keys\"\nkey_port = 8443\ndata_port = 18666\npool = \"198.19.5.0/24\"\n");
            StartSnekServerCommand start = new() { ConfigPath = server, DataPort = 10667, InterfaceName = "snk3" };
            ServerOptions s = start.CreateOptions(p => p, ["ConfigPath", "DataPort", "InterfaceName"]);
            Assert.Equal(Path.Combine(dir, "keys"), s.AuthorizedKeysPath);
            Assert.Equal(8443, s.KeyPort);          // KeyPort's default (443) was not bound
            Assert.Equal(10667, s.DataPort);
            Assert.Equal("198.19.5.0/24", s.Pool);
            Assert.Equal("snk3", s.InterfaceName);

            string client = Path.Combine(dir, "client.toml");
            File.WriteAllText(client, "server = \"198.18.0.1\"\ncertificate = \"me.priv\"\nroutes = [\"198.19.9.0/24\"]\n");
            ConnectSnekPeerCommand connect = new() { ConfigPath = client, Route = ["198.19.7.0/24"], Certificate = "other.priv" };
            ClientOptions c = connect.CreateOptions(p => Path.IsPathRooted(p) ? p : Resolve(p), ["ConfigPath", "Route", "Certificate"]);
            Assert.Equal("198.18.0.1", c.Address);
            Assert.Equal(["198.19.7.0/24"], c.Routes);
            Assert.Equal("/resolved/other.priv", c.CertificatePath);

            // Without -ConfigPath the parameters are the options, as before.
            ConnectSnekPeerCommand plain = new() { Address = "198.18.0.1", Certificate = "c.priv" };
            Assert.Equal(plain.CreateOptions(Resolve) with { Routes = [] }, plain.CreateOptions(Resolve, ["Address", "Certificate"]) with { Routes = [] });
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
