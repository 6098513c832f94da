namespace Jormungandr.Protocol;

/// <summary>
/// The server's side of one key-channel connection, sans-IO (docs/protocol.md §3, §8): a first handshake,
/// then rekeys started by the client, each bounded by the session's own token bucket (never by the
/// anonymous handshake slots), all by the same key; deadlines from the injected clock. Frames in,
/// <see cref="KeyExchangeStep"/> out. After <see cref="KeyExchangeEvent.Authenticated"/> the engine decides
/// (authorization, address) and calls <see cref="Confirm"/> or <see cref="Refuse"/>. Not thread-safe.
/// </summary>
public sealed class ResponderExchange : KeyExchange<ResponderHandshake>
{
    /// <summary>Rekeys a client may start at once.</summary>
    public const int RekeyBurst = 4;

    /// <summary>Rekeys per second after the burst (one per 2 s, the shortest rekey interval a client accepts).</summary>
    public const double RekeysPerSecond = 0.5;

    private TokenBucket? _rekeys;
    private TimeSpan? _cap;

    /// <summary>An exchange admitting clients that <paramref name="clientPolicy"/> accepts.</summary>
    public ResponderExchange(LocalIdentity identity, IPeerKeyPolicy clientPolicy, HandshakeOptions options)
        : base(identity, clientPolicy, options)
    {
    }

    /// <summary>True once the first handshake was confirmed: later ones are rekeys of the same key.</summary>
    public bool IsEstablished => PeerPublicKey is not null && _rekeys is not null;

    /// <summary>The client's key, once authenticated.</summary>
    public byte[]? PeerPublicKey { get; private set; }

    /// <summary>When the handshake in progress fails unless the client answers; null when none is (the channel may idle).</summary>
    public TimeSpan? Deadline
    {
        get
        {
            if (Current is null)
            {
                return null;
            }

            return _cap is TimeSpan cap && cap < Current.Deadline ? cap : Current.Deadline;
        }
    }

    /// <summary>Brings the current handshake's deadline forward to <paramref name="deadline"/> (a limiter's budget under load).</summary>
    public void LimitDeadline(TimeSpan deadline) => _cap = _cap is TimeSpan c && c < deadline ? c : deadline;

    /// <summary>A frame from the client: the Response to an Initiation, or Authenticated after its Authentication.</summary>
    public KeyExchangeStep Receive(ReadOnlySpan<byte> frame)
    {
        if (Failure is not null)
        {
            return KeyExchangeStep.Failure(Failure);
        }

        try
        {
            if (Current is null)
            {
                if (_rekeys is not null && !_rekeys.TryTake(Options.Clock.Now))
                {
                    return Fail(new ProtocolException(ProtocolError.RateLimited, "The client rekeys too often."));
                }

                _cap = null;
                Current = new ResponderHandshake(Identity, PeerPolicy, Options);
                return KeyExchangeStep.Frame(Current.ProcessInitiation(frame));
            }

            if (Current.State != HandshakeState.AwaitAuthentication || (_cap is TimeSpan cap && Options.Clock.Now > cap))
            {
                return Current.State == HandshakeState.AwaitAuthentication
                    ? Fail(new ProtocolException(ProtocolError.Timeout, "The handshake deadline passed."))
                    : Fail(new ProtocolException(ProtocolError.UnexpectedMessage, "The client sent a frame before the handshake was confirmed."));
            }

            byte[] key = Current.ProcessAuthentication(frame);
            if (PeerPublicKey is not null && !key.AsSpan().SequenceEqual(PeerPublicKey))
            {
                return Fail(new ProtocolException(ProtocolError.UnexpectedMessage, "A rekey on this channel authenticated another key."));
            }

            PeerPublicKey ??= key;
            return KeyExchangeStep.Authenticated(key);
        }
        catch (ProtocolException e)
        {
            return Fail(e);
        }
    }

    /// <summary>
    /// Accepts the authenticated client: the Confirmation carrying <paramref name="payload"/> (the tunnel
    /// configuration) to send, and the session keys (Established the first time, Rekeyed after). Bind the
    /// keys (create or install the session) before sending: the client uses them as soon as the
    /// Confirmation arrives, and a bound index is freed with its session even if the send fails.
    /// </summary>
    /// <exception cref="InvalidOperationException">No handshake awaits confirmation.</exception>
    public KeyExchangeStep Confirm(ReadOnlySpan<byte> payload)
    {
        if (Current is not { State: HandshakeState.Authenticated })
        {
            throw new InvalidOperationException("No authenticated handshake awaits confirmation.");
        }

        byte[] confirmation = Current.CreateConfirmation(payload, out SessionKeys keys);
        bool rekey = _rekeys is not null;
        _rekeys ??= new TokenBucket(RekeyBurst, RekeysPerSecond, Options.Clock.Now);
        Current.Dispose();
        Current = null;
        return KeyExchangeStep.Completed(confirmation, rekey, keys);
    }

    /// <summary>Refuses the authenticated client (not authorized, no address): the exchange fails with <paramref name="reason"/>.</summary>
    public KeyExchangeStep Refuse(ProtocolException reason) => Fail(reason);

    /// <summary>Fails the exchange when the handshake in progress is past its deadline.</summary>
    public KeyExchangeStep CheckDeadline() => CheckDeadline(Deadline, "The client did not answer the handshake in time.");
}
