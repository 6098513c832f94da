namespace Jormungandr.Protocol;

/// <summary>Why a datagram was dropped.</summary>
public enum DropReason
{
    /// <summary>Not dropped.</summary>
    None = 0,

    /// <summary>Bad header, bad inner structure, or the inner packet is not IPv4/IPv6.</summary>
    Malformed,

    /// <summary>The receiver index names no live keys of this session.</summary>
    UnknownIndex,

    /// <summary>The AEAD tag did not verify (forged, corrupted, or wrong keys).</summary>
    Authentication,

    /// <summary>The counter was seen before or is behind the replay window.</summary>
    Replay,

    /// <summary>The keys passed their hard limit (time or messages).</summary>
    KeysExpired,

    /// <summary>A fragment was refused (overlap, inconsistent length, limits).</summary>
    Fragment,
}

/// <summary>What <see cref="Session.Open"/> did with a datagram.</summary>
public enum OpenStatus
{
    /// <summary>A whole IP packet is in the output buffer.</summary>
    Packet,

    /// <summary>An authenticated keepalive; nothing to deliver.</summary>
    Keepalive,

    /// <summary>An authenticated fragment was stored; the packet is not complete yet.</summary>
    FragmentStored,

    /// <summary>Dropped; see <see cref="OpenResult.Reason"/>.</summary>
    Dropped,

    /// <summary>An authenticated control message (inner kind 3) is at the start of the output buffer.</summary>
    Control,
}

/// <summary>Result of <see cref="Session.Open"/>.</summary>
public readonly record struct OpenResult(OpenStatus Status, int Length, DropReason Reason, bool EndpointChanged)
{
    /// <summary>True when the datagram authenticated (packet, keepalive or fragment).</summary>
    public bool Authenticated => Status != OpenStatus.Dropped;

    internal static OpenResult Drop(DropReason reason) => new(OpenStatus.Dropped, 0, reason, false);
}

/// <summary>What <see cref="Session.Seal"/> did.</summary>
public enum SealStatus
{
    /// <summary>Datagrams written.</summary>
    Ok,

    /// <summary>No usable keys: not established, or past the hard limits (rekey needed).</summary>
    NoKeys,

    /// <summary>The input is not a valid IPv4/IPv6 packet.</summary>
    InvalidPacket,
}

/// <summary>Result of <see cref="Session.Seal"/>: datagram count and total bytes written.</summary>
public readonly record struct SealResult(SealStatus Status, int Count, int TotalBytes);

/// <summary>Timer actions reported by <see cref="Session.Tick"/>.</summary>
[Flags]
public enum SessionActions
{
    /// <summary>Nothing to do.</summary>
    None = 0,

    /// <summary>Send a keepalive (<see cref="Session.SealKeepalive"/>).</summary>
    SendKeepalive = 1,

    /// <summary>Start a new handshake (initiator only).</summary>
    Rekey = 2,

    /// <summary>The session is dead: peer silent past the timeout, or no usable keys left. Remove it.</summary>
    Expired = 4,
}
