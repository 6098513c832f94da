using System.Net;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class HandshakeLimiterTests
{
    private static readonly IPAddress A = IPAddress.Parse("198.18.0.2");
    private static readonly IPAddress B = IPAddress.Parse("198.18.0.3");

    [Fact]
    public void Caps_per_source_and_global()
    {
        var l = new HandshakeLimiter(maxInProgress: 6, maxPerSource: 4, burst: 100);
        TimeSpan t = TimeSpan.FromSeconds(1);
        for (int i = 0; i < 4; i++)
        {
            Assert.True(l.TryBegin(A, t));
        }

        Assert.False(l.TryBegin(A, t));
        Assert.True(l.TryBegin(B, t));
        Assert.True(l.TryBegin(B, t));
        Assert.False(l.TryBegin(IPAddress.Parse("198.18.0.4"), t)); // global cap
        l.End(A);
        Assert.True(l.TryBegin(A, t));
        Assert.Equal(6, l.InProgress);
    }

    [Fact]
    public void Rate_limits_each_source_with_a_token_bucket()
    {
        var l = new HandshakeLimiter(maxInProgress: 100, maxPerSource: 100, burst: 3, refillPerSecond: 1);
        TimeSpan t = TimeSpan.FromSeconds(10);
        for (int i = 0; i < 3; i++)
        {
            Assert.True(l.TryBegin(A, t));
            l.End(A);
        }

        Assert.False(l.TryBegin(A, t));
        Assert.True(l.TryBegin(B, t));
        Assert.True(l.TryBegin(A, t + TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void Ipv6_sources_in_one_slash_64_share_a_bucket_and_the_per_source_cap()
    {
        // One host owns a whole /64: fresh addresses from it must not mint fresh token buckets
        // (each admitted handshake costs the server an ML-DSA signature).
        var l = new HandshakeLimiter(maxInProgress: 1000, maxPerSource: 100, burst: 8, refillPerSecond: 1);
        TimeSpan t = TimeSpan.FromSeconds(10);
        int admitted = 0;
        for (int i = 1; i <= 50; i++)
        {
            IPAddress ip = IPAddress.Parse($"fd00:5ec::{i:x}");
            if (l.TryBegin(ip, t))
            {
                admitted++;
                l.End(ip);
            }
        }

        Assert.Equal(8, admitted);
        Assert.True(l.TryBegin(IPAddress.Parse("fd00:5ec:0:1::1"), t)); // another /64 has its own bucket

        var capped = new HandshakeLimiter(maxInProgress: 1000, maxPerSource: 4, burst: 100);
        for (int i = 1; i <= 4; i++)
        {
            Assert.True(capped.TryBegin(IPAddress.Parse($"fd00:5ec::{i:x}"), t));
        }

        Assert.False(capped.TryBegin(IPAddress.Parse("fd00:5ec::99"), t));
        capped.End(IPAddress.Parse("fd00:5ec::77")); // any address of the /64 releases its slot
        Assert.True(capped.TryBegin(IPAddress.Parse("fd00:5ec::99"), t));
    }

    [Fact]
    public void Ipv4_mapped_sources_share_the_ipv4_bucket()
    {
        var l = new HandshakeLimiter(maxInProgress: 1000, maxPerSource: 100, burst: 2, refillPerSecond: 1);
        TimeSpan t = TimeSpan.FromSeconds(10);
        Assert.True(l.TryBegin(A, t));
        Assert.True(l.TryBegin(A.MapToIPv6(), t));
        Assert.False(l.TryBegin(A, t));
        Assert.False(l.TryBegin(A.MapToIPv6(), t));
    }

    [Fact]
    public void Tracked_sources_are_bounded()
    {
        var l = new HandshakeLimiter(maxInProgress: 10_000);
        TimeSpan t = TimeSpan.Zero;
        for (int i = 0; i < HandshakeLimiter.MaxTrackedSources + 100; i++)
        {
            var ip = new IPAddress(new byte[] { 198, 18, (byte)(i >> 8), (byte)i });
            if (l.TryBegin(ip, t))
            {
                l.End(ip);
            }

            t += TimeSpan.FromMilliseconds(1);
        }

        Assert.True(l.TrackedSources <= HandshakeLimiter.MaxTrackedSources);
    }
}

public class KeyChannelFramingTests
{
    [Fact]
    public async Task Frames_round_trip_and_bad_lengths_are_refused_before_reading_the_body()
    {
        byte[] message = Packets.IPv4(5000);
        using var stream = new MemoryStream();
        await KeyChannelFraming.WriteFrameAsync(stream, message, CancellationToken.None);
        stream.Position = 0;
        Assert.Equal(message, await KeyChannelFraming.ReadFrameAsync(stream, CancellationToken.None));
        Assert.Null(await KeyChannelFraming.ReadFrameAsync(stream, CancellationToken.None));

        using var big = new MemoryStream([0x20, 0x01, 1, 2, 3]);
        var e = await Assert.ThrowsAsync<ProtocolException>(async () => await KeyChannelFraming.ReadFrameAsync(big, CancellationToken.None));
        Assert.Equal(ProtocolError.FrameTooLarge, e.Error);
        Assert.Equal(2, big.Position);
        Assert.Throws<ProtocolException>(() => KeyChannelFraming.ReadLength([0, 0]));
        Assert.Equal(8192, KeyChannelFraming.ReadLength([0x20, 0x00]));
        Assert.Throws<ArgumentException>(() => KeyChannelFraming.Frame(new byte[8193]));

        using var cut = new MemoryStream([0x00, 0x10, 1, 2]);
        await Assert.ThrowsAsync<EndOfStreamException>(async () => await KeyChannelFraming.ReadFrameAsync(cut, CancellationToken.None));
    }
}
