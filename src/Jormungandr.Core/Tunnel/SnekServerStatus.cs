namespace Jormungandr.Tunnel;

/// <summary>
/// A running server's view of its handshakes (<c>snek show --server</c>, <c>Get-SnekSession -Server</c>):
/// how many are in progress and what became of those from connections that had not authenticated,
/// counted since the server started. Rekeys of established sessions are not counted here.
/// </summary>
public sealed class SnekServerStatus
{
    /// <summary>The server's interface, e.g. <c>snk0</c>.</summary>
    public string InterfaceName { get; set; } = "";

    /// <summary>True in gateway mode (forwarding and masquerade of the pools); false: the server forwards nothing itself.</summary>
    public bool Gateway { get; set; }

    /// <summary>Established client sessions.</summary>
    public int Sessions { get; set; }

    /// <summary>Unauthenticated handshakes in progress now.</summary>
    public int HandshakesInProgress { get; set; }

    /// <summary>Slots for unauthenticated handshakes (docs/protocol.md §10).</summary>
    public int HandshakeSlots { get; set; }

    /// <summary>Handshakes admitted to a slot.</summary>
    public long Admitted { get; set; }

    /// <summary>Handshakes that authenticated an authorized client.</summary>
    public long Authenticated { get; set; }

    /// <summary>Refused: the source's /24 or /48 had no token left.</summary>
    public long RefusedRate { get; set; }

    /// <summary>Refused: the source's /24 or /48 had its maximum in progress.</summary>
    public long RefusedPrefixBusy { get; set; }

    /// <summary>Refused: every slot taken and none evictable for this source.</summary>
    public long RefusedFull { get; set; }

    /// <summary>Evicted while waiting for the client's Authentication, for a newcomer.</summary>
    public long Evicted { get; set; }

    /// <summary>No Authentication before the deadline.</summary>
    public long TimedOut { get; set; }

    /// <summary>Malformed or tampered messages, bad signatures, lost connections.</summary>
    public long Failed { get; set; }

    /// <summary>The client's key was not authorized.</summary>
    public long Unauthorized { get; set; }

    /// <summary>Packets from the server's own side (its TUN) dropped because no client owns their destination.</summary>
    public long DropsNoRoute { get; set; }
}
