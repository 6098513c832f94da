using Jormungandr.Time;

namespace Jormungandr.Engine;

/// <summary>
/// A change a loop acts on a little later, so that a burst of them is acted on once: <see cref="Mark"/>
/// (any thread, cheap) remembers when the first change since the last <see cref="TryTake"/> happened and
/// wakes the loop only for that first one; the loop takes the change once it has settled. Whatever the
/// loop does after taking sees every change marked before.
/// </summary>
internal sealed class PendingChange(IClock clock, WakeSignal wake)
{
    private const long None = long.MinValue;
    private long _since = None;

    /// <summary>When the first change not yet taken happened (the clock's time), or null.</summary>
    public TimeSpan? Since => Volatile.Read(ref _since) is long ticks && ticks != None ? new TimeSpan(ticks) : null;

    /// <summary>Records a change; the first since the last take wakes the loop.</summary>
    public void Mark()
    {
        if (Interlocked.CompareExchange(ref _since, clock.Now.Ticks, None) == None)
        {
            wake.Set();
        }
    }

    /// <summary>When the change is due (<paramref name="settle"/> after the first one), or null when none is pending.</summary>
    public TimeSpan? Due(TimeSpan settle) => Since + settle;

    /// <summary>True (and no change pending any more) when one has been pending for <paramref name="settle"/> at <paramref name="now"/>.</summary>
    public bool TryTake(TimeSpan now, TimeSpan settle)
    {
        long since = Volatile.Read(ref _since);
        if (since == None || now < new TimeSpan(since) + settle)
        {
            return false;
        }

        // A mark meanwhile kept the same first time (it only sets an empty one), so this takes it too.
        Interlocked.CompareExchange(ref _since, None, since);
        return true;
    }
}
