namespace Jormungandr.Protocol;

/// <summary>Where a handshake state machine is (docs/protocol.md §8).</summary>
public enum HandshakeState
{
    /// <summary>Nothing sent or received yet.</summary>
    Start,

    /// <summary>Initiator: Initiation sent, waiting for the Response.</summary>
    AwaitResponse,

    /// <summary>Initiator: Authentication sent, waiting for the Confirmation.</summary>
    AwaitConfirmation,

    /// <summary>Responder: Response sent, waiting for the Authentication.</summary>
    AwaitAuthentication,

    /// <summary>Responder: the initiator is authenticated; the Confirmation is still to be created.</summary>
    Authenticated,

    /// <summary>Done: keys handed out.</summary>
    Established,

    /// <summary>Failed (error or deadline): the connection must be closed.</summary>
    Failed,
}
