using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>The network rules in code: only 198.18/16, 198.19/16, 2001:2::/48 and fd00:5ec::/64 get through.</summary>
public class LabAddressPolicyTests
{
    [Theory]
    [InlineData("198.18.0.1")]
    [InlineData("198.18.255.254")]
    [InlineData("198.19.0.1")]
    [InlineData("198.19.3.2")]
    [InlineData("fd00:5ec::1")]
    [InlineData("fd00:5ec::ffff:1")]
    [InlineData("2001:2::1")]
    [InlineData("2001:2:0:ffff::2")]
    [InlineData("::ffff:198.18.0.2")]
    public void Allowed_addresses_pass(string text) => Assert.True(LabAddressPolicy.IsAllowed(IPAddress.Parse(text)));

    [Theory]
    [InlineData("8.8.8.8")]
    [InlineData("127.0.0.1")]
    [InlineData("198.17.255.255")]
    [InlineData("198.20.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("::1")]
    [InlineData("fd00:5ed::1")]
    [InlineData("fd00:5ec:0:1::1")]
    [InlineData("fe80::1")]
    [InlineData("2001:db8::1")]
    [InlineData("2001:2:1::1")]
    [InlineData("2001:3::1")]
    public void Other_addresses_are_refused(string text) => AssertRefused(IPAddress.Parse(text));

    // The private ranges (10/8, 172.16/12, 192.168/16) must be refused too, plain and IPv4-mapped.
    // Built from octets: they are only inputs to the policy, never a destination of any traffic.
    [Theory]
    [InlineData(new byte[] { 10, 0, 0, 1 })]
    [InlineData(new byte[] { 172, 16, 0, 1 })]
    [InlineData(new byte[] { 172, 31, 255, 1 })]
    [InlineData(new byte[] { 192, 168, 1, 1 })]
    public void Private_range_addresses_are_refused_plain_and_ipv4_mapped(byte[] octets)
    {
        AssertRefused(new IPAddress(octets));
        AssertRefused(new IPAddress(octets).MapToIPv6());
    }

    private static void AssertRefused(IPAddress address)
    {
        Assert.False(LabAddressPolicy.IsAllowed(address));
        ArgumentException e = Assert.Throws<ArgumentException>(() => LabAddressPolicy.EnsureAllowed(address, "address"));
        Assert.Contains("198.18.0.0/16", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Any_IPv4_address_is_allowed_exactly_when_it_is_in_198_18_0_0_slash_15() =>
        Prop.ForAll<uint>(raw =>
        {
            byte[] b = BitConverter.GetBytes(raw);
            var address = new IPAddress(b);
            bool expected = b[0] == 198 && (b[1] == 18 || b[1] == 19);
            return LabAddressPolicy.IsAllowed(address) == expected;
        }).QuickCheckThrowOnFailure();

    [Theory]
    [InlineData("198.18.0.1", 8)]
    [InlineData("198.18.0.1", 15)]
    [InlineData("198.18.0.1", 33)]
    [InlineData("fd00:5ec::1", 48)]
    [InlineData("fd00:5ec::1", 63)]
    public void Prefixes_reaching_outside_the_ranges_are_refused(string text, int prefix) =>
        Assert.Throws<ArgumentException>(() => LabAddressPolicy.EnsureAllowed(IPAddress.Parse(text), prefix, "address"));

    [Theory]
    [InlineData("198.18.0.1", 16)]
    [InlineData("198.18.0.1", 24)]
    [InlineData("198.19.0.1", 32)]
    [InlineData("fd00:5ec::1", 64)]
    [InlineData("fd00:5ec::1", 128)]
    public void Prefixes_inside_the_ranges_pass(string text, int prefix) =>
        LabAddressPolicy.EnsureAllowed(IPAddress.Parse(text), prefix, "address");

    [Theory]
    [InlineData("203.0.113.1", "198.18.0.2")]
    [InlineData("198.18.0.1", "203.0.113.2")]
    [InlineData("198.18.0.1", "198.18.0.1")]
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): outside the lab ranges, and only ever an input here.
    public void A_lab_with_forbidden_or_duplicate_addresses_is_refused_before_anything_is_created(string server, string client)
    {
        var options = new TwoHostLabOptions
        {
            Purpose = "refused",
            ServerAddress = IPAddress.Parse(server),
            ClientAddress = IPAddress.Parse(client),
        };

        // Works without root: validation runs before any namespace exists.
        Assert.Throws<ArgumentException>(() => TwoHostLab.Create(options));
        Assert.DoesNotContain(NamespaceNames(), n => n.StartsWith($"snek-refused-", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("fd00:5ec::1", "2001:db8::2")]
    [InlineData("fd00:1::1", "fd00:5ec::2")]
    public void A_lab_with_forbidden_IPv6_underlay_is_refused(string server6, string client6)
    {
        var options = new TwoHostLabOptions
        {
            Purpose = "refused6",
            ServerAddress6 = IPAddress.Parse(server6),
            ClientAddress6 = IPAddress.Parse(client6),
        };
        Assert.Throws<ArgumentException>(() => TwoHostLab.Create(options));
    }

    [Fact]
    public void A_wide_prefix_is_refused() =>
        Assert.Throws<ArgumentException>(() => TwoHostLab.Create(new TwoHostLabOptions { Purpose = "wide", PrefixLength = 8 }));

    [Fact]
    public void Ping_refuses_a_target_outside_the_ranges_before_running_anything()
    {
        // The namespace argument is never touched: the address check comes first.
        Assert.Throws<ArgumentException>(() => TwoHostLab.Ping(null!, IPAddress.Parse("203.0.113.1")));
        Assert.Throws<ArgumentNullException>(() => TwoHostLab.Ping(null!, IPAddress.Parse("198.18.0.1")));
    }

    [Theory]
    [InlineData("")]
    [InlineData("-x")]
    [InlineData("Upper")]
    [InlineData("a b")]
    [InlineData("a/../b")]
    [InlineData("way-too-long-purpose-name-here")]
    public void Namespace_purpose_must_be_a_short_plain_word(string purpose) =>
        Assert.Throws<ArgumentException>(() => NetworkNamespace.Create(purpose));

    private static string[] NamespaceNames() =>
        Directory.Exists("/run/netns") ? Directory.GetFiles("/run/netns").Select(Path.GetFileName).OfType<string>().ToArray() : [];
}
