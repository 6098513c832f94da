namespace Jormungandr.Protocol;

/// <summary>
/// The client's side of a key channel, sans-IO (docs/protocol.md §3, §8): the order of its messages over
/// the channel's life — a first handshake, then a rekey whenever the engine asks — and their deadlines.
/// Frames in, <see cref="KeyExchangeStep"/> out; the engine only moves frames and acts on the events.
/// After a failure every call reports the same failure. Not thread-safe.
/// </summary>
public sealed class InitiatorExchange : KeyExchange<InitiatorHandshake>
{

    /// <summary>An exchange authenticating the server with <paramref name="serverPolicy"/>.</summary>
    public InitiatorExchange(LocalIdentity identity, IPeerKeyPolicy serverPolicy, HandshakeOptions options)
        : base(identity, serverPolicy, options)
    {
    }

    /// <summary>True once the first handshake completed.</summary>
    public bool IsEstablished { get; private set; }

    /// <summary>When the handshake in progress fails unless the server answers (monotonic clock); null when none is.</summary>
    public TimeSpan? Deadline => Current?.Deadline;

    /// <summary>Begins a handshake (the first, or a rekey): the Initiation to send. Ignored while one is in progress.</summary>
    public KeyExchangeStep Begin()
    {
        if (Failure is not null)
        {
            return KeyExchangeStep.Failure(Failure);
        }

        if (Current is not null)
        {
            return KeyExchangeStep.Nothing;
        }

        Current = new InitiatorHandshake(Identity, PeerPolicy, Options);
        return KeyExchangeStep.Frame(Current.CreateInitiation());
    }

    /// <summary>A frame from the server: the Authentication to send, or the keys once the Confirmation checks out.</summary>
    public KeyExchangeStep Receive(ReadOnlySpan<byte> frame)
    {
        if (Failure is not null)
        {
            return KeyExchangeStep.Failure(Failure);
        }

        if (Current is null)
        {
            return Fail(new ProtocolException(ProtocolError.UnexpectedMessage, "The server sent a key-channel frame while no handshake was in progress."));
        }

        try
        {
            if (Current.State == HandshakeState.AwaitResponse)
            {
                return KeyExchangeStep.Frame(Current.ProcessResponse(frame));
            }

            SessionKeys keys = Current.ProcessConfirmation(frame);
            bool rekey = IsEstablished;
            IsEstablished = true;
            Current.Dispose();
            Current = null;
            return KeyExchangeStep.Completed(null, rekey, keys);
        }
        catch (ProtocolException e)
        {
            return Fail(e);
        }
    }

    /// <summary>Fails the exchange when the handshake in progress is past its deadline.</summary>
    public KeyExchangeStep CheckDeadline() => CheckDeadline(Deadline, "The server did not answer the handshake in time.");
}
