namespace Jormungandr.Protocol;

/// <summary>What a key-channel exchange reports besides a frame to send.</summary>
public enum KeyExchangeEvent
{
    /// <summary>Nothing but the frame (if any).</summary>
    None,

    /// <summary>Responder: the initiator proved its identity (<see cref="KeyExchangeStep.PeerPublicKey"/>); decide and call Confirm.</summary>
    Authenticated,

    /// <summary>The first handshake completed: <see cref="KeyExchangeStep.Keys"/> start the session.</summary>
    Established,

    /// <summary>A later handshake on the same channel completed: <see cref="KeyExchangeStep.Keys"/> replace the session's keys.</summary>
    Rekeyed,

    /// <summary>The exchange failed for <see cref="KeyExchangeStep.Error"/>; close the channel.</summary>
    Failed,
}

/// <summary>
/// One step of a key-channel exchange: a frame to send (if any) and what happened. The engine sends
/// <see cref="Send"/> before acting on <see cref="Event"/>; it owns and disposes <see cref="Keys"/>.
/// </summary>
public sealed class KeyExchangeStep
{
    /// <summary>Nothing to do.</summary>
    public static readonly KeyExchangeStep Nothing = new(null, KeyExchangeEvent.None, null, null, null);

    private KeyExchangeStep(byte[]? send, KeyExchangeEvent kind, SessionKeys? keys, byte[]? peerPublicKey, ProtocolException? error)
    {
        Send = send;
        Event = kind;
        Keys = keys;
        PeerPublicKey = peerPublicKey;
        Error = error;
    }

    /// <summary>The frame to write to the key channel, or null.</summary>
    public byte[]? Send { get; }

    /// <summary>What happened.</summary>
    public KeyExchangeEvent Event { get; }

    /// <summary>The session keys of <see cref="KeyExchangeEvent.Established"/> or <see cref="KeyExchangeEvent.Rekeyed"/>.</summary>
    public SessionKeys? Keys { get; }

    /// <summary>The peer's authenticated public key (<see cref="KeyExchangeEvent.Authenticated"/>).</summary>
    public byte[]? PeerPublicKey { get; }

    /// <summary>Why the exchange failed (<see cref="KeyExchangeEvent.Failed"/>).</summary>
    public ProtocolException? Error { get; }

    internal static KeyExchangeStep Frame(byte[] frame) => new(frame, KeyExchangeEvent.None, null, null, null);

    internal static KeyExchangeStep Completed(byte[]? frame, bool rekey, SessionKeys keys) =>
        new(frame, rekey ? KeyExchangeEvent.Rekeyed : KeyExchangeEvent.Established, keys, null, null);

    internal static KeyExchangeStep Authenticated(byte[] peerPublicKey) => new(null, KeyExchangeEvent.Authenticated, null, peerPublicKey, null);

    internal static KeyExchangeStep Failure(ProtocolException error) => new(null, KeyExchangeEvent.Failed, null, null, error);
}
