using Jormungandr.Commands;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

public class TunnelOptionsTests
{
    private static readonly ServerOptions GoodServer = new() { AuthorizedKeysPath = "/etc/jormungandr/clients" };
    private static readonly ClientOptions GoodClient = new() { Address = "198.18.0.1", CertificatePath = "/root/me.priv", ServerKeyPath = "/root/server.pub" };

    private static void Bad(Action validate, string option)
    {
        SnekException e = Assert.Throws<SnekException>(validate);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Equal("InvalidTunnelOption", e.ErrorId);
        Assert.Equal(option, e.Target);
    }

    [Fact]
    public void Defaults_are_valid_and_match_the_original()
    {
        GoodServer.Validate();
        GoodClient.Validate();
        Assert.Equal(443, GoodServer.KeyPort);
        Assert.Equal(10666, GoodServer.DataPort);
        Assert.Equal("198.19.0.0/24", GoodServer.Pool);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65536)]
    public void Ports_out_of_range_are_refused(int port)
    {
        Bad(() => (GoodServer with { KeyPort = port }).Validate(), "KeyPort");
        Bad(() => (GoodClient with { DataPort = port }).Validate(), "DataPort");
    }

    [Theory]
    [InlineData("198.19.0.0")]
    [InlineData("198.19.0.1/24")] // host bits set
    [InlineData("198.19.0.0/31")]
    [InlineData("fd00:5ec::/64")] // not IPv4
    [InlineData("banana/24")]
    [InlineData("")]
    public void Bad_ipv4_pools_are_refused(string pool) => Bad(() => (GoodServer with { Pool = pool }).Validate(), "Pool");

    [Theory]
    [InlineData("fd00:5ec::/48")]
    [InlineData("fd00:5ec::/127")]
    [InlineData("198.19.0.0/24")]
    public void Bad_ipv6_pools_are_refused(string pool) => Bad(() => (GoodServer with { Pool6 = pool }).Validate(), "Pool6");

    [Theory]
    [InlineData("")]
    [InlineData("a-name-that-is-too-long")]
    [InlineData("snk 0")]
    [InlineData("snk/0")]
    [InlineData("..")]
    [InlineData("snk0;reboot")]
    public void Bad_interface_names_are_refused(string name) => Bad(() => (GoodServer with { InterfaceName = name }).Validate(), "InterfaceName");

    [Theory]
    [InlineData(575)]
    [InlineData(65536)]
    public void Bad_mtus_are_refused(int mtu) => Bad(() => (GoodClient with { Mtu = mtu }).Validate(), "Mtu");

    [Fact]
    public void Ipv6_pool_needs_an_mtu_of_at_least_1280() =>
        Bad(() => (GoodServer with { Pool6 = "fd00:5ec::/120", Mtu = 1000 }).Validate(), "Mtu");

    [Theory]
    [InlineData("")]
    [InlineData("bad host!")]
    [InlineData("fe80::1%eth0")]
    public void Bad_server_addresses_are_refused(string address) => Bad(() => (GoodClient with { Address = address }).Validate(), "Address");

    [Fact]
    public void Host_names_are_accepted() => (GoodClient with { Address = "vpn.example" }).Validate();

    [Fact]
    public void Trust_on_first_use_cannot_be_combined_with_a_pinned_key() =>
        Bad(() => (GoodClient with { TrustOnFirstUse = true }).Validate(), "TrustOnFirstUse");

    [Fact]
    public void Routes_must_be_networks()
    {
        (GoodClient with { Routes = ["198.19.5.0/24", "fd00:5ec::/64"] }).Validate();
        Bad(() => (GoodClient with { Routes = ["198.19.5.1"] }).Validate(), "Routes");
        Bad(() => (GoodClient with { Routes = ["198.19.5.1/24"] }).Validate(), "Routes");
    }

    [Fact]
    public void Required_values_are_required()
    {
        Bad(() => new ServerOptions().Validate(), "AuthorizedKeysPath");
        Bad(() => (GoodClient with { CertificatePath = "" }).Validate(), "CertificatePath");
        Bad(() => new StopTunnelOptions().Validate(), "InterfaceName");
        Bad(() => new DisconnectPeerOptions().Validate(), "Fingerprint");
    }

    [Theory]
    [InlineData("SHA256:CRAQo/QU3ehTBgg8O1DkpudZHNx0YT3otFLBs8tcWSM", true)]
    [InlineData("3fa2:9c01:7d4e:b210", true)]
    [InlineData("3fa2", true)]
    [InlineData("3fa29c01", true)]
    [InlineData("3fa", false)]
    [InlineData("SHA256:tooshort", false)]
    [InlineData("xyz0:0000", false)]
    [InlineData("3fa2:9c01:7d4e:b210:0000", false)]
    public void Fingerprints_full_short_or_prefix(string text, bool ok)
    {
        var options = new DisconnectPeerOptions { Fingerprint = text };
        if (ok)
        {
            options.Validate();
        }
        else
        {
            Bad(options.Validate, "Fingerprint");
        }
    }
}
