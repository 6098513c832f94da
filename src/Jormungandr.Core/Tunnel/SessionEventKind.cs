namespace Jormungandr.Tunnel;

/// <summary>What happened, in a <see cref="SnekSessionEvent"/>.</summary>
public enum SessionEventKind
{
    /// <summary>The server listens on its key and data ports.</summary>
    Listening,
    /// <summary>The client reached the server's key port and is handshaking.</summary>
    Connected,
    /// <summary>A handshake completed: the peer is authenticated and data flows.</summary>
    Established,
    /// <summary>Session keys were replaced by a new handshake.</summary>
    Rekeyed,
    /// <summary>A peer went away (disconnected, expired, or told to go).</summary>
    Disconnected,
    /// <summary>Something failed; the tunnel goes on (the message says what).</summary>
    Error,
    /// <summary>The tunnel stopped and removed what it created.</summary>
    Stopped,
}
