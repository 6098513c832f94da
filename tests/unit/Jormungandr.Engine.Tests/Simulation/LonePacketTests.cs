using System.Net;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// The TUN reader's two shapes of traffic: a lone packet (a ping, a keystroke) leaves before the reader
/// looks at the queue again, since that look would find nothing and costs a system call on the packet's
/// way; a burst is still drained into batches.
/// </summary>
public class LonePacketTests
{
    private static readonly IPAddress ServerTunnel = IPAddress.Parse("198.19.0.1");

    [Fact]
    public async Task A_lone_packet_is_sent_without_a_look_at_the_queue_and_a_burst_is_drained_in_order()
    {
        Assert.True(LatencySwitches.SendLoneFirst, "the switch is on by default");
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        lab.StartServer();
        await a.StartAsync();
        await SimLab.WaitUntilAsync(() => a.IsEstablished, "a to be established");
        await SimLab.WaitUntilAsync(() => lab.Server!.Sessions.Any(s => s.Endpoint is not null), "the server to learn a's endpoint");

        // Lone: the queue has been empty for far longer than the gap, so the packet leaves at once.
        await Task.Delay(20);
        int before = a.Tun.TryReads;
        a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, 1));
        List<byte[]> got = [];
        await SimLab.WaitUntilAsync(() =>
        {
            got.AddRange(Ip.Drain(lab.Server!.Tun));
            return got.Count == 1;
        }, "the lone packet at the server");
        await Task.Delay(20);
        Assert.Equal(before, a.Tun.TryReads);

        // Burst: queued faster than the reader sends, so it drains the queue into batches, in order.
        got.Clear();
        for (int i = 0; i < 200; i++)
        {
            a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, 100 + i));
        }

        await SimLab.WaitUntilAsync(() =>
        {
            got.AddRange(Ip.Drain(lab.Server!.Tun));
            return got.Count == 200;
        }, "the burst at the server");
        Assert.Equal(Enumerable.Range(100, 200).Select(i => (long)i), got.Select(Ip.Number));
        Assert.True(a.Tun.TryReads > before, "the burst was drained with reads that do not wait");
    }
}
