using System.Net;
using Jormungandr.Engine;

namespace Jormungandr.Tests;

public class RoutingTableTests
{
    private sealed class Peer(string name)
    {
        public override string ToString() => name;
    }

    private static byte[] Bytes(string address) => IPAddress.Parse(address).GetAddressBytes();

    [Fact]
    public void Destinations_route_to_the_peer_owning_them_and_nothing_else()
    {
        var table = new RoutingTable<Peer>();
        var a = new Peer("a");
        var b = new Peer("b");
        table.Add(new Lease(IPAddress.Parse("198.19.0.2"), IPAddress.Parse("fd00:5ec::2")), a);
        table.Add(new Lease(IPAddress.Parse("198.19.0.3"), null), b);
        Assert.Same(a, table.Lookup(Bytes("198.19.0.2")));
        Assert.Same(a, table.Lookup(Bytes("fd00:5ec::2")));
        Assert.Same(b, table.Lookup(Bytes("198.19.0.3")));
        Assert.Null(table.Lookup(Bytes("198.19.0.4")));
        Assert.Null(table.Lookup(Bytes("fd00:5ec::3")));
        Assert.Null(table.Lookup(ReadOnlySpan<byte>.Empty));
    }

    [Fact]
    public void A_peer_owns_only_its_own_sources()
    {
        var table = new RoutingTable<Peer>();
        var a = new Peer("a");
        var b = new Peer("b");
        table.Add(new Lease(IPAddress.Parse("198.19.0.2"), null), a);
        table.Add(new Lease(IPAddress.Parse("198.19.0.3"), null), b);
        Assert.True(table.IsOwnedBy(Bytes("198.19.0.2"), a));
        Assert.False(table.IsOwnedBy(Bytes("198.19.0.3"), a)); // spoofing b
        Assert.False(table.IsOwnedBy(Bytes("198.19.0.9"), a)); // nobody's
        Assert.False(table.IsOwnedBy(Bytes("198.19.0.1"), a)); // the server's
    }

    [Fact]
    public void Removing_a_peer_removes_all_its_addresses_and_a_new_owner_replaces_the_old()
    {
        var table = new RoutingTable<Peer>();
        var a = new Peer("a");
        var a2 = new Peer("a2");
        table.Add(new Lease(IPAddress.Parse("198.19.0.2"), IPAddress.Parse("fd00:5ec::2")), a);
        Assert.Equal(2, table.Count);
        table.Add(new Lease(IPAddress.Parse("198.19.0.2"), null), a2);
        Assert.Same(a2, table.Lookup(IPAddress.Parse("198.19.0.2")));
        table.Remove(a);
        Assert.Same(a2, table.Lookup(IPAddress.Parse("198.19.0.2")));
        Assert.Null(table.Lookup(IPAddress.Parse("fd00:5ec::2")));
        table.Remove(a2);
        Assert.Equal(0, table.Count);
    }
}
