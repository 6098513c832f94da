using System.Net;
using Jormungandr.Engine;

namespace Jormungandr.Tests;

public class AllowedNetworksTests
{
    private sealed class Peer(string name)
    {
        public override string ToString() => name;
    }

    private static byte[] Bytes(string address) => IPAddress.Parse(address).GetAddressBytes();

    private static IPNetwork[] Networks(params string[] n) => [.. n.Select(IPNetwork.Parse)];

    [Fact]
    public void Destinations_route_to_the_peer_owning_them_and_nothing_else()
    {
        var table = new AllowedNetworks<Peer>();
        var a = new Peer("a");
        var b = new Peer("b");
        table.Set(a, Networks("198.19.0.2/32", "fd00:5ec::2/128"));
        table.Set(b, Networks("198.19.0.3/32"));
        Assert.Same(a, table.Lookup(Bytes("198.19.0.2")));
        Assert.Same(a, table.Lookup(Bytes("fd00:5ec::2")));
        Assert.Same(b, table.Lookup(Bytes("198.19.0.3")));
        Assert.Null(table.Lookup(Bytes("198.19.0.4")));
        Assert.Null(table.Lookup(Bytes("fd00:5ec::3")));
        Assert.Null(table.Lookup(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void The_longest_matching_prefix_wins_whatever_the_order_networks_were_given()
    {
        var table = new AllowedNetworks<Peer>();
        var everything = new Peer("default");
        var site = new Peer("site");
        var host = new Peer("host");
        table.Set(host, Networks("198.19.64.7/32"));
        table.Set(everything, Networks("0.0.0.0/0", "::/0"));
        table.Set(site, Networks("198.19.64.0/18", "fd00:5ec::/64"));
        Assert.Same(host, table.Lookup(Bytes("198.19.64.7")));
        Assert.Same(site, table.Lookup(Bytes("198.19.64.8")));
        Assert.Same(site, table.Lookup(Bytes("198.19.127.255")));
        Assert.Same(everything, table.Lookup(Bytes("198.19.128.0")));
        Assert.Same(everything, table.Lookup(Bytes("198.18.0.1")));
        Assert.Same(site, table.Lookup(Bytes("fd00:5ec::ffff:1")));
        Assert.Same(everything, table.Lookup(Bytes("fd00:5ec:0:1::1")));
    }

    [Fact]
    public void A_peer_owns_only_the_sources_inside_its_networks()
    {
        var table = new AllowedNetworks<Peer>();
        var a = new Peer("a");
        var b = new Peer("b");
        table.Set(a, Networks("198.19.0.2/32", "198.19.64.0/18"));
        table.Set(b, Networks("198.19.0.3/32"));
        Assert.True(table.IsOwnedBy(Bytes("198.19.0.2"), a));
        Assert.True(table.IsOwnedBy(Bytes("198.19.100.1"), a)); // the network behind a
        Assert.False(table.IsOwnedBy(Bytes("198.19.0.3"), a)); // spoofing b
        Assert.False(table.IsOwnedBy(Bytes("198.19.64.1"), b)); // b spoofing a's network
        Assert.False(table.IsOwnedBy(Bytes("198.19.0.9"), a)); // nobody's
        Assert.False(table.IsOwnedBy(Bytes("::ffff:198.19.0.2"), a)); // a v4-mapped IPv6 source is not the IPv4 address
    }

    [Fact]
    public void A_default_route_admits_every_source_of_its_family_only()
    {
        var table = new AllowedNetworks<Peer>();
        var server = new Peer("server");
        table.Set(server, Networks("198.19.0.0/24", "0.0.0.0/0"));
        Assert.True(table.IsOwnedBy(Bytes("198.18.7.7"), server));
        Assert.False(table.IsOwnedBy(Bytes("fd00:5ec::1"), server));
    }

    [Fact]
    public void Host_bits_are_masked_and_a_network_given_to_another_peer_moves()
    {
        var table = new AllowedNetworks<Peer>();
        var a = new Peer("a");
        var a2 = new Peer("a2");
        table.Set(a, Networks("198.19.64.9/18", "fd00:5ec::2/128"));
        Assert.Equal(["198.19.64.0/18", "fd00:5ec::2/128"], table.NetworksOf(a).Select(n => n.ToString()));
        table.Set(a2, Networks("198.19.64.0/18"));
        Assert.Same(a2, table.Lookup(IPAddress.Parse("198.19.65.1")));
        Assert.Equal(["fd00:5ec::2/128"], table.NetworksOf(a).Select(n => n.ToString()));
        table.Remove(a);
        Assert.Same(a2, table.Lookup(IPAddress.Parse("198.19.65.1")));
        Assert.Null(table.Lookup(IPAddress.Parse("fd00:5ec::2")));
        Assert.Empty(table.NetworksOf(a));
        table.Remove(a2);
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void Replacing_a_peers_networks_drops_the_ones_it_no_longer_has()
    {
        var table = new AllowedNetworks<Peer>();
        var a = new Peer("a");
        table.Set(a, Networks("198.19.0.0/24", "198.19.64.0/18"));
        table.Set(a, Networks("198.19.0.0/24"));
        Assert.Null(table.Lookup(Bytes("198.19.64.1")));
        Assert.Same(a, table.Lookup(Bytes("198.19.0.77")));
    }
}
