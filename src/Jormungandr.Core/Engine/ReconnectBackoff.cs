using System.Buffers.Binary;
using Jormungandr.Crypto;

namespace Jormungandr.Engine;

/// <summary>
/// How long a client waits before its next connection attempt: from <see cref="Initial"/>, doubling per
/// failed attempt up to a maximum, back to the start after a session was established. Each delay is
/// jittered down to between half and all of its nominal value, so clients that lost one server at the
/// same moment do not come back in lockstep and hit it with synchronized waves.
/// </summary>
internal sealed class ReconnectBackoff
{
    /// <summary>The first delay (and the delay after a session that was established).</summary>
    public static readonly TimeSpan Initial = TimeSpan.FromMilliseconds(250);

    private readonly TimeSpan _max;
    private readonly IRandomSource _random;
    private TimeSpan _nominal = Initial;

    /// <summary>A backoff capped at <paramref name="max"/>, jittered from <paramref name="random"/>.</summary>
    public ReconnectBackoff(TimeSpan max, IRandomSource random)
    {
        _max = max < Initial ? Initial : max;
        _random = random;
    }

    /// <summary>The nominal (un-jittered) delay the next call to <see cref="Next"/> is drawn from.</summary>
    public TimeSpan Nominal => _nominal;

    /// <summary>A session was established: the next failure starts from <see cref="Initial"/> again.</summary>
    public void Reset() => _nominal = Initial;

    /// <summary>The delay before the next attempt; doubles the nominal delay for the one after.</summary>
    public TimeSpan Next()
    {
        Span<byte> b = stackalloc byte[4];
        _random.Fill(b);
        double fraction = 0.5 + (BinaryPrimitives.ReadUInt32LittleEndian(b) / (2.0 * uint.MaxValue));
        TimeSpan delay = TimeSpan.FromTicks((long)(_nominal.Ticks * fraction));
        _nominal = TimeSpan.FromTicks(Math.Min(_nominal.Ticks * 2, _max.Ticks));
        return delay;
    }
}
