namespace Jormungandr.Time;

/// <summary>A monotonic clock. Injected into the sans-IO protocol so tests drive time themselves.</summary>
public interface IClock
{
    /// <summary>Monotonic time since an arbitrary origin; never goes backwards.</summary>
    TimeSpan Now { get; }

    /// <summary>Wall-clock time, for display only (established-at, last handshake).</summary>
    DateTimeOffset UtcNow { get; }

    /// <summary>
    /// Completes once <paramref name="delay"/> of this clock's time has passed (timers and deadlines wait
    /// here, so a test clock drives them too); cancelled through <paramref name="cancellationToken"/>.
    /// </summary>
    Task Delay(TimeSpan delay, CancellationToken cancellationToken) => Task.Delay(delay, cancellationToken);
}
