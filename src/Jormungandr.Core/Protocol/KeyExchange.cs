namespace Jormungandr.Protocol;

/// <summary>
/// What both key-channel exchanges share: the local identity and the policy for the peer's key, the
/// handshake in progress, a failure that sticks (after it every call reports it again), and the deadline
/// check. Not thread-safe.
/// </summary>
/// <typeparam name="THandshake">The role's handshake.</typeparam>
public abstract class KeyExchange<THandshake> : IDisposable
    where THandshake : Handshake
{
    private protected KeyExchange(LocalIdentity identity, IPeerKeyPolicy peerPolicy, HandshakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(peerPolicy);
        ArgumentNullException.ThrowIfNull(options);
        Identity = identity;
        PeerPolicy = peerPolicy;
        Options = options;
    }

    /// <summary>True while a handshake is in progress.</summary>
    public bool InProgress => Current is not null;

    private protected LocalIdentity Identity { get; }

    private protected IPeerKeyPolicy PeerPolicy { get; }

    private protected HandshakeOptions Options { get; }

    private protected THandshake? Current { get; set; }

    private protected ProtocolException? Failure { get; private set; }

    /// <summary>Discards the handshake in progress (and its reserved index).</summary>
    public void Dispose()
    {
        Current?.Dispose();
        Current = null;
        GC.SuppressFinalize(this);
    }

    private protected KeyExchangeStep Fail(ProtocolException error)
    {
        Failure = error;
        Current?.Dispose();
        Current = null;
        return KeyExchangeStep.Failure(error);
    }

    // The failure so far, else a timeout once the clock reaches the deadline, else nothing.
    private protected KeyExchangeStep CheckDeadline(TimeSpan? deadline, string message) =>
        Failure is not null ? KeyExchangeStep.Failure(Failure)
        : deadline is TimeSpan d && Options.Clock.Now >= d ? Fail(new ProtocolException(ProtocolError.Timeout, message))
        : KeyExchangeStep.Nothing;
}
