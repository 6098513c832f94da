using System.Net;
using Jormungandr.Engine;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class TunnelConfigTests
{
    [Fact]
    public void Round_trips_with_and_without_ipv6()
    {
        var a = new TunnelConfig(IPAddress.Parse("198.19.0.7"), 24, IPAddress.Parse("fd00:5ec::7"), 120, 1416);
        Assert.Equal(a, TunnelConfig.Decode(a.Encode()));
        var b = new TunnelConfig(IPAddress.Parse("198.19.0.7"), 24, null, 0, 1416);
        Assert.Equal(b, TunnelConfig.Decode(b.Encode()));
        Assert.Equal(IPNetwork.Parse("198.19.0.0/24"), b.Network4);
        Assert.Equal(IPNetwork.Parse("fd00:5ec::/120"), a.Network6);
    }

    [Fact]
    public void Every_malformed_payload_is_a_protocol_exception()
    {
        byte[] good = new TunnelConfig(IPAddress.Parse("198.19.0.7"), 24, null, 0, 1416).Encode();
        Assert.Throws<ProtocolException>(() => TunnelConfig.Decode([]));
        Assert.Throws<ProtocolException>(() => TunnelConfig.Decode(good.AsSpan(0, 25)));
        foreach ((int offset, byte value) in new[] { (0, (byte)2), (1, (byte)2), (6, (byte)31), (6, (byte)0), (23, (byte)64), (24, (byte)0), (7, (byte)0xfd), (22, (byte)1) })
        {
            byte[] bad = (byte[])good.Clone();
            bad[offset] = value;
            if (offset == 24)
            {
                bad[25] = 0; // MTU 0
            }

            Assert.Throws<ProtocolException>(() => TunnelConfig.Decode(bad));
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)] // 0.0.0.0/1 and 128.0.0.0/1 together would take every destination
    [InlineData(8)]
    [InlineData(15)]
    public void A_wide_ipv4_network_is_refused_with_a_readable_reason(int prefix)
    {
        byte[] payload = new TunnelConfig(IPAddress.Parse("198.19.3.1"), prefix, null, 0, 1416).Encode();
        ProtocolException e = Assert.Throws<ProtocolException>(() => TunnelConfig.Decode(payload));
        Assert.Equal(ProtocolError.Malformed, e.Error);
        Assert.Equal($"The server assigned 198.19.3.1/{prefix}: an IPv4 tunnel network wider than /16 would route other destinations into the tunnel; refused.", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(48)]
    [InlineData(63)]
    public void A_wide_ipv6_network_is_refused_with_a_readable_reason(int prefix)
    {
        byte[] payload = new TunnelConfig(IPAddress.Parse("198.19.3.1"), 24, IPAddress.Parse("fd00:5ec::7"), prefix, 1416).Encode();
        ProtocolException e = Assert.Throws<ProtocolException>(() => TunnelConfig.Decode(payload));
        Assert.Equal($"The server assigned fd00:5ec::7/{prefix}: an IPv6 tunnel network wider than /64 would route other destinations into the tunnel; refused.", e.Message);
    }

    [Theory]
    [InlineData(31, 120)]
    [InlineData(32, 120)]
    [InlineData(33, 120)]
    [InlineData(255, 120)]
    [InlineData(24, 121)]
    [InlineData(24, 128)]
    [InlineData(24, 129)]
    [InlineData(24, 255)]
    public void Prefixes_longer_than_the_bounds_or_the_address_are_refused(int prefix4, int prefix6)
    {
        byte[] payload = new TunnelConfig(IPAddress.Parse("198.19.3.1"), prefix4, IPAddress.Parse("fd00:5ec::7"), prefix6, 1416).Encode();
        Assert.Throws<ProtocolException>(() => TunnelConfig.Decode(payload));
    }

    [Fact]
    public void The_widest_accepted_networks_are_ipv4_16_and_ipv6_64()
    {
        var widest = new TunnelConfig(IPAddress.Parse("198.19.3.1"), TunnelConfig.MinPrefix4, IPAddress.Parse("fd00:5ec::7"), TunnelConfig.MinPrefix6, 1416);
        TunnelConfig decoded = TunnelConfig.Decode(widest.Encode());
        Assert.Equal(IPNetwork.Parse("198.19.0.0/16"), decoded.Network4);
        Assert.Equal(IPNetwork.Parse("fd00:5ec::/64"), decoded.Network6);
        var narrowest = new TunnelConfig(IPAddress.Parse("198.19.3.1"), TunnelConfig.MaxPrefix4, IPAddress.Parse("fd00:5ec::7"), TunnelConfig.MaxPrefix6, 1416);
        Assert.Equal(narrowest, TunnelConfig.Decode(narrowest.Encode()));
    }

    [Theory]
    [InlineData("198.19.3.1", 16, "198.19.200.9", true)]    // the server's underlay address inside the assigned /16
    [InlineData("198.19.3.1", 24, "198.19.3.77", true)]
    [InlineData("198.19.3.1", 24, "198.18.0.1", false)]     // the usual case: underlay outside the tunnel network
    [InlineData("198.19.3.1", 24, "::ffff:198.19.3.9", true)] // an IPv4-mapped server address is the IPv4 one
    [InlineData("198.19.3.1", 24, "fd00:5ec::1", false)]    // no IPv6 network assigned
    public void A_network_containing_the_servers_own_address_is_refused(string address, int prefix, string server, bool refused)
    {
        var config = new TunnelConfig(IPAddress.Parse(address), prefix, null, 0, 1416);
        if (refused)
        {
            ProtocolException e = Assert.Throws<ProtocolException>(() => config.EnsureExcludes(IPAddress.Parse(server)));
            Assert.Contains("contains the server's own address", e.Message, StringComparison.Ordinal);
        }
        else
        {
            config.EnsureExcludes(IPAddress.Parse(server));
        }
    }

    [Fact]
    public void An_IPv6_network_containing_the_servers_IPv6_address_is_refused()
    {
        var config = new TunnelConfig(IPAddress.Parse("198.19.3.1"), 24, IPAddress.Parse("fd00:5ec::7"), 64, 1416);
        Assert.Throws<ProtocolException>(() => config.EnsureExcludes(IPAddress.Parse("fd00:5ec::1")));
        config.EnsureExcludes(IPAddress.Parse("198.18.0.1"));
    }

    [Fact]
    public void Random_fields_either_decode_to_the_same_bytes_or_are_a_protocol_exception()
    {
        // Format and flags fixed to valid values, so the random fields are what gets checked (with fully
        // random bytes almost every input stops at the format byte). The fuzz target covers the rest.
        var rng = new Random(7);
        byte[] buffer = new byte[TunnelConfig.Size];
        int accepted = 0;
        for (int i = 0; i < 2000; i++)
        {
            rng.NextBytes(buffer);
            buffer[0] = 1;
            buffer[1] = (byte)(i & 1);
            buffer[6] = (byte)rng.Next(10, 34);
            buffer[23] = (byte)((i & 1) == 0 ? 0 : rng.Next(56, 130));
            if ((i & 3) == 0)
            {
                buffer.AsSpan(7, 16).Clear();
            }

            try
            {
                Assert.Equal(buffer, TunnelConfig.Decode(buffer).Encode());
                accepted++;
            }
            catch (ProtocolException)
            {
            }
        }

        Assert.InRange(accepted, 200, 1800); // both outcomes are actually reached
    }
}
