namespace Jormungandr.Tunnel;

/// <summary>
/// Something that happened to a running tunnel, as <c>Start-SnekServer</c>/<c>Connect-SnekPeer</c>
/// and <c>snek server</c>/<c>snek connect</c> report it while they run.
/// </summary>
public sealed class SnekSessionEvent
{
    /// <summary>When it happened (UTC).</summary>
    public DateTimeOffset Time { get; set; }

    /// <summary>The tunnel's interface, e.g. <c>snk0</c>.</summary>
    public string InterfaceName { get; set; } = "";

    /// <summary>What happened.</summary>
    public SessionEventKind Kind { get; set; }

    /// <summary>The peer's fingerprint (<c>SHA256:…</c>), when the event concerns one peer.</summary>
    public string? PeerFingerprint { get; set; }

    /// <summary>The peer's or the listener's endpoint (<c>address:port</c>), when known.</summary>
    public string? Endpoint { get; set; }

    /// <summary>One readable line with details.</summary>
    public string? Message { get; set; }

    /// <inheritdoc />
    public override string ToString() => $"{Time:u} {InterfaceName} {Kind} {PeerFingerprint} {Endpoint} {Message}".TrimEnd();
}
