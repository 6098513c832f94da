namespace Jormungandr.Tunnel;

/// <summary>
/// One peer session of a running tunnel, as its status socket reports it
/// (<c>Get-SnekSession</c>, <c>snek show</c>). Counters are totals since the session began.
/// </summary>
public sealed class SnekSession
{
    /// <summary>The tunnel's interface, e.g. <c>snk0</c>.</summary>
    public string InterfaceName { get; set; } = "";

    /// <summary>Whether this tunnel is the server or the client end.</summary>
    public TunnelRole Role { get; set; }

    /// <summary>The peer's name: the authorized key's file name without <c>.pub</c> (server), or the server address (client).</summary>
    public string? PeerName { get; set; }

    /// <summary>The peer's fingerprint, <c>SHA256:</c> + unpadded base64 of SHA-256 of its public key.</summary>
    public string PeerFingerprint { get; set; } = "";

    /// <summary>The peer's current UDP endpoint (<c>address:port</c>), learnt from authenticated packets.</summary>
    public string? Endpoint { get; set; }

    /// <summary>The peer's tunnel addresses (server side: assigned to the client; client side: its own).</summary>
    public string[] TunnelAddresses { get; set; } = [];

    /// <summary>
    /// Cryptokey routing: the networks this peer owns. Packets to them go to this peer, and packets from
    /// this peer are accepted only from inside them.
    /// </summary>
    public string[] AllowedNetworks { get; set; } = [];

    /// <summary>Client: the DNS servers applied for the tunnel and how (resolved, resolvconf, file); null when none.</summary>
    public string? Dns { get; set; }

    /// <summary>Where the session is in its life.</summary>
    public SessionState State { get; set; }

    /// <summary>When the session was first established (UTC).</summary>
    public DateTimeOffset? Established { get; set; }

    /// <summary>When the last handshake (first or rekey) completed (UTC).</summary>
    public DateTimeOffset? LastHandshake { get; set; }

    /// <summary>Inner (plaintext IP) bytes received from the peer and delivered to the TUN.</summary>
    public long BytesIn { get; set; }

    /// <summary>Inner (plaintext IP) bytes taken from the TUN and sent to the peer.</summary>
    public long BytesOut { get; set; }

    /// <summary>Inner packets received from the peer and delivered.</summary>
    public long PacketsIn { get; set; }

    /// <summary>Inner packets sent to the peer.</summary>
    public long PacketsOut { get; set; }

    /// <summary>All dropped packets: the sum of the four reasons below.</summary>
    public long Drops { get; set; }

    /// <summary>Dropped because authentication failed (bad tag, unknown session index).</summary>
    public long DropsAuth { get; set; }

    /// <summary>Dropped as replays or too old for the replay window.</summary>
    public long DropsReplay { get; set; }

    /// <summary>Dropped by cryptokey routing: an inner source that is not the peer's own address.</summary>
    public long DropsRouting { get; set; }

    /// <summary>Dropped as malformed (not IPv4/IPv6, truncated, bad fragment).</summary>
    public long DropsMalformed { get; set; }

    /// <summary>How many times the session keys were replaced.</summary>
    public int Rekeys { get; set; }
}
