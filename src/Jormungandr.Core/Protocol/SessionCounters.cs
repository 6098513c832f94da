namespace Jormungandr.Protocol;

/// <summary>
/// Traffic counters of a session for status output. Sending fields are written under the send lock,
/// receiving fields under the receive lock; reads are plain 64-bit loads (fine for display).
/// </summary>
public sealed class SessionCounters
{
    internal long PacketsOutField;
    internal long BytesOutField;
    internal long DatagramsOutField;
    internal long PacketsInField;
    internal long BytesInField;
    internal long DatagramsInField;
    internal long DropsMalformedField;
    internal long DropsAuthenticationField;
    internal long DropsReplayField;
    internal long DropsExpiredField;
    internal long DropsFragmentField;
    internal long RekeysField;

    /// <summary>Inner IP packets sealed.</summary>
    public long PacketsOut => Volatile.Read(ref PacketsOutField);

    /// <summary>Inner IP bytes sealed.</summary>
    public long BytesOut => Volatile.Read(ref BytesOutField);

    /// <summary>Datagrams produced (including keepalives and every fragment).</summary>
    public long DatagramsOut => Volatile.Read(ref DatagramsOutField);

    /// <summary>Inner IP packets delivered.</summary>
    public long PacketsIn => Volatile.Read(ref PacketsInField);

    /// <summary>Inner IP bytes delivered.</summary>
    public long BytesIn => Volatile.Read(ref BytesInField);

    /// <summary>Authenticated datagrams received.</summary>
    public long DatagramsIn => Volatile.Read(ref DatagramsInField);

    /// <summary>Drops: malformed header or inner packet, not IPv4/IPv6.</summary>
    public long DropsMalformed => Volatile.Read(ref DropsMalformedField);

    /// <summary>Drops: AEAD failure or unknown receiver index.</summary>
    public long DropsAuthentication => Volatile.Read(ref DropsAuthenticationField);

    /// <summary>Drops: replayed or too old.</summary>
    public long DropsReplay => Volatile.Read(ref DropsReplayField);

    /// <summary>Drops: keys past their hard limit.</summary>
    public long DropsExpired => Volatile.Read(ref DropsExpiredField);

    /// <summary>Drops: refused fragments and reassemblies that timed out or were evicted.</summary>
    public long DropsFragment => Volatile.Read(ref DropsFragmentField);

    /// <summary>Keys installed after the first (completed rekeys).</summary>
    public long Rekeys => Volatile.Read(ref RekeysField);

    internal void CountDrop(DropReason reason)
    {
        switch (reason)
        {
            case DropReason.Malformed:
                DropsMalformedField++;
                break;
            case DropReason.Authentication:
            case DropReason.UnknownIndex:
                DropsAuthenticationField++;
                break;
            case DropReason.Replay:
                DropsReplayField++;
                break;
            case DropReason.KeysExpired:
                DropsExpiredField++;
                break;
            case DropReason.Fragment:
                DropsFragmentField++;
                break;
        }
    }
}
