using Jormungandr.Engine;

namespace Jormungandr.Tests;

public class ReconnectBackoffTests
{
    private static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Max = TimeSpan.FromSeconds(15);

    [Fact]
    public void Each_delay_lies_in_the_upper_half_of_a_step_that_doubles_up_to_the_maximum_and_resets()
    {
        var backoff = new ReconnectBackoff(Initial, Max, new SeededRandom("backoff"));
        double step = Initial.TotalMilliseconds;
        for (int i = 0; i < 12; i++)
        {
            double ms = backoff.Next().TotalMilliseconds;
            Assert.InRange(ms, step / 2, step);
            step = Math.Min(step * 2, Max.TotalMilliseconds);
        }

        Assert.Equal(Max.TotalMilliseconds, step);
        backoff.Reset();
        Assert.InRange(backoff.Next().TotalMilliseconds, Initial.TotalMilliseconds / 2, Initial.TotalMilliseconds);
    }

    [Fact]
    public void Clients_that_lost_the_server_together_spread_their_retries_over_the_step()
    {
        // 1000 clients, their fourth attempt (step 2 s): without jitter all would arrive in the same instant.
        var delays = new List<double>();
        for (int c = 0; c < 1000; c++)
        {
            var backoff = new ReconnectBackoff(Initial, Max, new SeededRandom("client " + c));
            TimeSpan d = default;
            for (int i = 0; i < 4; i++)
            {
                d = backoff.Next();
            }

            delays.Add(d.TotalMilliseconds);
        }

        Assert.All(delays, d => Assert.InRange(d, 1000, 2000));
        // Ten 100 ms buckets over the half step: each holds some and none more than a fifth.
        int[] buckets = new int[10];
        foreach (double d in delays)
        {
            buckets[Math.Min(9, (int)((d - 1000) / 100))]++;
        }

        Assert.All(buckets, n => Assert.InRange(n, 40, 200));
    }
}
