namespace Jormungandr.Time;

/// <summary>A monotonic clock. Injected into the sans-IO protocol so tests drive time themselves.</summary>
public interface IClock
{
    /// <summary>Monotonic time since an arbitrary origin; never goes backwards.</summary>
    TimeSpan Now { get; }

    /// <summary>Wall-clock time, for display only (established-at, last handshake).</summary>
    DateTimeOffset UtcNow { get; }
}
