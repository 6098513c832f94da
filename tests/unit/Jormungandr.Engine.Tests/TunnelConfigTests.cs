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
        foreach ((int offset, byte value) in new[] { (0, (byte)2), (1, (byte)2), (6, (byte)31), (6, (byte)0), (23, (byte)64), (24, (byte)0) })
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

    [Fact]
    public void Random_bytes_never_throw_anything_else()
    {
        var rng = new Random(7);
        byte[] buffer = new byte[TunnelConfig.Size];
        for (int i = 0; i < 2000; i++)
        {
            rng.NextBytes(buffer);
            try
            {
                TunnelConfig.Decode(buffer);
            }
            catch (ProtocolException)
            {
            }
        }
    }
}
