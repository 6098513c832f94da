using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class SessionConcurrencyTests
{
    [Fact]
    public async Task Seal_open_and_tick_on_separate_threads_lose_nothing()
    {
        using var pair = new SessionPair();
        const int Count = 3000;
        byte[] packet = Packets.IPv4(600);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<string>();

        // Each thread seals one direction and opens the other session's datagrams immediately,
        // so Seal and Open of the same session run concurrently on different threads.
        void Pump(Session from, Session to)
        {
            byte[] output = new byte[2000];
            byte[] plain = new byte[65535];
            int[] lengths = new int[1];
            for (int i = 0; i < Count; i++)
            {
                SealResult s = from.Seal(packet, output, lengths);
                OpenResult r = to.Open(output.AsSpan(0, lengths[0]), plain);
                if (s.Status != SealStatus.Ok || r.Status != OpenStatus.Packet)
                {
                    errors.Enqueue($"{s.Status} {r.Status} {r.Reason}");
                }
            }
        }

        var a = Task.Run(() => Pump(pair.Client, pair.Server));
        var b = Task.Run(() => Pump(pair.Server, pair.Client));
        var ticks = Task.Run(() =>
        {
            for (int i = 0; i < 200 && !(a.IsCompleted && b.IsCompleted); i++)
            {
                pair.Client.Tick();
                pair.Server.Tick();
                Thread.Sleep(1);
            }
        });
        await Task.WhenAll(a, b, ticks).WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Empty(errors);
        Assert.Equal(Count, pair.Server.Counters.PacketsIn);
        Assert.Equal(Count, pair.Client.Counters.PacketsIn);
    }
}
