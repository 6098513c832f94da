using System.Net;
using Jormungandr.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

/// <summary>Connection admission of the server's key channel (before any protocol work).</summary>
public sealed class KeyChannelTests
{
    [Fact]
    public void Connections_from_one_ipv6_slash_64_share_the_per_source_cap()
    {
        // One host owns a whole /64: per-address counting would let it take every connection slot.
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, 0, NullLogger.Instance);
        for (int i = 1; i <= KeyChannel.MaxPerSource; i++)
        {
            Assert.True(channel.Admit(IPAddress.Parse($"fd00:5ec::{i:x}")));
        }

        Assert.False(channel.Admit(IPAddress.Parse("fd00:5ec::abcd")));
        Assert.True(channel.Admit(IPAddress.Parse("fd00:5ec:0:1::1"))); // another /64
        channel.Leave(IPAddress.Parse("fd00:5ec::1"));
        Assert.True(channel.Admit(IPAddress.Parse("fd00:5ec::abcd")));
    }

    [Fact]
    public void Ipv4_sources_are_counted_per_address()
    {
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, 0, NullLogger.Instance);
        for (int i = 0; i < KeyChannel.MaxPerSource; i++)
        {
            Assert.True(channel.Admit(IPAddress.Parse("198.18.0.2")));
        }

        Assert.False(channel.Admit(IPAddress.Parse("198.18.0.2")));
        Assert.True(channel.Admit(IPAddress.Parse("198.18.0.3")));
    }
}
