namespace Jormungandr.Protocol;

/// <summary>
/// The client's side of a key channel, sans-IO (docs/protocol.md §3, §8): the order of its messages over
/// the channel's life — a first handshake, then a rekey whenever the engine asks — and their deadlines.
/// Frames in, <see cref="KeyExchangeStep"/> out; the engine only moves frames and acts on the events.
/// After a failure every call reports the same failure. Not thread-safe.
/// </summary>
public sealed class InitiatorExchange : IDisposable
{
    private readonly LocalIdentity _identity;
    private readonly IPeerKeyPolicy _serverPolicy;
    private readonly HandshakeOptions _options;
    private InitiatorHandshake? _handshake;
    private ProtocolException? _failure;

    /// <summary>An exchange authenticating the server with <paramref name="serverPolicy"/>.</summary>
    public InitiatorExchange(LocalIdentity identity, IPeerKeyPolicy serverPolicy, HandshakeOptions options)
    {
        ArgumentNullException.ThrowIfNull(identity);
        ArgumentNullException.ThrowIfNull(serverPolicy);
        ArgumentNullException.ThrowIfNull(options);
        _identity = identity;
        _serverPolicy = serverPolicy;
        _options = options;
    }

    /// <summary>True once the first handshake completed.</summary>
    public bool IsEstablished { get; private set; }

    /// <summary>True while a handshake waits for the server.</summary>
    public bool InProgress => _handshake is not null;

    /// <summary>When the handshake in progress fails unless the server answers (monotonic clock); null when none is.</summary>
    public TimeSpan? Deadline => _handshake?.Deadline;

    /// <summary>Begins a handshake (the first, or a rekey): the Initiation to send. Ignored while one is in progress.</summary>
    public KeyExchangeStep Begin()
    {
        if (_failure is not null)
        {
            return KeyExchangeStep.Failure(_failure);
        }

        if (_handshake is not null)
        {
            return KeyExchangeStep.Nothing;
        }

        _handshake = new InitiatorHandshake(_identity, _serverPolicy, _options);
        return KeyExchangeStep.Frame(_handshake.CreateInitiation());
    }

    /// <summary>A frame from the server: the Authentication to send, or the keys once the Confirmation checks out.</summary>
    public KeyExchangeStep Receive(ReadOnlySpan<byte> frame)
    {
        if (_failure is not null)
        {
            return KeyExchangeStep.Failure(_failure);
        }

        if (_handshake is null)
        {
            return Fail(new ProtocolException(ProtocolError.UnexpectedMessage, "The server sent a key-channel frame while no handshake was in progress."));
        }

        try
        {
            if (_handshake.State == HandshakeState.AwaitResponse)
            {
                return KeyExchangeStep.Frame(_handshake.ProcessResponse(frame));
            }

            SessionKeys keys = _handshake.ProcessConfirmation(frame);
            bool rekey = IsEstablished;
            IsEstablished = true;
            _handshake.Dispose();
            _handshake = null;
            return KeyExchangeStep.Completed(null, rekey, keys);
        }
        catch (ProtocolException e)
        {
            return Fail(e);
        }
    }

    /// <summary>Fails the exchange when the handshake in progress is past its deadline.</summary>
    public KeyExchangeStep CheckDeadline()
    {
        if (_failure is not null)
        {
            return KeyExchangeStep.Failure(_failure);
        }

        return _handshake is not null && _options.Clock.Now >= _handshake.Deadline
            ? Fail(new ProtocolException(ProtocolError.Timeout, "The server did not answer the handshake in time."))
            : KeyExchangeStep.Nothing;
    }

    /// <summary>Discards the handshake in progress.</summary>
    public void Dispose()
    {
        _handshake?.Dispose();
        _handshake = null;
    }

    private KeyExchangeStep Fail(ProtocolException error)
    {
        _failure = error;
        _handshake?.Dispose();
        _handshake = null;
        return KeyExchangeStep.Failure(error);
    }
}
