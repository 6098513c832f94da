using System.Buffers.Binary;
using Jormungandr.Crypto;

namespace Jormungandr.Engine;

/// <summary>
/// Delays between a client's reconnection attempts: a step that starts at <paramref name="initial"/> and
/// doubles up to <paramref name="max"/>, each delay drawn uniformly from the upper half of its step
/// ("equal jitter"). Clients that lost the server at the same moment (a restart) then spread their
/// retries over each step instead of arriving together every 250 ms, 500 ms, 1 s, …, and no client
/// waits less than half a step. <see cref="Reset"/> after a session was established. One per client
/// loop; not thread-safe.
/// </summary>
internal sealed class ReconnectBackoff(TimeSpan initial, TimeSpan max, IRandomSource random)
{
    /// <summary>The client's first step (and its step after a session that was established).</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    private int _failures;

    /// <summary>The delay before the next attempt; each call doubles the step (up to the maximum).</summary>
    public TimeSpan Next()
    {
        double step = Math.Min(max.TotalMilliseconds, initial.TotalMilliseconds * Math.Pow(2, Math.Min(_failures, 30)));
        _failures++;
        Span<byte> r = stackalloc byte[4];
        random.Fill(r);
        double fraction = BinaryPrimitives.ReadUInt32LittleEndian(r) / (double)uint.MaxValue;
        return TimeSpan.FromMilliseconds((step / 2) + (fraction * step / 2));
    }

    /// <summary>Back to the first step (after a session was established).</summary>
    public void Reset() => _failures = 0;
}
