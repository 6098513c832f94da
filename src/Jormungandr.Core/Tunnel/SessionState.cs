namespace Jormungandr.Tunnel;

/// <summary>Where a session is in its life.</summary>
public enum SessionState
{
    /// <summary>The key-channel handshake is running.</summary>
    Handshaking,
    /// <summary>Keys are in place and data flows.</summary>
    Established,
    /// <summary>A rekey handshake is running; the old keys still carry traffic.</summary>
    Rekeying,
    /// <summary>The client lost its server and is waiting before the next attempt.</summary>
    Reconnecting,
    /// <summary>The session ended (peer silent, disconnected, or tunnel stopped).</summary>
    Closed,
}
