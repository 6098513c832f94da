namespace Jormungandr.Legacy;

/// <summary>
/// Timeouts and size caps of a legacy echo connection. The defaults suit people typing at a prompt;
/// tests shorten them.
/// </summary>
public sealed record LegacyEchoLimits
{
    /// <summary>The defaults.</summary>
    public static LegacyEchoLimits Default { get; } = new();

    /// <summary>Largest single message accepted (default 64 KiB); more is rejected without reading further.</summary>
    public int MaxMessageSize { get; init; } = 64 * 1024;

    /// <summary>
    /// How long a message may be quiet before it counts as complete (default 150 ms). The protocol has no
    /// delimiters and the originals do one <c>recv</c> per message; we accept a message split over several
    /// TCP segments by reading on until the sender pauses this long (lock-step means it waits for our
    /// answer), unless the bytes already form a complete message (valid HMAC, a full-length DH value, the
    /// expected reply).
    /// </summary>
    public TimeSpan QuietPeriod { get; init; } = TimeSpan.FromMilliseconds(150);

    /// <summary>Connect and each handshake step (proposal, choice, key exchange, each reply to the client); default 20 s.</summary>
    public TimeSpan HandshakeTimeout { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>How long the server waits for a client's next message after the handshake (default 10 min).</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromMinutes(10);
}
