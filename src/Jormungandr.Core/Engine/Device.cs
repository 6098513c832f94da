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
/// <see cref="RekeyDue"/>. Threads: one data thread polling the TUN and the sockets, with a receive helper
/// while it is busy, or one TUN reader and one receive loop per transport socket (<see cref="Start"/>),
/// and the timer loop (<see cref="RunTimersAsync"/>), which sleeps until the earliest session deadline.
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

    /// <summary>The window over which a data thread's busy share is measured.</summary>
    internal const long LoadWindowMicroseconds = 10_000;

    private const int DataThreadOwns = 0;
    private const int HelperOwns = 1;

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
    private Thread? _helperThread;
    private int _dataWake = -1; // eventfd of the one data thread: a new transport, the sockets given back, or stop
    private int _helperWake = -1; // eventfd of its receive helper: a new transport, the sockets handed over, or stop
    private bool _helperAllowed;
    private int _udpOwner; // DataThreadOwns or HelperOwns; changed only by the thread that owns the sockets
    private double _dataLoad; // the data thread's busy share in its last window, for the helper's decision
    private long _dataLoadAt; // when that window closed (Stopwatch ticks)
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
    /// Starts the data path. On a real TUN and UDP transport: one data thread that waits on the TUN and
    /// the sockets in one poll(), so a lone packet's reply is handled by the thread that sent its request;
    /// while that thread is busy (<see cref="LatencySwitches.SplitLoad"/>) a receive helper takes the
    /// sockets, so both directions get a core, and gives them back once the load has fallen
    /// (<see cref="LatencySwitches.MergeLoad"/>). <see cref="LatencySwitches.OneThread"/> forces one
    /// thread always ("1") or a TUN reader and the transport's receive threads always ("0"), as other
    /// transports get.
    /// </summary>
    public void Start()
    {
        if (LatencySwitches.OneThread != false && _tun is TunDevice tun && _transport is UdpTransport
            && (_dataWake = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK)) >= 0)
        {
            _helperAllowed = LatencySwitches.OneThread is null
                && (_helperWake = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK)) >= 0;
            _dataThread = new Thread(() => DataLoop(tun, helper: false)) { IsBackground = true, Name = _tun.Name + " data" };
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

    private void SignalDataLoop()
    {
        Signal(_dataWake);
        Signal(_helperWake);
    }

    private static unsafe void Signal(int eventFd)
    {
        if (eventFd >= 0)
        {
            ulong one = 1;
            LibC.Write(eventFd, (byte*)&one, sizeof(ulong));
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

    // The one data thread (tun set) and its receive helper (tun null) run this loop. It waits in poll()
    // on its eventfd, the TUN (data thread) and, while this thread owns them, the UDP sockets, and takes
    // what is queued on each ready fd without waiting. A reply comes back to the thread that sent its
    // request, on the CPU whose caches hold what the request touched. The sockets pass between the two
    // threads with the load; only their owner hands them over, after its last receive, so they never
    // have two readers.
    private unsafe void DataLoop(TunDevice? tun, bool helper)
    {
        using TunSender? sender = tun is null ? null : new TunSender(this);
        using UdpBatch received = UdpTransport.CreateReceiveBatch();
        var receiver = new Receiver(this);
        var from4 = new SocketAddress(AddressFamily.InterNetwork);
        var from6 = new SocketAddress(AddressFamily.InterNetworkV6);
        long datagrams = 0;
        int wake = helper ? _helperWake : _dataWake;
        int mine = helper ? HelperOwns : DataThreadOwns;
        var meter = new BusyMeter(Stopwatch.Frequency * LoadWindowMicroseconds / 1_000_000, Stopwatch.GetTimestamp());
        LibC.PollFd* fds = stackalloc LibC.PollFd[4];
        fds[0] = new LibC.PollFd { Fd = wake, Events = LibC.POLLIN };
        int fixedCount = 1;
        if (tun is not null)
        {
            fds[fixedCount++] = new LibC.PollFd { Fd = tun.Handle, Events = LibC.POLLIN };
        }

        UdpTransport? transport = null;
        Socket? v4 = null;
        Socket? v6 = null;
        bool owned = false;
        int count = fixedCount, i4 = -1, i6 = -1;
        while (Volatile.Read(ref _disposed) == 0)
        {
            // The socket entries change only with the transport (roaming) or their owner, and either
            // change wakes this loop.
            bool owns = Volatile.Read(ref _udpOwner) == mine;
            if (!ReferenceEquals(_transport, transport) || owns != owned)
            {
                if (_transport is not UdpTransport current)
                {
                    return;
                }

                transport = current;
                owned = owns;
                v4 = owns ? transport.Socket4 : null;
                v6 = owns ? transport.Socket6 : null;
                count = fixedCount;
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

            long now = _helperAllowed ? Stopwatch.GetTimestamp() : 0;
            if (_helperAllowed && meter.Waiting(now, out double load) && PassSockets(helper, owned, load, now, meter.WindowTicks))
            {
                continue; // rebuild the poll set without the sockets
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

            if (_helperAllowed)
            {
                meter.Woke(Stopwatch.GetTimestamp());
            }

            if (fds[0].Revents != 0)
            {
                ulong value;
                LibC.Read(wake, (byte*)&value, sizeof(ulong)); // a new transport, the sockets passed, or stop
                continue;
            }

            bool stopped = false;
            if (i4 >= 0 && fds[i4].Revents != 0)
            {
                stopped |= !transport!.ReceiveQueued(v4!, received, from4, receiver, ref datagrams);
            }

            if (i6 >= 0 && fds[i6].Revents != 0)
            {
                stopped |= !transport!.ReceiveQueued(v6!, received, from6, receiver, ref datagrams);
            }

            if (stopped && ReferenceEquals(transport, _transport))
            {
                return; // the device is stopping
            }

            if (tun is not null && fds[1].Revents != 0 && !DrainTun(tun, sender!))
            {
                return;
            }
        }
    }

    // At the end of a load window of the data thread or its helper: hands the sockets over when this
    // thread owns them and ReceiveHelperPolicy says so. True when they went.
    private bool PassSockets(bool helper, bool owned, double load, long now, long window)
    {
        if (!helper)
        {
            Volatile.Write(ref _dataLoad, load);
            Volatile.Write(ref _dataLoadAt, now);
            if (!owned || !ReceiveHelperPolicy.Split(load, LatencySwitches.SplitLoad))
            {
                return false;
            }

            if (Volatile.Read(ref _helperThread) is null)
            {
                var thread = new Thread(() => DataLoop(null, helper: true)) { IsBackground = true, Name = _tun.Name + " recv" };
                Volatile.Write(ref _helperThread, thread);
                thread.Start();
            }

            Volatile.Write(ref _udpOwner, HelperOwns);
            Signal(_helperWake);
            if (_logger.IsEnabled(LogLevel.Debug))
            {
                _logger.LogDebug("Receive helper takes the UDP sockets (data thread busy {Load:P0})", load);
            }

            return true;
        }

        double dataLoad = Volatile.Read(ref _dataLoad);
        if (!owned || !ReceiveHelperPolicy.Merge(load, dataLoad, now - Volatile.Read(ref _dataLoadAt), window, LatencySwitches.MergeLoad))
        {
            return false;
        }

        Volatile.Write(ref _udpOwner, DataThreadOwns);
        Signal(_dataWake);
        if (_logger.IsEnabled(LogLevel.Debug))
        {
            _logger.LogDebug("Receive helper gives the UDP sockets back (busy {Load:P0}, data thread {DataLoad:P0} when last measured)", load, dataLoad);
        }

        return true;
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

        // The one data thread and its helper poll the fds: they leave before the fds close.
        SignalDataLoop();
        _dataThread?.Join(TimeSpan.FromSeconds(2));
        Volatile.Read(ref _helperThread)?.Join(TimeSpan.FromSeconds(2));
        _transport.Dispose();
        _tun.Dispose();
        _tunThread?.Join(TimeSpan.FromSeconds(2));
        if (_dataWake >= 0)
        {
            LibC.Close(_dataWake);
        }

        if (_helperWake >= 0)
        {
            LibC.Close(_helperWake);
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
