using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Identity;
using Jormungandr.Protocol;
using Jormungandr.Service;
using Jormungandr.Time;
using Jormungandr.Tunnel;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// The multi-peer VPN server: one TUN for every client, the TCP key channel (handshakes, rekeys),
/// the UDP data channel, authorized keys re-read on change, an address pool with leases, cryptokey
/// routing (a TUN packet goes to the client owning its destination; a client's packet is accepted
/// only from its own tunnel addresses) and the status socket. Threads: one TUN reader, one UDP
/// receiver per address family, a timer loop; handshakes run on the thread pool.
/// </summary>
internal sealed class Server : ITunnelControl, IDisposable
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(250);
    private readonly ServerOptions _options;
    private readonly ILogger _logger;
    private readonly Action<SnekSessionEvent> _emit;
    private readonly IClock _clock = SystemClock.Instance;
    private readonly SessionTable _table = new();
    private static readonly TimeSpan LoadSummaryInterval = TimeSpan.FromSeconds(5);
    private readonly HandshakeLimiter _limiter;
    private readonly RoutingTable<ServerPeer> _routes = new();
    private readonly Lock _peersGate = new();
    private readonly Dictionary<string, ServerPeer> _peers = new(StringComparer.Ordinal);
    private volatile Dictionary<Session, ServerPeer> _bySession = new(ReferenceEqualityComparer.Instance);
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly SessionOptions _sessionOptions;
    private readonly ServiceLifecycle _service;
    private IDisposable? _reloadRegistration;
    private int _reloadPending;
    private SnekIdentity? _identity;
    private LocalIdentity? _local;
    private AuthorizedKeys? _authorized;
    private AddressPool? _pool;
    private LeaseFile? _leaseFile;
    private long _savedLeases;
    private TunDevice? _tun;
    private UdpTransport? _udp;
    private KeyChannel? _keyChannel;
    private StatusServer? _status;
    private Thread? _tunThread;
    private long _dropsNoRoute;

    public Server(ServerOptions options, ILoggerFactory loggerFactory, Action<SnekSessionEvent> emit, ServiceLifecycle? service = null)
    {
        _options = options;
        _service = service ?? ServiceLifecycle.None;
        _logger = loggerFactory.CreateLogger("Jormungandr.Server");
        _emit = emit;
        _sessionOptions = new SessionOptions { MaxDatagramSize = InterfaceConfig.DefaultMaxDatagram, Padding = !options.NoPadding };
        _limiter = new HandshakeLimiter(_clock);
    }

    public string InterfaceName => _tun?.Name ?? _options.InterfaceName ?? "";

    /// <summary>Starts everything; returns when listening. Throws SnekException on setup failure (after undoing what it did).</summary>
    public void Start()
    {
        try
        {
            IPNetwork pool4 = OptionChecks.Pool4(_options.Pool);
            IPNetwork? pool6 = _options.Pool6 is null ? null : OptionChecks.Pool6(_options.Pool6);
            IPAddress? bind = _options.Bind is null ? null : OptionChecks.Address(_options.Bind, "Bind");
            _identity = LoadIdentity(_options.CertificatePath, _options.Passphrase, _logger);
            _local = new LocalIdentity(_identity.PublicKey, _identity.Sign);
            _authorized = new AuthorizedKeys(_options.AuthorizedKeysPath, _logger);
            _pool = new AddressPool(pool4, pool6, LeaseTime);
            ApplyStaticLeases();

            _tun = TunDevice.Open(_options.InterfaceName, name => StatusServer.IsLive(StatusServer.PathFor(_options.StatusDirectory, name)));
            RestoreLeases();
            int mtu = _options.Mtu ?? InterfaceConfig.DefaultMtu;
            InterfaceConfig.AddAddress(_tun.Name, _pool.ServerLease.Address4, _pool.Prefix4);
            if (_pool.ServerLease.Address6 is not null)
            {
                InterfaceConfig.AddAddress(_tun.Name, _pool.ServerLease.Address6, _pool.Prefix6);
            }

            InterfaceConfig.Up(_tun.Name, mtu);
            _status = StatusServer.Start(_options.StatusDirectory, this, _logger);
            _udp = UdpTransport.Bind(bind, _options.DataPort, _logger);
            _keyChannel = KeyChannel.Listen(bind, _options.KeyPort, _logger);

            _udp.Start(OnDatagram, OnBatchEnd, _tun.Name);
            _tunThread = new Thread(TunLoop) { IsBackground = true, Name = _tun.Name + " tun" };
            _tunThread.Start();
            _keyChannel.Start(ServeKeyChannelAsync);
            _logger.LogInformation("Server {Interface} listening: key port {KeyPort}/tcp, data port {DataPort}/udp, pool {Pool}, identity {Fingerprint}",
                _tun.Name, _options.KeyPort, _options.DataPort, pool4, _identity.Fingerprint);
            Emit(SessionEventKind.Listening, null, $"{bind?.ToString() ?? "*"}:{_options.KeyPort}",
                $"key port {_options.KeyPort}/tcp, data port {_options.DataPort}/udp, pool {pool4}{(pool6 is null ? "" : " " + pool6)}, server key {_identity.Fingerprint}");
            _reloadRegistration = _service.OnReload(() => Interlocked.Exchange(ref _reloadPending, 1));
            _service.Ready(StatusLine());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Runs the timers until cancelled or stopped through the status socket, then tears down.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopRequested.Token);
        DateTime nextRefresh = DateTime.UtcNow;
        DateTime nextSummary = DateTime.UtcNow;
        using var timer = new PeriodicTimer(TickInterval);
        try
        {
            while (await timer.WaitForNextTickAsync(linked.Token).ConfigureAwait(false))
            {
                Tick();
                if (Interlocked.Exchange(ref _reloadPending, 0) == 1)
                {
                    Reload();
                }

                if (DateTime.UtcNow >= nextRefresh)
                {
                    nextRefresh = DateTime.UtcNow.AddSeconds(1);
                    RefreshAuthorizedKeys();
                    SaveLeases();
                }

                // At most one line per interval; the first event after a quiet one is reported at once.
                if (DateTime.UtcNow >= nextSummary && _limiter.IntervalHasEvents)
                {
                    nextSummary = DateTime.UtcNow + LoadSummaryInterval;
                    LogHandshakeLoad();
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    internal static SnekIdentity LoadIdentity(string? path, string? passphrase, ILogger logger)
    {
        if (path is not null)
        {
            return SnekIdentity.LoadPrivate(path, passphrase);
        }

        string defaultPath = TunnelDefaults.ServerKeyPath;
        if (File.Exists(defaultPath))
        {
            return SnekIdentity.LoadPrivate(defaultPath, passphrase);
        }

        Directory.CreateDirectory(Path.GetDirectoryName(defaultPath)!);
        SnekIdentity created = SnekIdentity.Generate();
        created.SavePrivate(defaultPath);
        created.SavePublic(Path.ChangeExtension(defaultPath, ".pub"));
        logger.LogWarning("Created server key {Path} ({Fingerprint}); give clients {Public} to pin", defaultPath, created.Fingerprint, Path.ChangeExtension(defaultPath, ".pub"));
        return created;
    }

    // Clients come back to the addresses they had before the restart (static ones are already reserved).
    private void RestoreLeases()
    {
        _leaseFile = new LeaseFile(_options.StateDirectory ?? Path.Combine(TunnelDefaults.StateRoot, _tun!.Name), _logger);
        int restored = _pool!.Restore(_leaseFile.Load(), _clock.Now, _clock.UtcNow);
        _savedLeases = _pool.Version;
        _logger.LogInformation("Restored {Count} address leases from {Path}", restored, _leaseFile.Path);
    }

    // Called once a second and at the end: a write only when a lease changed, never per packet or handshake.
    private void SaveLeases()
    {
        if (_leaseFile is null || _pool is null)
        {
            return;
        }

        long version = _pool.Version;
        if (version == _savedLeases)
        {
            return;
        }

        try
        {
            _leaseFile.Save(_pool.Export(_clock.Now, _clock.UtcNow));
            _savedLeases = version;
        }
        catch (SnekException e)
        {
            // The tunnel keeps working; the next change tries again.
            _logger.LogWarning("{Reason}", e.Message);
        }
    }

    private void ApplyStaticLeases()
    {
        var statics = new Dictionary<string, Lease>(StringComparer.Ordinal);
        foreach ((string fp, AuthorizedKey key) in _authorized!.Keys)
        {
            if (key.StaticLease is not null)
            {
                statics[fp] = key.StaticLease;
            }
        }

        try
        {
            _pool!.SetStatic(statics);
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Static addresses ignored: {Reason}", e.Message);
        }
    }

    /// <summary>
    /// Re-reads what can change without dropping anyone who stays authorized (SIGHUP, <c>systemctl
    /// reload</c>): the authorized keys and their static addresses, read even when the directory looks
    /// unchanged. Settings that are safe to change at run time join here.
    /// </summary>
    private void Reload()
    {
        _service.Reloading();
        _logger.LogInformation("Reload requested: re-reading {Directory}", _options.AuthorizedKeysPath);
        RefreshAuthorizedKeys(force: true);
        _service.Ready(StatusLine());
    }

    /// <summary>The one-line status a service manager shows.</summary>
    private string StatusLine()
    {
        int clients;
        lock (_peersGate)
        {
            clients = _peers.Count;
        }

        return $"{InterfaceName}: listening on key port {_options.KeyPort}/tcp, data port {_options.DataPort}/udp; {clients} client{(clients == 1 ? "" : "s")}, {_authorized?.Count ?? 0} authorized";
    }

    private void RefreshAuthorizedKeys(bool force = false)
    {
        if (!_authorized!.Refresh(force))
        {
            return;
        }

        ApplyStaticLeases();
        List<ServerPeer> revoked = [];
        lock (_peersGate)
        {
            foreach (ServerPeer peer in _peers.Values)
            {
                if (_authorized.Find(peer.Session.PeerPublicKey) is null)
                {
                    revoked.Add(peer);
                }
            }
        }

        foreach (ServerPeer peer in revoked)
        {
            RemovePeer(peer, "key no longer authorized");
        }
    }

    private void Tick()
    {
        List<ServerPeer> peers;
        lock (_peersGate)
        {
            peers = [.. _peers.Values];
        }

        Span<byte> keepalive = stackalloc byte[DataPacket.MinSize + 64];
        foreach (ServerPeer peer in peers)
        {
            SessionActions actions = peer.Session.Tick();
            if ((actions & SessionActions.Expired) != 0)
            {
                RemovePeer(peer, "session expired (peer silent)");
                continue;
            }

            if ((actions & SessionActions.SendKeepalive) != 0 && peer.Endpoint is SocketAddress ep)
            {
                int n = peer.Session.SealKeepalive(keepalive);
                if (n > 0)
                {
                    _udp!.Send(keepalive[..n], ep);
                }
            }
        }
    }

    private async Task ServeKeyChannelAsync(Socket socket, IPAddress source, CancellationToken stop)
    {
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        ServerPeer? peer = null;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                // Between handshakes the connection may idle (rekeys come every 2 minutes).
                byte[]? initiation = await KeyChannel.ReadAsync(stream, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
                if (initiation is null)
                {
                    return;
                }

                if (peer is not null)
                {
                    // A rekey on an authenticated channel: bounded per session, never by the anonymous slots.
                    if (!peer.Rekeys.TryTake(_clock.Now))
                    {
                        _logger.LogInformation("Client {Name} ({Fingerprint}) rekeys too often; its key channel is closed", peer.Key.Name, peer.Key.Fingerprint);
                        return;
                    }

                    peer = await HandshakeAsync(stream, socket, source, initiation, peer, null, stop).ConfigureAwait(false);
                    continue;
                }

                // Unauthenticated: admitted by the limiter or refused quietly (counted, summarised every few seconds).
                HandshakeTicket? ticket = _limiter.TryBegin(source, out HandshakeRefusal refusal);
                if (ticket is null)
                {
                    _logger.LogDebug("Handshake from {Source} refused: {Refusal}", source, refusal);
                    return;
                }

                using (ticket)
                {
                    peer = await AdmittedHandshakeAsync(stream, socket, source, initiation, ticket, stop).ConfigureAwait(false);
                }

                if (peer is null)
                {
                    return;
                }
            }
        }
        catch (ProtocolException e) when (peer is not null)
        {
            _logger.LogInformation("Key channel of {Name} from {Source} closed: {Reason}", peer.Key.Name, source, e.Message);
        }
        catch (Exception e) when (e is ProtocolException or OperationCanceledException)
        {
            // Unauthenticated failures are counted by the limiter and summarised, never logged one by one.
            _logger.LogDebug("Key channel from {Source} closed: {Reason}", source, e.Message);
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Key channel from {Source}: {Reason}", source, e.Message);
            Emit(SessionEventKind.Error, null, source.ToString(), e.Message);
        }
    }

    /// <summary>A first handshake under a limiter ticket: its outcome is counted; null when it was evicted.</summary>
    private async Task<ServerPeer?> AdmittedHandshakeAsync(NetworkStream stream, Socket socket, IPAddress source, byte[] initiation, HandshakeTicket ticket, CancellationToken stop)
    {
        HandshakeOutcome outcome = HandshakeOutcome.Failed;
        try
        {
            using var evictable = CancellationTokenSource.CreateLinkedTokenSource(stop, ticket.Evicted);
            ServerPeer peer = await HandshakeAsync(stream, socket, source, initiation, null, ticket, evictable.Token).ConfigureAwait(false);
            outcome = HandshakeOutcome.Authenticated;
            return peer;
        }
        catch (OperationCanceledException) when (ticket.IsEvicted && !stop.IsCancellationRequested)
        {
            outcome = HandshakeOutcome.Evicted;
            return null;
        }
        catch (ProtocolException e)
        {
            outcome = e.Error switch
            {
                ProtocolError.Timeout => HandshakeOutcome.TimedOut,
                ProtocolError.PeerNotTrusted => HandshakeOutcome.Unauthorized,
                _ => HandshakeOutcome.Failed,
            };
            throw;
        }
        finally
        {
            _limiter.End(ticket, outcome);
        }
    }

    private async Task<ServerPeer> HandshakeAsync(NetworkStream stream, Socket socket, IPAddress source, byte[] initiation, ServerPeer? current, HandshakeTicket? ticket, CancellationToken stop)
    {
        var handshakeOptions = new HandshakeOptions { Indices = _table, Clock = _clock };
        using var responder = new ResponderHandshake(_local!, _authorized!, handshakeOptions);
        byte[] response = responder.ProcessInitiation(initiation);
        await KeyChannel.WriteAsync(stream, response, stop).ConfigureAwait(false);
        TimeSpan budget = responder.Deadline - _clock.Now;
        if (ticket is not null)
        {
            TimeSpan allowed = _limiter.Responded(ticket);
            budget = allowed < budget ? allowed : budget;
        }

        byte[] authentication = await KeyChannel.ReadAsync(stream, budget > TimeSpan.Zero ? budget : TimeSpan.Zero, stop).ConfigureAwait(false)
            ?? throw new ProtocolException(ProtocolError.Malformed, "The client closed the key channel during the handshake.");
        if (ticket is not null)
        {
            _limiter.AuthenticationReceived(ticket);
        }

        byte[] clientKey = responder.ProcessAuthentication(authentication);
        AuthorizedKey key = _authorized!.Find(clientKey)
            ?? throw new ProtocolException(ProtocolError.PeerNotTrusted, "The client's key is not authorized.");
        if (ticket is not null)
        {
            _limiter.End(ticket, HandshakeOutcome.Authenticated); // the slot is free from here on
        }

        if (current is not null && current.Key.Fingerprint == key.Fingerprint && IsLive(current))
        {
            // Rekey on the same connection: same lease, the session installs the new keys.
            byte[] confirmation = responder.CreateConfirmation(Config(current.Lease).Encode(), out SessionKeys rekeys);
            using (rekeys)
            {
                await SendRekeyConfirmationAsync(stream, confirmation, _table, responder.LocalIndex, stop).ConfigureAwait(false);
                current.Session.Install(rekeys);
            }

            Emit(SessionEventKind.Rekeyed, key.Fingerprint, current.Endpoint is null ? null : ServerPeer.Describe(current.Endpoint), null);
            return current;
        }

        Lease lease = _pool!.Acquire(key.Fingerprint, _clock.Now)
            ?? throw new SnekException("PoolExhausted", ErrorKind.ResourceUnavailable, $"No free tunnel address in {_pool.Pool4} for {key.Name}.");
        byte[] confirm = responder.CreateConfirmation(Config(lease).Encode(), out SessionKeys keys);
        Session session;
        using (keys)
        {
            session = new Session(keys, _sessionOptions, _clock, _table);
        }

        var peer = new ServerPeer(key, lease, session, socket, _clock.Now);
        try
        {
            await KeyChannel.WriteAsync(stream, confirm, stop).ConfigureAwait(false);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        AddPeer(peer);
        _service.Status(StatusLine());
        _logger.LogInformation("Client {Name} ({Fingerprint}) established from {Source} with {Address}", key.Name, key.Fingerprint, source, lease.Address4);
        Emit(SessionEventKind.Established, key.Fingerprint, source.ToString(), $"{key.Name} as {string.Join(", ", Addresses(lease))}");
        return peer;
    }

    /// <summary>One line for what unauthenticated sources caused since the last one: counts and the top source prefixes.</summary>
    private void LogHandshakeLoad()
    {
        HandshakeInterval interval = _limiter.TakeInterval();
        HandshakeCounters c = interval.Counters;
        if (c.Unauthenticated == 0)
        {
            return;
        }

        _logger.LogInformation(
            "Handshakes in the last {Seconds:0.#} s: {Authenticated} authenticated, {Refused} refused ({Rate} rate, {Busy} prefix busy, {Full} full), {Evicted} evicted, {TimedOut} timed out, {Failed} failed, {Unauthorized} not authorized; {InProgress} in progress; top sources {Top}",
            interval.Length.TotalSeconds, c.Authenticated, c.Refused, c.RefusedRate, c.RefusedPrefixBusy, c.RefusedFull, c.Evicted, c.TimedOut, c.Failed, c.Unauthorized, interval.InProgress,
            string.Join(", ", interval.TopSources.Select(s => $"{s.Prefix} ({s.Events})")));
    }

    /// <summary>
    /// Sends a rekey's Confirmation. The handshake is already Established, so its Dispose no longer
    /// frees the reserved index: on a failed write it is released here, else each failure leaks one
    /// session-table entry (a client could exhaust the table by dropping connections mid-rekey).
    /// </summary>
    internal static async Task SendRekeyConfirmationAsync(Stream stream, byte[] confirmation, SessionTable table, uint localIndex, CancellationToken stop)
    {
        try
        {
            await KeyChannel.WriteAsync(stream, confirmation, stop).ConfigureAwait(false);
        }
        catch
        {
            table.ReleaseReservation(localIndex);
            throw;
        }
    }

    private bool IsLive(ServerPeer peer)
    {
        lock (_peersGate)
        {
            return _peers.TryGetValue(peer.Key.Fingerprint, out ServerPeer? p) && ReferenceEquals(p, peer);
        }
    }

    private TunnelConfig Config(Lease lease) =>
        new(lease.Address4, _pool!.Prefix4, lease.Address6, _pool.Prefix6, _options.Mtu ?? InterfaceConfig.DefaultMtu);

    private static IEnumerable<string> Addresses(Lease lease) =>
        lease.Address6 is null ? [lease.Address4.ToString()] : [lease.Address4.ToString(), lease.Address6.ToString()];

    private void AddPeer(ServerPeer peer)
    {
        ServerPeer? old;
        lock (_peersGate)
        {
            _peers.TryGetValue(peer.Key.Fingerprint, out old);
            _peers[peer.Key.Fingerprint] = peer;
            if (old is not null)
            {
                _routes.Remove(old);
            }

            _routes.Add(peer.Lease, peer);
            var map = new Dictionary<Session, ServerPeer>(_bySession, ReferenceEqualityComparer.Instance);
            if (old is not null)
            {
                map.Remove(old.Session);
            }

            map[peer.Session] = peer;
            _bySession = map;
        }

        if (old is not null)
        {
            // The same client connected again (restarted): its old session goes.
            CloseQuietly(old.KeyChannel);
            old.Session.Dispose();
        }
    }

    private void RemovePeer(ServerPeer peer, string reason)
    {
        lock (_peersGate)
        {
            if (!_peers.TryGetValue(peer.Key.Fingerprint, out ServerPeer? p) || !ReferenceEquals(p, peer))
            {
                return;
            }

            _peers.Remove(peer.Key.Fingerprint);
            _routes.Remove(peer);
            var map = new Dictionary<Session, ServerPeer>(_bySession, ReferenceEqualityComparer.Instance);
            map.Remove(peer.Session);
            _bySession = map;
        }

        _pool!.Release(peer.Key.Fingerprint, _clock.Now);
        CloseQuietly(peer.KeyChannel);
        peer.Session.Dispose();
        _logger.LogInformation("Client {Name} ({Fingerprint}) removed: {Reason}", peer.Key.Name, peer.Key.Fingerprint, reason);
        _service.Status(StatusLine());

        Emit(SessionEventKind.Disconnected, peer.Key.Fingerprint, peer.Endpoint is null ? null : ServerPeer.Describe(peer.Endpoint), reason);
    }

    private static void CloseQuietly(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }

        socket.Dispose();
    }

    // UDP receive thread(s): authenticate, check the inner source against the sender's addresses, deliver.
    private void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        if (!_table.TryGetSession(datagram, out Session session))
        {
            return; // unknown index: nothing allocated, nothing changed
        }

        // Opened straight into the coalescing queue (flushed in OnBatchEnd) or a buffer: TunDelivery.
        TunDevice tun = _tun!;
        TunDelivery delivery = TunDelivery.For(tun);
        Span<byte> packet = delivery.Next(tun);
        OpenResult r = session.Open(datagram, packet, from);
        if (!r.Authenticated || !_bySession.TryGetValue(session, out ServerPeer? peer))
        {
            return;
        }

        if (r.EndpointChanged || peer.Endpoint is null)
        {
            peer.Endpoint = session.Endpoint;
        }

        if (r.Status != OpenStatus.Packet)
        {
            return;
        }

        ReadOnlySpan<byte> ip = packet[..r.Length];
        if (!_routes.IsOwnedBy(IpPacket.SourceAddress(ip), peer))
        {
            peer.CountRoutingDrop();
            return;
        }

        delivery.Deliver(tun, r.Length);
    }

    // UDP receive thread, after each receive call: write what OnDatagram queued (TCP runs coalesced).
    private void OnBatchEnd() => TunDelivery.Flush(_tun!);

    // TUN reader thread: route by destination to the owning client, seal, send. Drains what the TUN
    // queue holds into one batch (sealed in place) and sends it with one sendmmsg.
    private void TunLoop()
    {
        byte[] packet = GC.AllocateArray<byte>(ProtocolConstants.MaxPacketSize, pinned: true);
        int maxDatagrams = (ProtocolConstants.MaxPacketSize / 512) + 2;
        int[] lengths = new int[maxDatagrams];
        using var batch = new UdpBatch(2 * maxDatagrams, _sessionOptions.MaxDatagramSize);
        AddressFamily batchFamily = AddressFamily.Unspecified;
        TunDevice tun = _tun!;
        while (true)
        {
            int n;
            try
            {
                n = batch.Count == 0 ? tun.Read(packet) : tun.TryRead(packet);
            }
            catch (IOException e)
            {
                _logger.LogError("TUN read failed: {Reason}", e.Message);
                return;
            }

            if (n <= 0)
            {
                _udp!.SendBatch(batch, batchFamily); // queue drained: send what was sealed
                if (n < 0)
                {
                    return;
                }

                continue;
            }

            ReadOnlySpan<byte> ip = packet.AsSpan(0, n);
            ServerPeer? peer = _routes.Lookup(IpPacket.DestinationAddress(ip));
            SocketAddress? ep = peer?.Endpoint;
            if (peer is null || ep is null)
            {
                Interlocked.Increment(ref _dropsNoRoute);
                continue;
            }

            if (batch.FreeSlots < maxDatagrams || (batch.Count > 0 && ep.Family != batchFamily))
            {
                _udp!.SendBatch(batch, batchFamily);
            }

            SealResult r;
            try
            {
                r = peer.Session.Seal(ip, batch.Free, lengths);
            }
            catch (ObjectDisposedException)
            {
                continue; // the peer went away meanwhile
            }

            if (r.Status != SealStatus.Ok)
            {
                continue;
            }

            batchFamily = ep.Family;
            for (int i = 0; i < r.Count; i++)
            {
                batch.Commit(lengths[i], ep);
            }
        }
    }

    public List<SnekSession> Snapshot()
    {
        List<ServerPeer> peers;
        lock (_peersGate)
        {
            peers = [.. _peers.Values];
        }

        List<SnekSession> result = [];
        foreach (ServerPeer p in peers)
        {
            result.Add(p.ToSnekSession(InterfaceName, TunnelRole.Server, null, SessionState.Established));
        }

        return result;
    }

    public SnekServerStatus ServerStatus()
    {
        HandshakeCounters c = _limiter.Counters;
        int sessions;
        lock (_peersGate)
        {
            sessions = _peers.Count;
        }

        return new SnekServerStatus
        {
            InterfaceName = InterfaceName,
            Sessions = sessions,
            HandshakesInProgress = _limiter.InProgress,
            HandshakeSlots = _limiter.Options.MaxInProgress,
            Admitted = c.Admitted,
            Authenticated = c.Authenticated,
            RefusedRate = c.RefusedRate,
            RefusedPrefixBusy = c.RefusedPrefixBusy,
            RefusedFull = c.RefusedFull,
            Evicted = c.Evicted,
            TimedOut = c.TimedOut,
            Failed = c.Failed,
            Unauthorized = c.Unauthorized,
        };
    }

    public bool Disconnect(string fingerprint)
    {
        ServerPeer? match = null;
        lock (_peersGate)
        {
            foreach (ServerPeer p in _peers.Values)
            {
                if (Fingerprint.Matches(p.Key.Fingerprint, fingerprint))
                {
                    match = p;
                    break;
                }
            }
        }

        if (match is null)
        {
            return false;
        }

        RemovePeer(match, "disconnected by an administrator");
        return true;
    }

    public bool Rebind() => false;

    public void RequestStop() => _stopRequested.Cancel();

    public void Dispose()
    {
        _service.Stopping($"{InterfaceName}: stopping, removing the interface");
        _reloadRegistration?.Dispose();
        _reloadRegistration = null;
        _keyChannel?.Dispose();
        List<ServerPeer> peers;
        lock (_peersGate)
        {
            peers = [.. _peers.Values];
        }

        foreach (ServerPeer p in peers)
        {
            RemovePeer(p, "server stopping");
        }

        SaveLeases();
        _leaseFile = null;

        _udp?.Dispose();
        _tun?.Dispose();
        _tunThread?.Join(TimeSpan.FromSeconds(2));
        _status?.Dispose();
        _local?.Dispose();
        _identity?.Dispose();
        _keyChannel = null;
        _udp = null;
        _status = null;
    }

    private void Emit(SessionEventKind kind, string? fingerprint, string? endpoint, string? message) =>
        _emit(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, InterfaceName = InterfaceName, Kind = kind, PeerFingerprint = fingerprint, Endpoint = endpoint, Message = message });
}
