using System.Globalization;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// The data plane's latency switches, read once from the environment so each lever can be compared
/// with the same binary (bench/README.md "Latency levers" has their measured effect):
/// <list type="bullet">
/// <item><c>JORMUNGANDR_TUN_BLOCKING</c>: the TUN reader blocks in read() instead of poll() then read().</item>
/// <item><c>JORMUNGANDR_BUSY_POLL_US</c>: after a packet, TUN and UDP readers poll without blocking for up to this many µs.</item>
/// <item><c>JORMUNGANDR_SO_BUSY_POLL_US</c>: the kernel's own socket busy polling (SO_BUSY_POLL) on the UDP sockets.</item>
/// <item><c>JORMUNGANDR_SEND_LONE_FIRST</c>: a TUN packet after a quiet spell is sent before the queue is drained.</item>
/// <item><c>JORMUNGANDR_ONE_THREAD</c>: one data thread waits on the TUN and the UDP sockets together; unset, it hands the sockets to a helper thread while it is busy.</item>
/// <item><c>JORMUNGANDR_SPLIT_LOAD</c>, <c>JORMUNGANDR_MERGE_LOAD</c>: the busy shares at which that hand-over and its return happen.</item>
/// </list>
/// </summary>
internal static class LatencySwitches
{
    /// <summary>The largest busy-poll budget a switch may ask for: beyond a millisecond, spinning is a busy core.</summary>
    public const int MaxBusyPollMicroseconds = 1000;

    /// <summary>The default of <see cref="SplitLoad"/>.</summary>
    public const double DefaultSplitLoad = 0.8;

    /// <summary>The default of <see cref="MergeLoad"/>.</summary>
    public const double DefaultMergeLoad = 0.5;

    /// <summary>Blocking TUN reads (falls back to poll() where the kernel cannot support them).</summary>
    public static bool TunBlocking { get; set; } = ParseSwitch(Environment.GetEnvironmentVariable("JORMUNGANDR_TUN_BLOCKING"), fallback: true);

    /// <summary>A lone TUN packet is sent at once, before the reader looks for more (on by default).</summary>
    public static bool SendLoneFirst { get; set; } = ParseSwitch(Environment.GetEnvironmentVariable("JORMUNGANDR_SEND_LONE_FIRST"), fallback: true);

    /// <summary>
    /// One data thread per tunnel that waits on the TUN and the sockets in one poll(), instead of a TUN
    /// reader and a receive thread per socket: the thread that sent a request handles its reply. Null
    /// (unset): one data thread that takes a receive helper while busy (<see cref="Device.Start"/>);
    /// "1": one data thread always; "0": a TUN reader and a receive thread per socket always.
    /// </summary>
    public static bool? OneThread { get; set; } = ParseOptionalSwitch(Environment.GetEnvironmentVariable("JORMUNGANDR_ONE_THREAD"));

    /// <summary>
    /// The busy share of one window at or above which the one data thread hands the UDP sockets to its
    /// receive helper (<see cref="DefaultSplitLoad"/>: the thread has little room left for a burst).
    /// </summary>
    public static double SplitLoad { get; set; } = ParseLoad(Environment.GetEnvironmentVariable("JORMUNGANDR_SPLIT_LOAD"), DefaultSplitLoad);

    /// <summary>
    /// The summed busy share of both threads at or below which the helper gives the sockets back (<see cref="DefaultMergeLoad"/>:
    /// well below <see cref="SplitLoad"/>, so a load near it does not make them pass the sockets to and fro).
    /// </summary>
    public static double MergeLoad { get; set; } = ParseLoad(Environment.GetEnvironmentVariable("JORMUNGANDR_MERGE_LOAD"), DefaultMergeLoad);

    /// <summary>The user-space busy-poll budget of each reader thread in µs; 0 = off.</summary>
    public static int BusyPollMicroseconds { get; set; } = ParseMicroseconds(Environment.GetEnvironmentVariable("JORMUNGANDR_BUSY_POLL_US"), fallback: 0);

    /// <summary>SO_BUSY_POLL on the UDP sockets in µs; 0 = not set.</summary>
    public static int SocketBusyPollMicroseconds { get; set; } = ParseMicroseconds(Environment.GetEnvironmentVariable("JORMUNGANDR_SO_BUSY_POLL_US"), fallback: 0);

    /// <summary>
    /// A µs switch's value: unset gives <paramref name="fallback"/>; a whole number is capped at
    /// <see cref="MaxBusyPollMicroseconds"/>; anything else gives <paramref name="fallback"/> too (an
    /// unreadable tuning knob must not stop a tunnel).
    /// </summary>
    public static int ParseMicroseconds(string? value, int fallback)
    {
        if (string.IsNullOrWhiteSpace(value) || !int.TryParse(value.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int us))
        {
            return fallback;
        }

        return Math.Min(us, MaxBusyPollMicroseconds);
    }

    /// <summary>A busy share: a number from 0 to 2 (a sum of two threads' shares); unset or anything else gives <paramref name="fallback"/>.</summary>
    public static double ParseLoad(string? value, double fallback)
    {
        if (string.IsNullOrWhiteSpace(value)
            || !double.TryParse(value.Trim(), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double load)
            || !(load >= 0 && load <= 2))
        {
            return fallback;
        }

        return load;
    }

    /// <summary>A switch whose absence means "the default of whoever asks": null when unset, else as <see cref="ParseSwitch"/>.</summary>
    public static bool? ParseOptionalSwitch(string? value) => string.IsNullOrWhiteSpace(value) ? null : ParseSwitch(value, fallback: true);

    /// <summary>An on/off switch's value: "0", "false", "off" or "no" turn it off, unset gives <paramref name="fallback"/>, anything else on.</summary>
    public static bool ParseSwitch(string? value, bool fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return value.Trim().ToLowerInvariant() is not ("0" or "false" or "off" or "no");
    }
}
