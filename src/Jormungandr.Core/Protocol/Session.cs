using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Jormungandr.Time;

namespace Jormungandr.Protocol;

/// <summary>
/// The data plane of one peer: seals IP packets into datagrams and opens datagrams into IP packets,
/// with per-direction keys, counter nonces, the replay window, padding, fragmentation and bounded
/// reassembly, rekeying (current / next / previous keys) and timers. Sans-IO: the engine moves
/// the bytes. <see cref="Seal"/> and <see cref="Open"/> may run concurrently on two threads; each is
/// serialized with itself. Neither allocates for an ordinary packet.
/// </summary>
public sealed class Session : IDisposable
{
    private readonly object _sendLock = new();
    private readonly object _receiveLock = new();
    private readonly IClock _clock;
    private readonly SessionOptions _options;
    private readonly SessionTable? _table;
    private readonly Reassembler _reassembler;
    private readonly byte[] _peerPublicKey;

    // Key slots. Changed only while holding both locks (send first, then receive).
    private KeyPair? _current;
    private KeyPair? _next;
    private KeyPair? _previous;

    private uint _fragmentId;
    private TimeSpan _lastSent;
    private TimeSpan _lastReceived;
    private TimeSpan _rekeyRequested = TimeSpan.MinValue;
    private bool _keepaliveDue;
    private SocketAddress? _endpoint;
    private object? _owner;
    private bool _disposed;

    /// <summary>Creates a session from the keys of a completed handshake.</summary>
    /// <param name="keys">The handshake result (not kept: the session copies what it needs).</param>
    /// <param name="options">Limits and timers; null for the defaults.</param>
    /// <param name="clock">Monotonic time source.</param>
    /// <param name="table">When given, the session registers its receiver indices there (and removes them when keys are dropped).</param>
    public Session(SessionKeys keys, SessionOptions? options, IClock clock, SessionTable? table = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(clock);
        _options = options ?? new SessionOptions();
        _options.Validate();
        _clock = clock;
        _table = table;
        _reassembler = new Reassembler(_options.FragmentTimeout);
        _peerPublicKey = keys.PeerPublicKey.ToArray();
        IsInitiator = keys.IsInitiator;
        TimeSpan now = clock.Now;
        _lastSent = now;
        _lastReceived = now;
        Established = clock.UtcNow;
        LastHandshake = Established;
        _current = new KeyPair(keys, now);
        _table?.Bind(keys.LocalIndex, this);

        // The responder learns our endpoint only from a data packet: say hello with a keepalive.
        _keepaliveDue = IsInitiator;
    }

    /// <summary>True on the client (initiator) side: this side runs rekey handshakes.</summary>
    public bool IsInitiator { get; }

    /// <summary>The peer's authenticated ML-DSA-65 public key.</summary>
    public ReadOnlySpan<byte> PeerPublicKey => _peerPublicKey;

    /// <summary>Traffic and drop counters.</summary>
    public SessionCounters Counters { get; } = new();

    /// <summary>Wall-clock time the session was created.</summary>
    public DateTimeOffset Established { get; }

    /// <summary>Wall-clock time of the last installed handshake.</summary>
    public DateTimeOffset LastHandshake { get; private set; }

    /// <summary>Receiver index of the current keys (what the peer puts in its packets).</summary>
    public uint LocalIndex => Volatile.Read(ref _current)?.LocalIndex ?? 0;

    /// <summary>
    /// Who this session belongs to in the engine that runs it (opaque here): set when the session joins
    /// a device, null once it left, so a datagram finds its peer with one read instead of a map lookup.
    /// </summary>
    internal object? Owner
    {
        get => Volatile.Read(ref _owner);
        set => Volatile.Write(ref _owner, value);
    }

    /// <summary>
    /// The peer's UDP endpoint, learnt only from authenticated, non-replayed datagrams passed to
    /// <see cref="Open"/> with a source; null until then (or as set by <see cref="SetEndpoint"/>).
    /// </summary>
    public SocketAddress? Endpoint
    {
        get
        {
            lock (_receiveLock)
            {
                return _endpoint is null ? null : Clone(_endpoint);
            }
        }
    }

    /// <summary>Largest IP packet that fits one datagram without fragmentation (the TUN MTU for no fragmentation).</summary>
    public int MaxUnfragmentedPacket => _options.MaxPlaintext - DataPacket.InnerHeaderSize;

    /// <summary>
    /// Largest number of datagrams one packet of <paramref name="packetLength"/> bytes is sealed into;
    /// size the output as <c>count × MaxDatagramSize</c>.
    /// </summary>
    public int DatagramCountFor(int packetLength)
    {
        if (packetLength <= MaxUnfragmentedPacket)
        {
            return 1;
        }

        int chunk = FragmentChunk;
        return (packetLength + chunk - 1) / chunk;
    }

    private int FragmentChunk => (_options.MaxPlaintext - DataPacket.InnerHeaderSize - DataPacket.FragmentHeaderSize) & ~7;

    /// <summary>
    /// Sets the endpoint explicitly (the client sets the server's address it dialled). The server side
    /// should rely on <see cref="Open"/> instead.
    /// </summary>
    public void SetEndpoint(SocketAddress endpoint)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        lock (_receiveLock)
        {
            _endpoint = Clone(endpoint);
        }
    }

    /// <summary>
    /// Seals one IP packet into one or more datagrams written back to back into <paramref name="output"/>;
    /// the length of datagram i goes to <paramref name="datagramLengths"/>[i].
    /// </summary>
    /// <param name="packet">An IPv4 or IPv6 packet (up to 65535 bytes).</param>
    /// <param name="output">At least <c>DatagramCountFor(packet.Length) × MaxDatagramSize</c> bytes.</param>
    /// <param name="datagramLengths">At least <see cref="DatagramCountFor"/> entries.</param>
    /// <exception cref="ArgumentException">The buffers are too small.</exception>
    public SealResult Seal(ReadOnlySpan<byte> packet, Span<byte> output, Span<int> datagramLengths)
    {
        if (!IpPacket.IsValid(packet))
        {
            return new SealResult(SealStatus.InvalidPacket, 0, 0);
        }

        int count = DatagramCountFor(packet.Length);
        if (datagramLengths.Length < count)
        {
            throw new ArgumentException("datagramLengths is too small for this packet.", nameof(datagramLengths));
        }

        lock (_sendLock)
        {
            KeyPair? kp = UsableSendKeys(count);
            if (kp is null)
            {
                return new SealResult(SealStatus.NoKeys, 0, 0);
            }

            int written;
            if (count == 1)
            {
                written = SealOne(kp, DataPacket.KindPacket, packet, 0, 0, 0, output);
                datagramLengths[0] = written;
            }
            else
            {
                uint id = ++_fragmentId;
                int chunk = FragmentChunk;
                written = 0;
                for (int i = 0; i < count; i++)
                {
                    int offset = i * chunk;
                    ReadOnlySpan<byte> part = packet.Slice(offset, Math.Min(chunk, packet.Length - offset));
                    int n = SealOne(kp, DataPacket.KindFragment, part, id, offset, packet.Length, output.Slice(written));
                    datagramLengths[i] = n;
                    written += n;
                }
            }

            Counters.PacketsOutField++;
            Counters.BytesOutField += packet.Length;
            _lastSent = _clock.Now;
            return new SealResult(SealStatus.Ok, count, written);
        }
    }

    /// <summary>Seals an empty keepalive (one datagram, returned length) or returns 0 when there are no usable keys.</summary>
    public int SealKeepalive(Span<byte> output) => SealSingle(DataPacket.KindKeepalive, default, output);

    /// <summary>
    /// Seals a control message (inner kind 3, one datagram; returned length) or returns 0 when there are
    /// no usable keys. Rare (a few per session), so it shares the keepalive's path and is not counted as a packet.
    /// </summary>
    /// <exception cref="ArgumentException">The payload is empty, over <see cref="DataPacket.MaxControlSize"/>, or does not fit one datagram.</exception>
    public int SealControl(ReadOnlySpan<byte> payload, Span<byte> output)
    {
        if (payload.IsEmpty || payload.Length > DataPacket.MaxControlSize || DataPacket.InnerHeaderSize + payload.Length > _options.MaxPlaintext)
        {
            throw new ArgumentException($"A control message carries 1 to {DataPacket.MaxControlSize} bytes within one datagram.", nameof(payload));
        }

        return SealSingle(DataPacket.KindControl, payload, output);
    }

    /// <summary>One datagram of an unfragmented kind (keepalive, control); it counts as traffic for the keepalive timer.</summary>
    private int SealSingle(byte kind, ReadOnlySpan<byte> payload, Span<byte> output)
    {
        lock (_sendLock)
        {
            KeyPair? kp = UsableSendKeys(1);
            if (kp is null)
            {
                return 0;
            }

            int n = SealOne(kp, kind, payload, 0, 0, 0, output);
            _lastSent = _clock.Now;
            _keepaliveDue = false;
            return n;
        }
    }

    /// <summary>
    /// Opens one datagram. On <see cref="OpenStatus.Packet"/> the IP packet is at the start of
    /// <paramref name="packetOut"/>. When <paramref name="source"/> is given and the datagram
    /// authenticated and was not a replay, the session's endpoint moves there (roaming).
    /// </summary>
    /// <param name="datagram">The UDP payload.</param>
    /// <param name="packetOut">Room for the packet: at least the datagram length, and 65535 to receive fragmented packets. Must not overlap <paramref name="datagram"/>.</param>
    /// <param name="source">Where the datagram came from, or null.</param>
    public OpenResult Open(ReadOnlySpan<byte> datagram, Span<byte> packetOut, SocketAddress? source = null)
    {
        OpenResult result;
        KeyPair? promote = null;
        lock (_receiveLock)
        {
            result = OpenLocked(datagram, packetOut, source, ref promote);
            if (result.Status == OpenStatus.Dropped)
            {
                Counters.CountDrop(result.Reason);
            }
        }

        if (promote is not null)
        {
            Promote(promote);
        }

        return result;
    }

    /// <summary>
    /// Installs the keys of a new handshake with the same peer (rekey). On the initiator they become
    /// current at once (a keepalive is then due so the responder switches too); on the responder they
    /// wait as "next" until the first packet under them arrives. Replaced keys accept packets for the
    /// grace period.
    /// </summary>
    /// <exception cref="ArgumentException">The keys belong to another peer or role.</exception>
    public void Install(SessionKeys keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (keys.IsInitiator != IsInitiator || !keys.PeerPublicKey.AsSpan().SequenceEqual(_peerPublicKey))
        {
            throw new ArgumentException("The new keys belong to another peer or role.", nameof(keys));
        }

        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                TimeSpan now = _clock.Now;
                var kp = new KeyPair(keys, now);
                _table?.Bind(kp.LocalIndex, this);
                if (IsInitiator)
                {
                    Retire(_previous);
                    _previous = _current;
                    if (_previous is not null)
                    {
                        _previous.Replaced = now;
                    }

                    _current = kp;
                    _keepaliveDue = true;
                }
                else
                {
                    Retire(_next);
                    _next = kp;
                }

                _rekeyRequested = TimeSpan.MinValue;
                LastHandshake = _clock.UtcNow;
                Counters.RekeysField++;
            }
        }
    }

    /// <summary>
    /// Runs the timers: drops replaced keys after the grace period, frees stale reassembly, and says
    /// what the engine must do. Call it about once a second (or at <see cref="NextDeadline"/>).
    /// </summary>
    public SessionActions Tick()
    {
        SessionActions actions = SessionActions.None;
        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                TimeSpan now = _clock.Now;
                if (_previous is not null && now - _previous.Replaced >= _options.OldKeyGrace)
                {
                    Retire(_previous);
                    _previous = null;
                }

                if (_next is not null && now - _next.Created >= _options.RejectAfterTime)
                {
                    Retire(_next);
                    _next = null;
                }

                Counters.DropsFragmentField += _reassembler.Expire(now);

                KeyPair? kp = _current;
                bool usable = kp is not null && !IsPastHardLimit(kp, now);
                if (!usable && _next is null)
                {
                    return SessionActions.Expired | (IsInitiator ? SessionActions.Rekey : SessionActions.None);
                }

                if (now - _lastReceived >= _options.SessionTimeout)
                {
                    return SessionActions.Expired;
                }

                if (usable && (_keepaliveDue || now - _lastSent >= _options.KeepaliveInterval))
                {
                    actions |= SessionActions.SendKeepalive;
                }

                if (IsInitiator && kp is not null && NeedsRekey(kp, now)
                    && (_rekeyRequested == TimeSpan.MinValue || now - _rekeyRequested >= _options.RekeyRetryInterval))
                {
                    _rekeyRequested = now;
                    actions |= SessionActions.Rekey;
                }
            }
        }

        return actions;
    }

    /// <summary>Earliest time at which <see cref="Tick"/> may have something to do (monotonic clock).</summary>
    public TimeSpan NextDeadline
    {
        get
        {
            lock (_sendLock)
            {
                lock (_receiveLock)
                {
                    TimeSpan next = _lastSent + _options.KeepaliveInterval;
                    next = Min(next, _lastReceived + _options.SessionTimeout);
                    if (_current is not null)
                    {
                        next = Min(next, _current.Created + (IsInitiator ? _options.RekeyAfterTime : _options.RejectAfterTime));
                    }

                    if (_previous is not null)
                    {
                        next = Min(next, _previous.Replaced + _options.OldKeyGrace);
                    }

                    if (_keepaliveDue || _reassembler.InFlight > 0)
                    {
                        next = Min(next, _clock.Now);
                    }

                    return next;
                }
            }
        }
    }

    /// <summary>Releases keys (zeroed by the AEAD objects), reassembly buffers and table entries.</summary>
    public void Dispose()
    {
        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                if (_disposed)
                {
                    return;
                }

                _disposed = true;
                Retire(_previous);
                Retire(_current);
                Retire(_next);
                _previous = _current = _next = null;
                _reassembler.Dispose();
            }
        }
    }

    internal int ReassemblyInFlight
    {
        get
        {
            lock (_receiveLock)
            {
                return _reassembler.InFlight;
            }
        }
    }

    internal int ReassemblyBufferedBytes
    {
        get
        {
            lock (_receiveLock)
            {
                return _reassembler.BufferedBytes;
            }
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static SocketAddress Clone(SocketAddress a)
    {
        var copy = new SocketAddress(a.Family, a.Size);
        a.Buffer.Span.CopyTo(copy.Buffer.Span);
        return copy;
    }

    private bool IsPastHardLimit(KeyPair kp, TimeSpan now) =>
        now - kp.Created >= _options.RejectAfterTime || kp.SendCounter >= _options.RejectAfterMessages;

    private bool NeedsRekey(KeyPair kp, TimeSpan now) =>
        now - kp.Created >= _options.RekeyAfterTime
        || kp.SendCounter >= _options.RekeyAfterMessages
        || kp.Window.Highest >= _options.RekeyAfterMessages;

    /// <summary>The current keys if they may seal <paramref name="datagrams"/> more datagrams within the hard limits.</summary>
    private KeyPair? UsableSendKeys(int datagrams)
    {
        KeyPair? kp = _current;
        if (kp is null || IsPastHardLimit(kp, _clock.Now) || kp.SendCounter + (ulong)datagrams > _options.RejectAfterMessages)
        {
            return null;
        }

        return kp;
    }

    private int SealOne(KeyPair kp, byte kind, ReadOnlySpan<byte> payload, uint fragmentId, int offset, int total, Span<byte> output)
    {
        int inner = DataPacket.InnerHeaderSize + (kind == DataPacket.KindFragment ? DataPacket.FragmentHeaderSize : 0);
        int plainLength = Padding.PaddedLength(inner + payload.Length, _options.MaxPlaintext, _options.Padding);
        int datagramLength = DataPacket.HeaderSize + plainLength + ProtocolConstants.TagSize;
        if (output.Length < datagramLength)
        {
            throw new ArgumentException("The output buffer is too small for the sealed datagram.", nameof(output));
        }

        ulong counter = kp.SendCounter++;
        DataPacket.WriteHeader(output, kp.RemoteIndex, counter);
        Span<byte> plain = output.Slice(DataPacket.HeaderSize, plainLength);
        plain[0] = kind;
        plain[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(plain.Slice(2), (ushort)payload.Length);
        if (kind == DataPacket.KindFragment)
        {
            BinaryPrimitives.WriteUInt32BigEndian(plain.Slice(4), fragmentId);
            BinaryPrimitives.WriteUInt16BigEndian(plain.Slice(8), (ushort)offset);
            BinaryPrimitives.WriteUInt16BigEndian(plain.Slice(10), (ushort)total);
        }

        payload.CopyTo(plain.Slice(inner));
        plain.Slice(inner + payload.Length).Clear();

        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        DataPacket.WriteNonce(nonce, counter);
        Span<byte> tag = output.Slice(DataPacket.HeaderSize + plainLength, ProtocolConstants.TagSize);
        if (plainLength <= KeyPair.SmallPlaintext)
        {
            kp.SmallSender.Encrypt(nonce, plain, plain, tag, output.Slice(0, DataPacket.HeaderSize));
        }
        else
        {
            kp.Sender.Encrypt(nonce, plain, plain, tag, output.Slice(0, DataPacket.HeaderSize));
        }

        Counters.DatagramsOutField++;
        return datagramLength;
    }

    private KeyPair? FindReceiveKeys(uint index)
    {
        if (_current is not null && _current.LocalIndex == index)
        {
            return _current;
        }

        if (_next is not null && _next.LocalIndex == index)
        {
            return _next;
        }

        if (_previous is not null && _previous.LocalIndex == index)
        {
            return _previous;
        }

        return null;
    }

    private OpenResult OpenLocked(ReadOnlySpan<byte> datagram, Span<byte> packetOut, SocketAddress? source, ref KeyPair? promote)
    {
        // Cheap checks first: header shape, index, limits, replay; only then the AEAD.
        if (!DataPacket.TryReadHeader(datagram, out uint index, out ulong counter))
        {
            return OpenResult.Drop(DropReason.Malformed);
        }

        KeyPair? kp = FindReceiveKeys(index);
        if (kp is null)
        {
            return OpenResult.Drop(DropReason.UnknownIndex);
        }

        TimeSpan now = _clock.Now;
        if (now - kp.Created >= _options.RejectAfterTime || counter >= _options.RejectAfterMessages
            || (kp == _previous && now - kp.Replaced >= _options.OldKeyGrace))
        {
            return OpenResult.Drop(DropReason.KeysExpired);
        }

        if (!kp.Window.IsAcceptable(counter))
        {
            return OpenResult.Drop(DropReason.Replay);
        }

        int plainLength = datagram.Length - DataPacket.HeaderSize - ProtocolConstants.TagSize;
        if (packetOut.Length < plainLength)
        {
            throw new ArgumentException("packetOut is smaller than the datagram's plaintext.", nameof(packetOut));
        }

        Span<byte> plain = packetOut.Slice(0, plainLength);
        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        DataPacket.WriteNonce(nonce, counter);
        if (plainLength <= KeyPair.SmallPlaintext)
        {
            if (!kp.SmallReceiver.TryDecrypt(nonce, datagram.Slice(DataPacket.HeaderSize, plainLength), datagram.Slice(DataPacket.HeaderSize + plainLength), plain, datagram.Slice(0, DataPacket.HeaderSize)))
            {
                plain.Clear();
                return OpenResult.Drop(DropReason.Authentication);
            }
        }
        else
        {
            try
            {
                kp.Receiver.Decrypt(nonce, datagram.Slice(DataPacket.HeaderSize, plainLength), datagram.Slice(DataPacket.HeaderSize + plainLength), plain, datagram.Slice(0, DataPacket.HeaderSize));
            }
            catch (AuthenticationTagMismatchException)
            {
                plain.Clear();
                return OpenResult.Drop(DropReason.Authentication);
            }
        }

        if (!kp.Window.TryMark(counter))
        {
            plain.Clear();
            return OpenResult.Drop(DropReason.Replay);
        }

        // Authentic and fresh: the peer is alive here, and may have moved. Only the newest packet of
        // the live keys moves the endpoint: an older one held back on the way and sent later from
        // elsewhere (it is still in the window) must not pull the traffic away.
        _lastReceived = now;
        Counters.DatagramsInField++;
        bool moved = false;
        if (source is not null && counter == kp.Window.Highest && kp != _previous && (_endpoint is null || !_endpoint.Equals(source)))
        {
            _endpoint = Clone(source);
            moved = true;
        }

        if (kp == _next)
        {
            promote = kp;
        }

        return ParseInner(plain, packetOut, now, moved);
    }

    private OpenResult ParseInner(Span<byte> plain, Span<byte> packetOut, TimeSpan now, bool moved)
    {
        byte kind = plain[0];
        int length = BinaryPrimitives.ReadUInt16BigEndian(plain.Slice(2));
        int inner = DataPacket.InnerHeaderSize + (kind == DataPacket.KindFragment ? DataPacket.FragmentHeaderSize : 0);
        if (kind > DataPacket.KindControl || plain[1] != 0 || inner + length > plain.Length
            || plain.Slice(inner + length).ContainsAnyExcept((byte)0))
        {
            return new OpenResult(OpenStatus.Dropped, 0, DropReason.Malformed, moved);
        }

        switch (kind)
        {
            case DataPacket.KindKeepalive:
                return length == 0 ? new OpenResult(OpenStatus.Keepalive, 0, DropReason.None, moved) : new OpenResult(OpenStatus.Dropped, 0, DropReason.Malformed, moved);

            case DataPacket.KindControl:
                if (length is 0 or > DataPacket.MaxControlSize)
                {
                    return new OpenResult(OpenStatus.Dropped, 0, DropReason.Malformed, moved);
                }

                plain.Slice(inner, length).CopyTo(packetOut);
                return new OpenResult(OpenStatus.Control, length, DropReason.None, moved);

            case DataPacket.KindPacket:
                if (!IpPacket.IsValid(plain.Slice(inner, length)))
                {
                    return new OpenResult(OpenStatus.Dropped, 0, DropReason.Malformed, moved);
                }

                plain.Slice(inner, length).CopyTo(packetOut);
                Counters.PacketsInField++;
                Counters.BytesInField += length;
                return new OpenResult(OpenStatus.Packet, length, DropReason.None, moved);

            default:
                uint id = BinaryPrimitives.ReadUInt32BigEndian(plain.Slice(4));
                int offset = BinaryPrimitives.ReadUInt16BigEndian(plain.Slice(8));
                int total = BinaryPrimitives.ReadUInt16BigEndian(plain.Slice(10));

                // The fragment is still in packetOut; the reassembler copies it before writing the result there.
                ReassemblyStatus status = _reassembler.Add(id, offset, total, plain.Slice(inner, length), now, packetOut, out int packetLength, out int discarded);
                Counters.DropsFragmentField += discarded;
                if (status == ReassemblyStatus.Stored)
                {
                    return new OpenResult(OpenStatus.FragmentStored, 0, DropReason.None, moved);
                }

                if (status == ReassemblyStatus.Rejected || !IpPacket.IsValid(packetOut.Slice(0, packetLength)))
                {
                    return new OpenResult(OpenStatus.Dropped, 0, status == ReassemblyStatus.Rejected ? DropReason.Fragment : DropReason.Malformed, moved);
                }

                Counters.PacketsInField++;
                Counters.BytesInField += packetLength;
                return new OpenResult(OpenStatus.Packet, packetLength, DropReason.None, moved);
        }
    }

    private void Promote(KeyPair kp)
    {
        lock (_sendLock)
        {
            lock (_receiveLock)
            {
                if (_next != kp)
                {
                    return;
                }

                TimeSpan now = _clock.Now;
                Retire(_previous);
                _previous = _current;
                if (_previous is not null)
                {
                    _previous.Replaced = now;
                }

                _current = kp;
                _next = null;
            }
        }
    }

    private void Retire(KeyPair? kp)
    {
        if (kp is null || kp.Disposed)
        {
            return;
        }

        _table?.Release(kp.LocalIndex, this);
        kp.Dispose();
    }
}
