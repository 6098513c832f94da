namespace Jormungandr.Protocol;

/// <summary>Limits and timers of a data session (docs/protocol.md §9). Defaults match the spec.</summary>
public sealed class SessionOptions
{
    /// <summary>Largest UDP payload we send (underlay MTU minus IP and UDP headers). Default 1452 (IPv6 underlay, MTU 1500).</summary>
    public int MaxDatagramSize { get; set; } = 1452;

    /// <summary>Size-bucket padding of plaintext (64, 256, 512, max). Default on.</summary>
    public bool Padding { get; set; } = true;

    /// <summary>Age of the current keys at which the initiator rekeys.</summary>
    public TimeSpan RekeyAfterTime { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Counter at which the initiator rekeys.</summary>
    public ulong RekeyAfterMessages { get; set; } = 1UL << 60;

    /// <summary>Age beyond which keys are refused for sending and receiving.</summary>
    public TimeSpan RejectAfterTime { get; set; } = TimeSpan.FromMinutes(3);

    /// <summary>Counter beyond which a key is refused. At most 2^64 − 2^13 − 1 (the default).</summary>
    public ulong RejectAfterMessages { get; set; } = MaxRejectAfterMessages;

    /// <summary>Send a keepalive when nothing was sent for this long.</summary>
    public TimeSpan KeepaliveInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The session expires when nothing authenticated arrived for this long.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(35);

    /// <summary>How long replaced keys still accept packets.</summary>
    public TimeSpan OldKeyGrace { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long an incomplete fragmented packet is kept.</summary>
    public TimeSpan FragmentTimeout { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Retry interval of a requested rekey that did not complete (the handshake deadline).</summary>
    public TimeSpan RekeyRetryInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Upper bound of <see cref="RejectAfterMessages"/>: sealing checks counter + datagrams of one packet
    /// (under 2^13 even at the smallest datagram size) against it, so that sum and the counter itself
    /// must never wrap, or a nonce would repeat under the same key.
    /// </summary>
    internal const ulong MaxRejectAfterMessages = ulong.MaxValue - (1UL << 13) - 1;

    /// <summary>Largest plaintext one datagram carries.</summary>
    internal int MaxPlaintext => MaxDatagramSize - DataPacket.HeaderSize - ProtocolConstants.TagSize;

    internal void Validate()
    {
        if (MaxDatagramSize < 128 || MaxDatagramSize > 65507)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxDatagramSize), MaxDatagramSize, "MaxDatagramSize must be between 128 and 65507.");
        }

        if (RejectAfterMessages > MaxRejectAfterMessages)
        {
            throw new ArgumentOutOfRangeException(nameof(RejectAfterMessages), RejectAfterMessages, "RejectAfterMessages must be at most 2^64 - 2^13 - 1 so the 64-bit send counter cannot wrap.");
        }
    }
}
