using System.Diagnostics;

namespace Jormungandr.Time;

/// <summary>The machine's monotonic clock (<see cref="Stopwatch"/>) and wall clock.</summary>
public sealed class SystemClock : IClock
{
    /// <summary>The shared instance.</summary>
    public static SystemClock Instance { get; } = new();

    private SystemClock()
    {
    }

    /// <inheritdoc />
    public TimeSpan Now => Stopwatch.GetElapsedTime(0);

    /// <inheritdoc />
    public DateTimeOffset UtcNow => DateTimeOffset.UtcNow;
}
