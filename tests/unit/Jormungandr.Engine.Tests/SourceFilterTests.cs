using System.Net;
using Jormungandr.Engine;

namespace Jormungandr.Tests;

public class SourceFilterTests
{
    private static byte[] Bytes(string address) => IPAddress.Parse(address).GetAddressBytes();

    private static SourceFilter Filter() => SourceFilter.For(
        new TunnelConfig(IPAddress.Parse("198.19.0.2"), 24, IPAddress.Parse("fd00:5ec::2"), 64, 1380),
        [IPNetwork.Parse("198.19.64.0/18")]);

    [Theory]
    [InlineData("198.19.0.1")]      // the server's pool (IPv4)
    [InlineData("198.19.0.255")]
    [InlineData("fd00:5ec::1")]     // the server's pool (IPv6)
    [InlineData("fd00:5ec::ffff:1")]
    [InlineData("198.19.64.0")]     // a configured route
    [InlineData("198.19.127.255")]
    public void Sources_inside_the_routed_networks_are_accepted(string source) =>
        Assert.True(Filter().Allows(Bytes(source)));

    [Theory]
    [InlineData("198.19.1.1")]      // just outside the /24 pool
    [InlineData("198.19.128.0")]    // just outside the route
    [InlineData("198.18.0.1")]      // the underlay: a server spoofing another host
    [InlineData("fd00:5ec:0:1::1")] // outside the /64
    [InlineData("::ffff:198.19.0.1")] // the IPv4 pool does not admit v4-mapped IPv6 sources
    public void Sources_outside_the_routed_networks_are_refused(string source) =>
        Assert.False(Filter().Allows(Bytes(source)));

    [Fact]
    public void Invalid_packets_have_no_source_and_are_refused() =>
        Assert.False(Filter().Allows(ReadOnlySpan<byte>.Empty));

    [Fact]
    public void A_default_route_admits_every_source_of_its_family_only()
    {
        var filter = SourceFilter.For(new TunnelConfig(IPAddress.Parse("198.19.0.2"), 24, null, 0, 1380), [IPNetwork.Parse("0.0.0.0/0")]);
        Assert.True(filter.Allows(Bytes("198.18.7.7")));
        Assert.False(filter.Allows(Bytes("fd00:5ec::1")));
    }
}
