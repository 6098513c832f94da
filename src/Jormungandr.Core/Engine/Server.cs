using System.Net;
using Jormungandr.Commands;
using Jormungandr.Crypto;
using Jormungandr.Identity;
using Jormungandr.Protocol;
using Jormungandr.Service;
using Jormungandr.Time;
using Jormungandr.Tunnel;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// The VPN server's configuration and policy around a <see cref="Device"/>: which keys are authorized
/// (re-read when the directory changes), which address each client gets (a pool with leases kept across restarts), what
/// each client may send and receive (its addresses as allowed networks), who may start a handshake
/// (the <see cref="HandshakeLimiter"/>), and the status socket and service notifications. Packets,
/// session timers and the message order of handshakes are the device's and the exchange's.
/// </summary>
internal sealed class Server : ITunnelControl, IDisposable
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan LoadSummaryInterval = TimeSpan.FromSeconds(5);

    // Housekeeping acts this long after the first change of a burst (a cp of many key files is one
    // reload, a burst of connections one lease write), and checks anyway every so often: an inotify
    // watch misses a directory replaced as a whole and most network file systems; without one, often.
    private static readonly TimeSpan ChangeDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan WatchedCheckInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan UnwatchedCheckInterval = TimeSpan.FromSeconds(1);
    private readonly ServerOptions _options;
    private readonly TunnelPlatform _platform;
    private readonly ILogger _logger;
    private readonly Action<SnekSessionEvent> _emit;
    private readonly IClock _clock;
    private readonly HandshakeLimiter _limiter;
    private readonly Lock _clientsGate = new();
    private readonly Dictionary<string, ServerClient> _clients = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly SessionOptions _sessionOptions;
    private readonly ServiceLifecycle _service;
    private readonly WakeSignal _wake = new();
    private readonly PendingChange _reloadRequested;
    private readonly PendingChange _keysChanged;
    private readonly PendingChange _leasesChanged;
    private readonly PendingChange _handshakeLoad;
    private IDisposable? _reloadRegistration;
    private IDisposable? _keysWatch;
    private long _housekeepingPasses;
    private long _authorizedKeysReads;
    private SnekIdentity? _identity;
    private LocalIdentity? _local;
    private AuthorizedKeys? _authorized;
    private AddressPool? _pool;
    private LeaseFile? _leaseFile;
    private long _savedLeases;
    private Device? _device;
    private Routing.HostRouting? _host;
    private PushedConfig? _pushed;
    private readonly HashSet<IPNetwork> _routedNetworks = [];
    private IKeyChannelListener? _keyChannel;
    private StatusServer? _status;

    /// <summary>A client of this server: its device peer, authorized key, lease and key-channel connection.</summary>
    private sealed record ServerClient(Peer Peer, AuthorizedKey Key, Lease Lease, KeyChannelConnection Channel);

    public Server(ServerOptions options, ILoggerFactory loggerFactory, Action<SnekSessionEvent> emit, ServiceLifecycle? service = null, TunnelPlatform? platform = null)
    {
        _options = options;
        _service = service ?? ServiceLifecycle.None;
        _logger = loggerFactory.CreateLogger("Jormungandr.Server");
        _emit = emit;
        _platform = platform ?? TunnelPlatform.Linux(_logger);
        _clock = _platform.Clock;
        _sessionOptions = new SessionOptions { MaxDatagramSize = Linux.InterfaceConfig.DefaultMaxDatagram, Padding = !options.NoPadding };
        _limiter = new HandshakeLimiter(_clock);
        _reloadRequested = new PendingChange(_clock, _wake);
        _keysChanged = new PendingChange(_clock, _wake);
        _leasesChanged = new PendingChange(_clock, _wake);
        _handshakeLoad = new PendingChange(_clock, _wake);
    }

    public string InterfaceName => _device?.Name ?? _options.InterfaceName ?? "";

    /// <summary>The data plane (null before <see cref="Start"/>).</summary>
    internal Device? Device => _device;

    /// <summary>How often the housekeeping loop has woken (an idle server's stays asleep between its checks).</summary>
    internal long HousekeepingPasses => Interlocked.Read(ref _housekeepingPasses);

    /// <summary>True while a change of the authorized-keys directory waits to be read (the watch saw it).</summary>
    internal bool AuthorizedKeysChangePending => _keysChanged.Since is not null;

    /// <summary>True while a lease change waits to be saved (for tests).</summary>
    internal bool LeaseChangePending => _leasesChanged.Since is not null;

    /// <summary>How often the authorized-keys directory was looked at since the start (each look done).</summary>
    internal long AuthorizedKeysReads => Interlocked.Read(ref _authorizedKeysReads);

    /// <summary>True when the authorized-keys directory is watched (else it is re-read every second).</summary>
    internal bool WatchesAuthorizedKeys => _keysWatch is not null;

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
            WatchAuthorizedKeys();
            _pool = new AddressPool(pool4, pool6, LeaseTime);
            ApplyStaticLeases();

            ITunDevice tun = _platform.OpenTun(_options.InterfaceName, name => StatusServer.IsLive(StatusServer.PathFor(_options.StatusDirectory, name)));
            IDatagramTransport udp;
            try
            {
                udp = _platform.BindTransport(bind, _options.DataPort);
            }
            catch
            {
                tun.Dispose();
                throw;
            }

            _pushed = _options.Pushed;
            _device = new Device(tun, udp, _sessionOptions, _clock, _logger)
            {
                Expired = peer => RemoveClient(peer, "session expired (peer silent)"),
                ControlReceived = OnControl,
            };
            RestoreLeases();
            int mtu = _options.Mtu ?? Linux.InterfaceConfig.DefaultMtu;
            _platform.Interfaces.AddAddress(tun.Name, _pool.ServerLease.Address4, _pool.Prefix4);
            if (_pool.ServerLease.Address6 is not null)
            {
                _platform.Interfaces.AddAddress(tun.Name, _pool.ServerLease.Address6, _pool.Prefix6);
            }

            _platform.Interfaces.Up(tun.Name, mtu);
            _status = StatusServer.Start(_options.StatusDirectory, this, _logger);
            _host = _platform.OpenHostRouting(tun.Name, _options.StatusDirectory);
            if (_options.Gateway)
            {
                (_host ?? throw new SnekException("GatewayUnavailable", ErrorKind.ResourceUnavailable, "Gateway mode needs the host's routing, which this platform does not offer."))
                    .ApplyGateway(pool4, pool6);
            }

            RouteClientNetworks();
            _keyChannel = _platform.ListenKeyChannel(bind, _options.KeyPort);
            _device.Start();
            _keyChannel.Start(ServeKeyChannelAsync);
            _logger.LogInformation("Server {Interface} listening: key port {KeyPort}/tcp, data port {DataPort}/udp, pool {Pool}, identity {Fingerprint}",
                tun.Name, _options.KeyPort, _options.DataPort, pool4, _identity.Fingerprint);
            Emit(SessionEventKind.Listening, null, $"{bind?.ToString() ?? "*"}:{_options.KeyPort}",
                $"key port {_options.KeyPort}/tcp, data port {_options.DataPort}/udp, pool {pool4}{(pool6 is null ? "" : " " + pool6)}, server key {_identity.Fingerprint}");
            _reloadRegistration = _service.OnReload(_reloadRequested.Mark);
            _service.Ready(StatusLine());
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs the session timers and the housekeeping (authorized keys re-read, leases saved, load summary,
    /// reload requests) until cancelled or stopped through the status socket.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopRequested.Token);
        CancellationToken stop = linked.Token;
        Task timers = _device!.RunTimersAsync(stop);
        try
        {
            await HousekeepAsync(stop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        try
        {
            await timers.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// Sleeps until there is something to do: a reload request, a change of the authorized keys or of the
    /// leases (each acted on <see cref="ChangeDelay"/> after its first change), the handshake-load summary
    /// (a timer only while there are events to summarise, at most one line per <see cref="LoadSummaryInterval"/>),
    /// or the occasional check of keys and leases that catches what the directory watch cannot see.
    /// </summary>
    private async Task HousekeepAsync(CancellationToken stop)
    {
        TimeSpan checkInterval = _keysWatch is null ? UnwatchedCheckInterval : WatchedCheckInterval;
        TimeSpan nextCheck = _clock.Now + checkInterval;
        TimeSpan nextSummary = _clock.Now;
        while (true)
        {
            Task wake = _wake.Arm();
            TimeSpan now = _clock.Now;
            if (_reloadRequested.TryTake(now, TimeSpan.Zero))
            {
                Reload();
            }

            if (_keysChanged.TryTake(now, ChangeDelay))
            {
                RefreshAuthorizedKeys();
            }

            if (_leasesChanged.TryTake(now, ChangeDelay))
            {
                SaveLeases();
            }

            if (now >= nextCheck)
            {
                RefreshAuthorizedKeys();
                SaveLeases();
                nextCheck = now + checkInterval;
            }

            if (SummaryDue() <= now && _handshakeLoad.TryTake(now, TimeSpan.Zero))
            {
                if (_limiter.IntervalHasEvents)
                {
                    nextSummary = now + LoadSummaryInterval;
                    LogHandshakeLoad();
                }
            }

            TimeSpan next = Earliest(nextCheck, _reloadRequested.Since, _keysChanged.Due(ChangeDelay), _leasesChanged.Due(ChangeDelay), SummaryDue());
            await WakeSignal.SleepAsync(wake, _clock, next - _clock.Now, stop).ConfigureAwait(false);

            stop.ThrowIfCancellationRequested();
            Interlocked.Increment(ref _housekeepingPasses);
        }

        // The first events after a quiet period are reported at once (after the change delay), later ones at most once an interval.
        TimeSpan? SummaryDue() => _handshakeLoad.Due(ChangeDelay) is TimeSpan due ? (due > nextSummary ? due : nextSummary) : null;
    }

    private static TimeSpan Earliest(TimeSpan first, params ReadOnlySpan<TimeSpan?> others)
    {
        TimeSpan earliest = first;
        foreach (TimeSpan? t in others)
        {
            if (t < earliest)
            {
                earliest = t.Value;
            }
        }

        return earliest;
    }

    // A watch that cannot be made (inotify limits) is not fatal: the directory is then re-read every second.
    private void WatchAuthorizedKeys()
    {
        try
        {
            _keysWatch = _platform.WatchDirectory(_options.AuthorizedKeysPath, _keysChanged.Mark);
        }
        catch (SnekException e)
        {
            _logger.LogWarning("{Reason}; re-reading it every {Seconds} s instead", e.Message, UnwatchedCheckInterval.TotalSeconds);
            return;
        }

        // A change between the first read and the watch: the re-read after the change delay sees it.
        _keysChanged.Mark();
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
        _leaseFile = new LeaseFile(_options.StateDirectory ?? Path.Combine(TunnelDefaults.StateRoot, _device!.Name), _logger);
        int restored = _pool!.Restore(_leaseFile.Load(), _clock.Now, _clock.UtcNow);
        Volatile.Write(ref _savedLeases, _pool.Version);
        _logger.LogInformation("Restored {Count} address leases from {Path}", restored, _leaseFile.Path);
    }

    // A lease was taken or given back: saved after the change delay, so a burst of connections is one write.
    private void NoteLeaseChange()
    {
        if (_pool!.Version != Volatile.Read(ref _savedLeases))
        {
            _leasesChanged.Mark();
        }
    }

    // After a lease change, at the occasional check and at the end: a write only when a lease changed, never per packet or handshake.
    private void SaveLeases()
    {
        if (_leaseFile is null || _pool is null)
        {
            return;
        }

        long version = _pool.Version;
        if (version == Volatile.Read(ref _savedLeases))
        {
            return;
        }

        try
        {
            _leaseFile.Save(_pool.Export(_clock.Now, _clock.UtcNow));
            Volatile.Write(ref _savedLeases, version);
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
        lock (_clientsGate)
        {
            clients = _clients.Count;
        }

        return $"{InterfaceName}: listening on key port {_options.KeyPort}/tcp, data port {_options.DataPort}/udp; {clients} client{(clients == 1 ? "" : "s")}, {_authorized?.Count ?? 0} authorized";
    }

    private void RefreshAuthorizedKeys(bool force = false)
    {
        if (_authorized!.Refresh(force))
        {
            ApplyAuthorizedKeys();
        }

        Interlocked.Increment(ref _authorizedKeysReads);
    }

    // A new set of keys: static addresses and routes follow it, and whoever is no longer in it goes.
    private void ApplyAuthorizedKeys()
    {
        ApplyStaticLeases();
        RouteClientNetworks();
        List<ServerClient> revoked = [];
        lock (_clientsGate)
        {
            foreach (ServerClient client in _clients.Values)
            {
                if (_authorized!.Find(client.Key.PublicKey) is null)
                {
                    revoked.Add(client);
                }
            }
        }

        foreach (ServerClient client in revoked)
        {
            RemoveClient(client, "key no longer authorized");
        }
    }

    // Networks behind clients are routed into the tunnel (the device then picks the client owning them).
    // A network overlapping a pool is refused: its owner could send as the server or as clients to be.
    private void RouteClientNetworks()
    {
        foreach (AuthorizedKey key in _authorized!.Keys.Values)
        {
            foreach (IPNetwork network in key.Networks)
            {
                if (OverlapsPool(network) || _routedNetworks.Contains(network))
                {
                    continue;
                }

                try
                {
                    _platform.Interfaces.AddRoute(_device!.Name, network);
                    _routedNetworks.Add(network);
                }
                catch (SnekException e)
                {
                    _logger.LogWarning("Network {Network} behind {Name} not routed: {Reason}", network, key.Name, e.Message);
                }
            }
        }
    }

    private bool OverlapsPool(IPNetwork network) =>
        Overlaps(network, _pool!.Pool4) || (_pool.Pool6 is IPNetwork p6 && Overlaps(network, p6));

    private static bool Overlaps(IPNetwork a, IPNetwork b) =>
        a.BaseAddress.AddressFamily == b.BaseAddress.AddressFamily && (a.Contains(b.BaseAddress) || b.Contains(a.BaseAddress));

    // A client asked for the pushed configuration (a receive loop: answering is one sealed datagram).
    private void OnControl(Peer peer, ReadOnlySpan<byte> message)
    {
        try
        {
            if (ControlMessage.ReadRequest(message) >= PushedConfig.Format1)
            {
                _device!.SendControl(peer, ControlMessage.Push(_pushed!));
            }
        }
        catch (ProtocolException e)
        {
            _logger.LogDebug("Control message from {Name} dropped: {Reason}", peer.Name, e.Message);
        }
    }

    /// <summary>
    /// One key-channel connection: moves frames between the connection and a <see cref="ResponderExchange"/>
    /// and decides what the exchange asks (admission of a first handshake, authorization, the address).
    /// </summary>
    private async Task ServeKeyChannelAsync(Stream stream, IPAddress source, CancellationToken stop)
    {
        using var channel = new KeyChannelConnection(stream, _clock);
        using var exchange = new ResponderExchange(_local!, _authorized!, new HandshakeOptions { Indices = _device!.Sessions, Clock = _clock, Random = _platform.Random });
        ServerClient? client = null;
        HandshakeTicket? ticket = null;
        HandshakeOutcome outcome = HandshakeOutcome.Failed;
        try
        {
            while (!stop.IsCancellationRequested)
            {
                byte[]? frame;
                using (CancellationTokenSource? evictable = ticket is null ? null : CancellationTokenSource.CreateLinkedTokenSource(stop, ticket.Evicted))
                {
                    // Between handshakes an established channel may idle (rekeys come every 2 minutes): no deadline then.
                    frame = await channel.ReadAsync(exchange.Deadline, evictable?.Token ?? stop).ConfigureAwait(false);
                }

                if (frame is null)
                {
                    return;
                }

                if (!exchange.IsEstablished && !exchange.InProgress)
                {
                    // Unauthenticated: admitted by the limiter or refused quietly (counted, summarised every few seconds).
                    ticket = _limiter.TryBegin(source, out HandshakeRefusal refusal);
                    NoteHandshakeLoad(); // a refusal, or an eviction to admit this one
                    if (ticket is null)
                    {
                        _logger.LogDebug("Handshake from {Source} refused: {Refusal}", source, refusal);
                        return;
                    }
                }

                KeyExchangeStep step = exchange.Receive(frame);
                if (step.Event == KeyExchangeEvent.Failed)
                {
                    throw step.Error!;
                }

                if (step.Send is not null)
                {
                    await channel.WriteAsync(step.Send, stop).ConfigureAwait(false);
                    if (ticket is not null)
                    {
                        exchange.LimitDeadline(_clock.Now + _limiter.Responded(ticket));
                    }

                    continue;
                }

                if (ticket is not null)
                {
                    _limiter.AuthenticationReceived(ticket);
                }

                AuthorizedKey? key = _authorized!.Find(step.PeerPublicKey!);
                if (key is null)
                {
                    outcome = HandshakeOutcome.Unauthorized;
                    throw exchange.Refuse(new ProtocolException(ProtocolError.PeerNotTrusted, "The client's key is not authorized.")).Error!;
                }

                if (ticket is not null)
                {
                    _limiter.End(ticket, HandshakeOutcome.Authenticated); // the slot is free from here on
                    ticket.Dispose();
                    ticket = null;
                }

                client = client is null
                    ? await EstablishAsync(channel, exchange, key, source, stop).ConfigureAwait(false)
                    : await RekeyAsync(channel, exchange, client, stop).ConfigureAwait(false);
                if (client is null)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (ticket is { IsEvicted: true } && !stop.IsCancellationRequested)
        {
            outcome = HandshakeOutcome.Evicted;
        }
        catch (ProtocolException e) when (client is not null)
        {
            _logger.LogInformation("Key channel of {Name} from {Source} closed: {Reason}", client.Key.Name, source, e.Message);
        }
        catch (Exception e) when (e is ProtocolException or OperationCanceledException)
        {
            // Unauthenticated failures are counted by the limiter and summarised, never logged one by one.
            if (e is ProtocolException p && outcome == HandshakeOutcome.Failed)
            {
                outcome = p.Error switch
                {
                    ProtocolError.Timeout => HandshakeOutcome.TimedOut,
                    ProtocolError.PeerNotTrusted => HandshakeOutcome.Unauthorized,
                    _ => HandshakeOutcome.Failed,
                };
            }

            _logger.LogDebug("Key channel from {Source} closed: {Reason}", source, e.Message);
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Key channel from {Source}: {Reason}", source, e.Message);
            Emit(SessionEventKind.Error, null, source.ToString(), e.Message);
        }
        finally
        {
            if (ticket is not null)
            {
                _limiter.End(ticket, outcome);
                ticket.Dispose();
                NoteHandshakeLoad();
            }
        }
    }

    // A first handshake confirmed: an address, a session bound before the Confirmation goes out (the client
    // sends on it at once), and the client in the device with its addresses as allowed networks.
    private async Task<ServerClient?> EstablishAsync(KeyChannelConnection channel, ResponderExchange exchange, AuthorizedKey key, IPAddress source, CancellationToken stop)
    {
        Lease lease = _pool!.Acquire(key.Fingerprint, _clock.Now)
            ?? throw new SnekException("PoolExhausted", ErrorKind.ResourceUnavailable, $"No free tunnel address in {_pool.Pool4} for {key.Name}.");
        NoteLeaseChange();
        KeyExchangeStep step = exchange.Confirm(Config(lease).Encode());
        Session session;
        using (SessionKeys keys = step.Keys!)
        {
            session = new Session(keys, _sessionOptions, _clock, _device!.Sessions);
        }

        var client = new ServerClient(new Peer(key.Name, key.Fingerprint, learnsEndpoint: true), key, lease, channel);
        AddClient(client, session);
        try
        {
            await channel.WriteAsync(step.Send!, stop).ConfigureAwait(false);
        }
        catch
        {
            RemoveClient(client, "the Confirmation could not be sent");
            throw;
        }

        _service.Status(StatusLine());
        _logger.LogInformation("Client {Name} ({Fingerprint}) established from {Source} with {Address}", key.Name, key.Fingerprint, source, lease.Address4);
        Emit(SessionEventKind.Established, key.Fingerprint, source.ToString(), $"{key.Name} as {string.Join(", ", Addresses(lease))}");
        return client;
    }

    // A rekey on the client's own channel: same lease; the new keys are installed before the Confirmation goes out.
    private async Task<ServerClient?> RekeyAsync(KeyChannelConnection channel, ResponderExchange exchange, ServerClient client, CancellationToken stop)
    {
        if (!IsLive(client) || client.Peer.Session is not Session session)
        {
            return null; // removed meanwhile (expired, revoked, disconnected): the channel closes
        }

        KeyExchangeStep step = exchange.Confirm(Config(client.Lease).Encode());
        using (SessionKeys keys = step.Keys!)
        {
            session.Install(keys);
        }

        await channel.WriteAsync(step.Send!, stop).ConfigureAwait(false);
        Emit(SessionEventKind.Rekeyed, client.Key.Fingerprint, client.Peer.Endpoint is null ? null : Peer.Describe(client.Peer.Endpoint), null);
        return client;
    }

    // The load summary needs a timer only while there is something to summarise: the first event wakes the housekeeping.
    private void NoteHandshakeLoad()
    {
        if (_handshakeLoad.Since is null && _limiter.IntervalHasEvents)
        {
            _handshakeLoad.Mark();
        }
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

    private bool IsLive(ServerClient client)
    {
        lock (_clientsGate)
        {
            return _clients.TryGetValue(client.Key.Fingerprint, out ServerClient? c) && ReferenceEquals(c, client);
        }
    }

    private TunnelConfig Config(Lease lease) =>
        new(lease.Address4, _pool!.Prefix4, lease.Address6, _pool.Prefix6, _options.Mtu ?? Linux.InterfaceConfig.DefaultMtu);

    private static IEnumerable<string> Addresses(Lease lease) =>
        lease.Address6 is null ? [lease.Address4.ToString()] : [lease.Address4.ToString(), lease.Address6.ToString()];

    // Cryptokey routing: a client owns its own tunnel addresses and the networks behind it.
    private IEnumerable<IPNetwork> AllowedNetworks(ServerClient client)
    {
        yield return AllowedNetworks<Peer>.Host(client.Lease.Address4);
        if (client.Lease.Address6 is not null)
        {
            yield return AllowedNetworks<Peer>.Host(client.Lease.Address6);
        }

        foreach (IPNetwork network in client.Key.Networks)
        {
            if (!OverlapsPool(network))
            {
                yield return network;
            }
        }
    }

    private void AddClient(ServerClient client, Session session)
    {
        ServerClient? old;
        lock (_clientsGate)
        {
            _clients.TryGetValue(client.Key.Fingerprint, out old);
            _clients[client.Key.Fingerprint] = client;
            _device!.AddPeer(client.Peer, session, AllowedNetworks(client));
        }

        if (old is not null)
        {
            // The same client connected again (restarted): its old session and channel go.
            _device!.RemovePeer(old.Peer);
            old.Channel.Dispose();
        }
    }

    private void RemoveClient(Peer peer, string reason)
    {
        ServerClient? client;
        lock (_clientsGate)
        {
            client = _clients.GetValueOrDefault(peer.Fingerprint);
        }

        if (client is not null && ReferenceEquals(client.Peer, peer))
        {
            RemoveClient(client, reason);
        }
    }

    private void RemoveClient(ServerClient client, string reason)
    {
        lock (_clientsGate)
        {
            if (!_clients.TryGetValue(client.Key.Fingerprint, out ServerClient? c) || !ReferenceEquals(c, client))
            {
                return;
            }

            _clients.Remove(client.Key.Fingerprint);
        }

        string? endpoint = client.Peer.Endpoint is SocketAddress ep ? Peer.Describe(ep) : null;
        _device?.RemovePeer(client.Peer);
        _pool!.Release(client.Key.Fingerprint, _clock.Now);
        NoteLeaseChange();
        client.Channel.Dispose();
        _logger.LogInformation("Client {Name} ({Fingerprint}) removed: {Reason}", client.Key.Name, client.Key.Fingerprint, reason);
        _service.Status(StatusLine());
        Emit(SessionEventKind.Disconnected, client.Key.Fingerprint, endpoint, reason);
    }

    public List<SnekSession> Snapshot()
    {
        List<ServerClient> clients;
        lock (_clientsGate)
        {
            clients = [.. _clients.Values];
        }

        List<SnekSession> result = [];
        foreach (ServerClient c in clients)
        {
            result.Add(c.Peer.ToSnekSession(InterfaceName, TunnelRole.Server, SessionState.Established, Addresses(c.Lease), _device!.AllowedNetworksOf(c.Peer)));
        }

        return result;
    }

    public SnekServerStatus ServerStatus()
    {
        HandshakeCounters c = _limiter.Counters;
        int sessions;
        lock (_clientsGate)
        {
            sessions = _clients.Count;
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
            DropsNoRoute = _device?.DropsNoRoute ?? 0,
            Gateway = _options.Gateway,
        };
    }

    public bool Disconnect(string fingerprint)
    {
        ServerClient? match = null;
        lock (_clientsGate)
        {
            foreach (ServerClient c in _clients.Values)
            {
                if (Fingerprint.Matches(c.Key.Fingerprint, fingerprint))
                {
                    match = c;
                    break;
                }
            }
        }

        if (match is null)
        {
            return false;
        }

        RemoveClient(match, "disconnected by an administrator");
        return true;
    }

    public void RequestStop() => _stopRequested.Cancel();

    public void Dispose()
    {
        _service.Stopping($"{InterfaceName}: stopping, removing the interface");
        _reloadRegistration?.Dispose();
        _reloadRegistration = null;
        _keysWatch?.Dispose();
        _keysWatch = null;
        _keyChannel?.Dispose();
        _keyChannel = null;
        List<ServerClient> clients;
        lock (_clientsGate)
        {
            clients = [.. _clients.Values];
        }

        foreach (ServerClient c in clients)
        {
            RemoveClient(c, "server stopping");
        }

        SaveLeases();
        _leaseFile = null;
        RemoveHostChanges();
        _device?.Dispose();
        _status?.Dispose();
        _status = null;
        _local?.Dispose();
        _identity?.Dispose();
    }

    // Before the interface goes: forwarding and masquerade back to how they were.
    private void RemoveHostChanges()
    {
        try
        {
            _host?.Remove();
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Could not undo every host change (the next start tries again): {Reason}", e.Message);
        }

        _host = null;
    }

    private void Emit(SessionEventKind kind, string? fingerprint, string? endpoint, string? message) =>
        _emit(new SnekSessionEvent { Time = _clock.UtcNow, InterfaceName = InterfaceName, Kind = kind, PeerFingerprint = fingerprint, Endpoint = endpoint, Message = message });
}
