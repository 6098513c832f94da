using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Engine.Linux;
using Jormungandr.Interop;
using Jormungandr.Protocol;
using Jormungandr.Time;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>An authenticated control message from <paramref name="peer"/> (on a receive loop; copy what you keep, must not block or throw).</summary>
internal delegate void ControlHandler(Peer peer, ReadOnlySpan<byte> message);

/// <summary>
/// The data plane of one tunnel, whatever its role: a TUN device, a datagram transport and a set of
/// peers, each with a session and allowed networks. It moves packets (TUN → longest-prefix match on the
/// destination → seal → send; datagram → session by receiver index → open → the inner source must route
/// back to the sending peer → TUN) and runs the session timers (keepalives, expiry, the rekey trigger),
/// once, for every peer. Handshakes, addresses and policy belong to its owner (<see cref="Server"/>,
/// <see cref="Client"/>), which hears of expiries and due rekeys through <see cref="Expired"/> and
/// <see cref="RekeyDue"/>. Threads: one TUN reader and one receive loop per transport socket, or one data
/// thread polling them all (<see cref="Start"/>), and the timer loop (<see cref="RunTimersAsync"/>), which
/// sleeps until the earliest session deadline.
/// </summary>
internal sealed class Device : IDisposable
{
    /// <summary>Shortest sleep of the timer loop (a session with fragments in flight asks for "now").</summary>
    internal static readonly TimeSpan MinTimerSleep = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// How long the TUN queue must have been empty for the next packet to count as lone and leave at once.
    /// Under load the next read follows a send within microseconds, so batches still form.
    /// </summary>
    internal const long LoneGapMicroseconds = 100;

    /// <summary>Longest sleep of the timer loop with no deadline sooner.</summary>
    internal static readonly TimeSpan MaxTimerSleep = TimeSpan.FromSeconds(30);

    private readonly ITunDevice _tun;
    private readonly IClock _clock;
    private readonly ILogger _logger;
    private readonly SessionOptions _sessionOptions;
    private readonly AllowedNetworks<Peer> _routes = new();
    private readonly Lock _gate = new();
    private volatile Peer[] _peers = [];
    private volatile IDatagramTransport _transport;
    private readonly WakeSignal _wake = new();
    private Thread? _tunThread;
    private Thread? _dataThread;
    private int _dataWake = -1; // eventfd of the one data thread: a new transport, or stop
    private long _dropsNoRoute;
    private int _disposed;

    /// <summary>A device over <paramref name="tun"/> and <paramref name="transport"/> (both owned from here on).</summary>
    public Device(ITunDevice tun, IDatagramTransport transport, SessionOptions sessionOptions, IClock clock, ILogger logger)
    {
        _tun = tun;
        _transport = transport;
        _sessionOptions = sessionOptions;
        _clock = clock;
        _logger = logger;
    }

    /// <summary>The TUN interface's name.</summary>
    public string Name => _tun.Name;

    /// <summary>Receiver index → session, for every session of this device (handshakes reserve indices here).</summary>
    public SessionTable Sessions { get; } = new();

    /// <summary>Limits and timers of this device's sessions.</summary>
    public SessionOptions SessionOptions => _sessionOptions;

    /// <summary>The peers now.</summary>
    public IReadOnlyList<Peer> Peers => _peers;

    /// <summary>TUN packets dropped because no peer's allowed networks contain their destination.</summary>
    public long DropsNoRoute => Volatile.Read(ref _dropsNoRoute);

    /// <summary>The transport datagrams leave through now.</summary>
    public IDatagramTransport Transport => _transport;

    /// <summary>A peer's session timed out or its keys are past their hard limit (on the timer loop; must not throw).</summary>
    public Action<Peer>? Expired { get; set; }

    /// <summary>A peer's session asks for a rekey (initiator side; on the timer loop; must not throw).</summary>
    public Action<Peer>? RekeyDue { get; set; }

    /// <summary>A peer sent a control message (pushed configuration and its request).</summary>
    public ControlHandler? ControlReceived { get; set; }

    /// <summary>
    /// Starts the data path: a TUN reader and the transport's receive loops, or, with
    /// <paramref name="oneThread"/> (unless <see cref="LatencySwitches.OneThread"/> says otherwise) on a
    /// real TUN and UDP transport, one thread that waits on all of them. One thread answers a lone packet
    /// sooner and with less CPU, but does all of a tunnel's sealing and opening on one core: right for a
    /// client, whose traffic is mostly one way at a time; a server with many clients keeps two threads.
    /// </summary>
    public void Start(bool oneThread = false)
    {
        if ((LatencySwitches.OneThread ?? oneThread) && _tun is TunDevice tun && _transport is UdpTransport
            && (_dataWake = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK)) >= 0)
        {
            _dataThread = new Thread(() => DataLoop(tun)) { IsBackground = true, Name = _tun.Name + " data" };
            _dataThread.Start();
            return;
        }

        _transport.Start(() => new Receiver(this), _tun.Name);
        _tunThread = new Thread(TunLoop) { IsBackground = true, Name = _tun.Name + " tun" };
        _tunThread.Start();
    }

    /// <summary>Adds <paramref name="peer"/> with <paramref name="session"/> and its allowed networks.</summary>
    public void AddPeer(Peer peer, Session session, IEnumerable<IPNetwork> allowedNetworks)
    {
        lock (_gate)
        {
            if (peer.Session is Session previous && !ReferenceEquals(previous, session))
            {
                previous.Owner = null;
            }

            peer.Session = session;
            _routes.Set(peer, allowedNetworks);
            _peers = [.. _peers.Where(p => !ReferenceEquals(p, peer)), peer];
            session.Owner = peer;
        }

        Wake();
    }

    /// <summary>Gives <paramref name="peer"/> a new session (a client after reconnecting); the old one is disposed.</summary>
    public void ReplaceSession(Peer peer, Session? session)
    {
        Session? old;
        lock (_gate)
        {
            old = peer.Session;
            peer.Session = session;
            if (old is not null)
            {
                old.Owner = null;
            }

            if (session is not null)
            {
                session.Owner = peer;
            }
        }

        old?.Dispose();
        Wake();
    }

    /// <summary>Replaces the allowed networks of <paramref name="peer"/>.</summary>
    public void SetAllowedNetworks(Peer peer, IEnumerable<IPNetwork> networks)
    {
        lock (_gate)
        {
            _routes.Set(peer, networks);
        }
    }

    /// <summary>The networks <paramref name="peer"/> owns.</summary>
    public IReadOnlyList<IPNetwork> AllowedNetworksOf(Peer peer) => _routes.NetworksOf(peer);

    /// <summary>Removes <paramref name="peer"/> and disposes its session; false when it was not here.</summary>
    public bool RemovePeer(Peer peer)
    {
        Session? session;
        lock (_gate)
        {
            if (Array.IndexOf(_peers, peer) < 0)
            {
                return false;
            }

            _peers = [.. _peers.Where(p => !ReferenceEquals(p, peer))];
            _routes.Remove(peer);
            session = peer.Session;
            if (session is not null)
            {
                session.Owner = null;
            }
        }

        session?.Dispose();
        return true;
    }

    /// <summary>Moves the data channel to <paramref name="transport"/> (client roaming); the old one is disposed.</summary>
    public void ReplaceTransport(IDatagramTransport transport)
    {
        if (_dataThread is null)
        {
            transport.Start(() => new Receiver(this), _tun.Name);
        }

        IDatagramTransport old = _transport;
        _transport = transport;
        SignalDataLoop();
        old.Dispose();
    }

    private unsafe void SignalDataLoop()
    {
        if (_dataWake >= 0)
        {
            ulong one = 1;
            LibC.Write(_dataWake, (byte*)&one, sizeof(ulong));
        }
    }

    /// <summary>Seals a keepalive for <paramref name="peer"/> and sends it (also how a peer learns a new endpoint of ours).</summary>
    public void SendKeepalive(Peer peer)
    {
        Span<byte> keepalive = stackalloc byte[DataPacket.MinSize + 64];
        if (peer.Session is Session session && peer.Endpoint is SocketAddress ep)
        {
            int n;
            try
            {
                n = session.SealKeepalive(keepalive);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (n > 0)
            {
                _transport.Send(keepalive[..n], ep);
            }
        }
    }

    /// <summary>Seals <paramref name="message"/> as a control message for <paramref name="peer"/> and sends it; false when there is no session or endpoint yet.</summary>
    public bool SendControl(Peer peer, ReadOnlySpan<byte> message)
    {
        Span<byte> datagram = stackalloc byte[_sessionOptions.MaxDatagramSize];
        if (peer.Session is not Session session || peer.Endpoint is not SocketAddress ep)
        {
            return false;
        }

        int n;
        try
        {
            n = session.SealControl(message, datagram);
        }
        catch (ObjectDisposedException)
        {
            return false;
        }

        return n > 0 && _transport.Send(datagram[..n], ep);
    }

    /// <summary>Makes the timer loop look at the sessions now (a session was added or changed).</summary>
    public void Wake() => _wake.Set();

    /// <summary>
    /// Runs the session timers until cancelled: keepalives, expiry and due rekeys for every peer, then
    /// sleeps until the earliest deadline (between <see cref="MinTimerSleep"/> and <see cref="MaxTimerSleep"/>),
    /// or until <see cref="Wake"/>. An idle tunnel wakes only when one of its sessions has something to do.
    /// </summary>
    public async Task RunTimersAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Task wake = _wake.Arm(); // before the pass, so a Wake during it is not lost
            TimeSpan next = Tick();
            TimeSpan sleep = next - _clock.Now;
            sleep = sleep < MinTimerSleep ? MinTimerSleep : sleep > MaxTimerSleep ? MaxTimerSleep : sleep;
            await WakeSignal.SleepAsync(wake, _clock, sleep, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>One pass of the timers over every peer; returns the earliest next deadline.</summary>
    internal TimeSpan Tick()
    {
        TimeSpan next = _clock.Now + MaxTimerSleep;
        foreach (Peer peer in _peers)
        {
            if (peer.Session is not Session session)
            {
                continue;
            }

            SessionActions actions;
            try
            {
                actions = session.Tick();
            }
            catch (ObjectDisposedException)
            {
                continue;
            }

            if ((actions & SessionActions.Expired) != 0)
            {
                Expired?.Invoke(peer);
                continue;
            }

            if ((actions & SessionActions.SendKeepalive) != 0)
            {
                SendKeepalive(peer);
            }

            if ((actions & SessionActions.Rekey) != 0)
            {
                RekeyDue?.Invoke(peer);
            }

            TimeSpan deadline = session.NextDeadline;
            if (deadline < next)
            {
                next = deadline;
            }
        }

        return next;
    }

    // Receive loop: find the session by index, authenticate, learn the endpoint, check the inner source
    // against the sender's allowed networks, deliver.
    private void Receive(ReadOnlySpan<byte> datagram, SocketAddress from, TunDelivery delivery)
    {
        if (!Sessions.TryGetSession(datagram, out Session session) || session.Owner is not Peer peer)
        {
            return; // unknown index, or a session no longer on this device: nothing allocated, nothing changed
        }

        // Opened straight into the coalescing queue (flushed at the batch end) or a buffer.
        Span<byte> packet = delivery.Next(_tun);
        OpenResult r;
        try
        {
            r = session.Open(datagram, packet, peer.LearnsEndpoint ? from : null);
        }
        catch (ObjectDisposedException)
        {
            return; // the peer went away meanwhile
        }

        if (!r.Authenticated)
        {
            return;
        }

        if (peer.LearnsEndpoint && (r.EndpointChanged || peer.Endpoint is null))
        {
            peer.Endpoint = session.Endpoint;
        }

        if (r.Status == OpenStatus.Control)
        {
            ControlReceived?.Invoke(peer, packet[..r.Length]);
            return;
        }

        if (r.Status != OpenStatus.Packet)
        {
            return;
        }

        if (!_routes.IsOwnedBy(IpPacket.SourceAddress(packet[..r.Length]), peer))
        {
            peer.CountRoutingDrop();
            return;
        }

        delivery.Deliver(_tun, r.Length);
    }

    // TUN reader: route by destination (longest prefix), seal, send. Drains what the TUN queue holds into
    // one batch (sealed in place) and sends it with one call.
    private void TunLoop()
    {
        using var sender = new TunSender(this);
        while (true)
        {
            int n;
            bool waited = !sender.Pending;
            try
            {
                n = waited ? _tun.Read(sender.Packet) : _tun.TryRead(sender.Packet);
            }
            catch (IOException e)
            {
                _logger.LogError("TUN read failed: {Reason}", e.Message);
                return;
            }

            if (n <= 0)
            {
                sender.Flush(); // queue drained: send what was sealed
                if (n < 0)
                {
                    return;
                }

                continue;
            }

            sender.Handle(n, waited);
        }
    }

    // The one data thread (LatencySwitches.OneThread): waits in poll() on the TUN, each UDP socket and the
    // stop signal; takes what is queued on each ready one without waiting. A reply comes back to the
    // thread that sent its request, on the CPU whose caches hold what the request touched.
    private unsafe void DataLoop(TunDevice tun)
    {
        using var sender = new TunSender(this);
        using UdpBatch received = UdpTransport.CreateReceiveBatch();
        var receiver = new Receiver(this);
        var from4 = new SocketAddress(AddressFamily.InterNetwork);
        var from6 = new SocketAddress(AddressFamily.InterNetworkV6);
        long datagrams = 0;
        LibC.PollFd* fds = stackalloc LibC.PollFd[4];
        fds[0] = new LibC.PollFd { Fd = _dataWake, Events = LibC.POLLIN };
        fds[1] = new LibC.PollFd { Fd = tun.Handle, Events = LibC.POLLIN };
        UdpTransport? transport = null;
        Socket? v4 = null;
        Socket? v6 = null;
        int count = 0, i4 = -1, i6 = -1;
        while (Volatile.Read(ref _disposed) == 0)
        {
            // The socket entries change only with the transport (roaming), which also wakes this loop.
            if (!ReferenceEquals(_transport, transport))
            {
                if (_transport is not UdpTransport current)
                {
                    return;
                }

                transport = current;
                v4 = transport.Socket4;
                v6 = transport.Socket6;
                count = 2;
                i4 = v4 is null ? -1 : count;
                if (v4 is not null)
                {
                    fds[count++] = new LibC.PollFd { Fd = UdpBatch.Descriptor(v4), Events = LibC.POLLIN };
                }

                i6 = v6 is null ? -1 : count;
                if (v6 is not null)
                {
                    fds[count++] = new LibC.PollFd { Fd = UdpBatch.Descriptor(v6), Events = LibC.POLLIN };
                }
            }

            // A transport this loop still polls is only closed after it has been replaced, and the
            // replacement wakes this poll, so the next turn polls the new sockets.
            if (LibC.Poll(fds, (nuint)count, -1) < 0)
            {
                if (LibC.Errno == LibC.EINTR)
                {
                    continue;
                }

                _logger.LogError("Data loop poll failed: {Reason}", LibC.Describe(LibC.Errno));
                return;
            }

            if (fds[0].Revents != 0)
            {
                ulong value;
                LibC.Read(_dataWake, (byte*)&value, sizeof(ulong)); // a new transport, or stop
                continue;
            }

            bool stopped = false;
            if (i4 >= 0 && fds[i4].Revents != 0)
            {
                stopped |= !transport.ReceiveQueued(v4!, received, from4, receiver, ref datagrams);
            }

            if (i6 >= 0 && fds[i6].Revents != 0)
            {
                stopped |= !transport.ReceiveQueued(v6!, received, from6, receiver, ref datagrams);
            }

            if (stopped && ReferenceEquals(transport, _transport))
            {
                return; // the device is stopping
            }

            if (fds[1].Revents != 0 && !DrainTun(tun, sender))
            {
                return;
            }
        }
    }

    // Reads what the TUN queue holds, sealing and sending; false once the TUN is gone. A lone packet has
    // left by the time Handle returns, and the poll() that follows finds whatever came after it.
    private bool DrainTun(TunDevice tun, TunSender sender)
    {
        bool first = true;
        while (true)
        {
            int n;
            try
            {
                n = tun.TryRead(sender.Packet);
            }
            catch (IOException e)
            {
                _logger.LogError("TUN read failed: {Reason}", e.Message);
                return false;
            }

            if (n <= 0)
            {
                sender.Flush();
                return n == 0;
            }

            sender.Handle(n, first);
            first = false;
            if (!sender.Pending)
            {
                return true;
            }
        }
    }

    /// <summary>
    /// What the TUN side of a data loop keeps between packets: the read buffer, the batch of sealed
    /// datagrams and when the queue last stood empty. A packet that ends a quiet spell (read after the
    /// queue was empty for longer than LoneGap) is sent before the queue is looked at again: the look is a
    /// system call, and for a lone packet (a ping, a keystroke) it would find nothing anyway.
    /// </summary>
    private sealed class TunSender : IDisposable
    {
        private readonly Device _device;
        private readonly bool _sendFirst = LatencySwitches.SendLoneFirst;
        private readonly long _loneGap = Stopwatch.Frequency * LoneGapMicroseconds / 1_000_000;
        private readonly int _maxDatagrams = (ProtocolConstants.MaxPacketSize / 512) + 2;
        private readonly int[] _lengths;
        private readonly UdpBatch _batch;
        private long _drainedAt = Stopwatch.GetTimestamp();
        private AddressFamily _batchFamily = AddressFamily.Unspecified;
        private IDatagramTransport _batchTransport;

        public TunSender(Device device)
        {
            _device = device;
            _lengths = new int[_maxDatagrams];
            _batch = new UdpBatch(2 * _maxDatagrams, device._sessionOptions.MaxDatagramSize);
            _batchTransport = device._transport;
        }

        /// <summary>The buffer a TUN packet is read into.</summary>
        public byte[] Packet { get; } = GC.AllocateArray<byte>(ProtocolConstants.MaxPacketSize, pinned: true);

        /// <summary>True while sealed datagrams wait to be sent.</summary>
        public bool Pending => _batch.Count > 0;

        /// <summary>Sends what was sealed (the queue was found empty).</summary>
        public void Flush()
        {
            _batchTransport.SendBatch(_batch, _batchFamily);
            _drainedAt = Stopwatch.GetTimestamp();
        }

        /// <summary>Routes, seals and queues the <paramref name="n"/>-byte packet in <see cref="Packet"/>; <paramref name="waited"/>: it came after the queue stood empty.</summary>
        public void Handle(int n, bool waited)
        {
            ReadOnlySpan<byte> ip = Packet.AsSpan(0, n);
            Peer? peer = _device._routes.Lookup(IpPacket.DestinationAddress(ip));
            SocketAddress? ep = peer?.Endpoint;
            Session? session = peer?.Session;
            if (session is null || ep is null)
            {
                Interlocked.Increment(ref _device._dropsNoRoute);
                return;
            }

            IDatagramTransport transport = _device._transport;
            if (_batch.Count > 0 && (_batch.FreeSlots < _maxDatagrams || ep.Family != _batchFamily || !ReferenceEquals(transport, _batchTransport)))
            {
                _batchTransport.SendBatch(_batch, _batchFamily);
            }

            SealResult r;
            try
            {
                r = session.Seal(ip, _batch.Free, _lengths);
            }
            catch (ObjectDisposedException)
            {
                return; // the peer went away meanwhile
            }

            if (r.Status != SealStatus.Ok)
            {
                return;
            }

            _batchFamily = ep.Family;
            _batchTransport = transport;
            for (int i = 0; i < r.Count; i++)
            {
                _batch.Commit(_lengths[i], ep);
            }

            if (_sendFirst && waited)
            {
                long now = Stopwatch.GetTimestamp();
                if (now - _drainedAt > _loneGap)
                {
                    transport.SendBatch(_batch, _batchFamily);
                    _drainedAt = now;
                }
            }
        }

        public void Dispose() => _batch.Dispose();
    }

    /// <summary>Stops the loops, disposes every session, the transport and the TUN.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Peer[] peers;
        lock (_gate)
        {
            peers = _peers;
            _peers = [];
            foreach (Peer p in peers)
            {
                if (p.Session is Session session)
                {
                    session.Owner = null;
                }
            }
        }

        foreach (Peer p in peers)
        {
            _routes.Remove(p);
            p.Session?.Dispose();
        }

        // The one data thread polls the fds: it leaves before they close.
        SignalDataLoop();
        _dataThread?.Join(TimeSpan.FromSeconds(2));
        _transport.Dispose();
        _tun.Dispose();
        _tunThread?.Join(TimeSpan.FromSeconds(2));
        if (_dataWake >= 0)
        {
            LibC.Close(_dataWake);
        }

        Wake();
    }

    /// <summary>One receive loop's state: where it opens packets and how they reach the TUN.</summary>
    private sealed class Receiver(Device device) : IDatagramReceiver
    {
        private readonly TunDelivery _delivery = new(device._tun.Offloads);

        public void Receive(ReadOnlySpan<byte> datagram, SocketAddress from) => device.Receive(datagram, from, _delivery);

        public void BatchEnd() => _delivery.Flush(device._tun);
    }
}
