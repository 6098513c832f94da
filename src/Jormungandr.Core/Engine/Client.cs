using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Protocol;
using Jormungandr.Routing;
using Jormungandr.Time;
using Jormungandr.Tunnel;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// The VPN client's configuration and policy around a <see cref="Device"/> with one peer, its server:
/// which server key to trust (pinned key or trusted directory), which addresses to try, what the server
/// may send (its pool networks and the client's routes as the peer's allowed networks), how the
/// interface is configured from the server's tunnel configuration, and when to reconnect (backoff with
/// jitter, reset after every session that was established). An untrusted server key ends the client
/// (that is an attack or a misconfiguration, not an outage). Packets and session timers are the
/// device's; the message order of handshakes is the <see cref="InitiatorExchange"/>'s.
/// </summary>
internal sealed class Client : IRoamingTunnel, IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly ClientOptions _options;
    private readonly TunnelPlatform _platform;
    private readonly ILogger _logger;
    private readonly Action<SnekSessionEvent> _emit;
    private readonly IClock _clock;
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly SessionOptions _sessionOptions;
    private readonly Lock _gate = new();
    private readonly Channel<Signal> _signals = Channel.CreateBounded<Signal>(new BoundedChannelOptions(8) { FullMode = BoundedChannelFullMode.DropWrite });
    private SnekIdentity? _identity;
    private LocalIdentity? _local;
    private ServerKeyPolicy? _policy;
    private Device? _device;
    private StatusServer? _status;
    private IPEndPoint? _server;
    private int _serverIndex;
    private SocketAddress? _serverAddress;
    private volatile Peer? _peer;
    private TunnelConfig? _config;
    private string? _serverFingerprint;
    private SessionState _state = SessionState.Handshaking;
    private KeyChannelConnection? _channel;
    private readonly Lock _hostGate = new();
    private HostRouting? _host;
    private bool _fullTunnel4;
    private bool _fullTunnel6;
    private PushedConfig? _push;
    private PushDecision? _pushDecision;
    private DnsSettings? _dnsApplied; // the pushed DNS in effect (under _hostGate)
    private string? _dns;
    private volatile Session? _pushAnswered;

    /// <summary>What the timers and the status socket ask of the connection loop.</summary>
    private enum Signal
    {
        Rekey,
        Expired,
        Drop,
    }

    public Client(ClientOptions options, ILoggerFactory loggerFactory, Action<SnekSessionEvent> emit, TunnelPlatform? platform = null)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger("Jormungandr.Client");
        _emit = emit;
        // The client's own sockets always carry the full-tunnel mark: a full tunnel may come later from a
        // push, and the mark means nothing without its rules.
        _platform = platform ?? TunnelPlatform.Linux(_logger, FullTunnelOptions.DefaultMark);
        _clock = _platform.Clock;
        _sessionOptions = new SessionOptions
        {
            MaxDatagramSize = Linux.InterfaceConfig.DefaultMaxDatagram,
            Padding = !options.NoPadding,
            RekeyAfterTime = options.RekeyAfter,
        };
    }

    public string InterfaceName => _device?.Name ?? _options.InterfaceName ?? "";

    /// <summary>The data plane (null before <see cref="StartAsync"/>).</summary>
    internal Device? Device => _device;

    /// <summary>Resolves the server, loads keys, creates the TUN, status socket and data channel.</summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            IPAddress address = await ResolveAsync(ServerHost, cancellationToken).ConfigureAwait(false);
            _server = new IPEndPoint(address, _options.DataPort);
            _serverAddress = _server.Serialize();
            _identity = _options.PrivateKey is string inline
                ? SnekIdentity.FromPrivateKeyText(inline, _options.Passphrase, "the profile's private_key")
                : SnekIdentity.LoadPrivate(_options.CertificatePath, _options.Passphrase);
            _local = new LocalIdentity(_identity.PublicKey, _identity.Sign);
            _policy = _options.ServerPublicKey is string pinned
                ? new ServerKeyPolicy(OptionChecks.PublicKey(pinned, "ServerPublicKey"), _logger)
                : new ServerKeyPolicy(_options.ServerKeyPath, _options.TrustedServersPath, _options.Address, _options.TrustOnFirstUse, _logger);
            ITunDevice tun = _platform.OpenTun(_options.InterfaceName, name => StatusServer.IsLive(StatusServer.PathFor(_options.StatusDirectory, name)));
            IDatagramTransport udp;
            try
            {
                udp = OpenTransport(address.AddressFamily);
            }
            catch
            {
                tun.Dispose();
                throw;
            }

            _device = new Device(tun, udp, _sessionOptions, _clock, _logger)
            {
                Expired = _ => _signals.Writer.TryWrite(Signal.Expired),
                RekeyDue = _ => _signals.Writer.TryWrite(Signal.Rekey),
                ControlReceived = OnControl,
            };
            _status = StatusServer.Start(_options.StatusDirectory, this, _logger);
            _host = _platform.OpenHostRouting(tun.Name, _options.StatusDirectory);
            if (_options.KillSwitch)
            {
                // From now until the client stops, reconnects included: nothing leaves outside the tunnel.
                (_host ?? throw HostRoutingUnavailable("KillSwitch")).ApplyKillSwitch(FullTunnelOptions.DefaultMark);
            }
            _device.Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private static SnekException HostRoutingUnavailable(string option) =>
        new("HostRoutingUnavailable", ErrorKind.ResourceUnavailable, $"{option} needs the host's routing, which this platform does not offer.");

    private IDatagramTransport OpenTransport(AddressFamily family) =>
        _platform.BindTransport(family == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0);

    private async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return ip;
        }

        try
        {
            IPAddress[] all = await _platform.Resolve(host, cancellationToken).ConfigureAwait(false);
            if (all.Length > 0)
            {
                return all[0];
            }
        }
        catch (SocketException)
        {
        }

        throw new SnekException("ServerNotFound", ErrorKind.ObjectNotFound, $"Cannot resolve server '{host}'.", host);
    }

    /// <summary>Connects and keeps the tunnel up until cancelled or stopped; reconnects with backoff.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _stopRequested.Token);
        CancellationToken stop = linked.Token;
        Task timers = _device!.RunTimersAsync(stop);
        var backoff = new ReconnectBackoff(ReconnectBackoff.Initial, _options.MaxReconnectDelay, _platform.Random);
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var attempt = new Attempt();
                try
                {
                    await ConnectOnceAsync(attempt, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    break;
                }
                catch (ProtocolException e) when (e.Error is ProtocolError.PeerNotTrusted or ProtocolError.BadSignature)
                {
                    Emit(SessionEventKind.Error, null, Describe(), "server key not trusted: " + e.Message);
                    throw new SnekException("ServerNotTrusted", ErrorKind.SecurityError,
                        $"The server at {_options.Address} presented a key that is not pinned or trusted ({e.Message}).", _options.Address, e);
                }
                catch (Exception e) when (e is ProtocolException or SocketException or IOException or SnekException or ObjectDisposedException)
                {
                    _logger.LogInformation("Connection to {Server} failed: {Reason}", Describe(), e.Message);
                    Emit(SessionEventKind.Error, _serverFingerprint, Describe(), e.Message);
                }

                DropSession(attempt.Established ? "connection to the server lost" : null);
                if (attempt.Established)
                {
                    backoff.Reset();
                }

                if (stop.IsCancellationRequested)
                {
                    break;
                }

                _state = SessionState.Reconnecting;
                try
                {
                    await _clock.Delay(backoff.Next(), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                if (!attempt.Established && _options.AlternateAddresses.Count > 0)
                {
                    await UseNextServerAsync(stop).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await linked.CancelAsync().ConfigureAwait(false);
            try
            {
                await timers.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>Whether one connection attempt got as far as an established session (resets the backoff).</summary>
    private sealed class Attempt
    {
        public bool Established { get; set; }
    }

    // The address tried now: Address first, then each alternate in turn.
    private string ServerHost => _serverIndex == 0 ? _options.Address : _options.AlternateAddresses[_serverIndex - 1];

    // After a failed attempt, the next of the server's addresses; the data channel follows a change of family.
    private async Task UseNextServerAsync(CancellationToken stop)
    {
        _serverIndex = (_serverIndex + 1) % (_options.AlternateAddresses.Count + 1);
        IPAddress address;
        try
        {
            address = await ResolveAsync(ServerHost, stop).ConfigureAwait(false);
        }
        catch (SnekException e)
        {
            _logger.LogInformation("Skipping server address {Server}: {Reason}", ServerHost, e.Message);
            return;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return;
        }

        bool familyChanged = address.AddressFamily != _server!.AddressFamily;
        _server = new IPEndPoint(address, _options.DataPort);
        _serverAddress = _server.Serialize();
        if (_peer is Peer peer)
        {
            peer.Endpoint = _serverAddress;
        }

        if (familyChanged)
        {
            _device!.ReplaceTransport(OpenTransport(address.AddressFamily));
        }

        _logger.LogInformation("Trying server address {Server}", Describe());
    }

    // One key-channel connection: moves frames between it and an InitiatorExchange (first handshake, then
    // rekeys when the device's timers ask) until it fails, the session expires or it is dropped.
    private async Task ConnectOnceAsync(Attempt attempt, CancellationToken stop)
    {
        _state = SessionState.Handshaking;
        while (_signals.Reader.TryRead(out _))
        {
            // Signals of an earlier connection mean nothing to this one.
        }

        using KeyChannelConnection channel = await DialAsync(stop).ConfigureAwait(false);
        lock (_gate)
        {
            _channel = channel;
        }

        Emit(SessionEventKind.Connected, null, Describe(), null);
        var frames = Channel.CreateBounded<byte[]>(4);
        using var connection = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task reader = Task.Run(() => ReadFramesAsync(channel, frames.Writer, connection.Token), CancellationToken.None);
        using var exchange = new InitiatorExchange(_local!, _policy!, new HandshakeOptions { Clock = _clock, Random = _platform.Random, Indices = _device!.Sessions });
        try
        {
            await ActAsync(channel, exchange.Begin(), attempt, stop).ConfigureAwait(false);
            while (true)
            {
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    Task<bool> frame = frames.Reader.WaitToReadAsync(wait.Token).AsTask();
                    Task<bool> signal = _signals.Reader.WaitToReadAsync(wait.Token).AsTask();
                    Task deadline = exchange.Deadline is TimeSpan d ? _clock.Delay(Max(d - _clock.Now, TimeSpan.Zero), wait.Token) : Task.Delay(Timeout.Infinite, wait.Token);
                    await Task.WhenAny(frame, signal, deadline).ConfigureAwait(false);
                    await wait.CancelAsync().ConfigureAwait(false);
                    stop.ThrowIfCancellationRequested();
                }

                while (_signals.Reader.TryRead(out Signal s))
                {
                    switch (s)
                    {
                        case Signal.Expired:
                            throw new ProtocolException(ProtocolError.Timeout, "The session expired (server silent).");
                        case Signal.Drop:
                            throw new ProtocolException(ProtocolError.Malformed, "The session was dropped by an administrator; reconnecting.");
                        case Signal.Rekey when exchange.IsEstablished && !exchange.InProgress:
                            _state = SessionState.Rekeying;
                            await ActAsync(channel, exchange.Begin(), attempt, stop).ConfigureAwait(false);
                            break;
                    }
                }

                while (frames.Reader.TryRead(out byte[]? f))
                {
                    await ActAsync(channel, exchange.Receive(f), attempt, stop).ConfigureAwait(false);
                }

                if (frames.Reader.Completion.IsCompleted)
                {
                    await frames.Reader.Completion.ConfigureAwait(false); // a read error surfaces here
                    throw new ProtocolException(ProtocolError.Malformed, attempt.Established
                        ? "The server closed the key channel."
                        : "The server closed the key channel (refused this client, or stopped).");
                }

                await ActAsync(channel, exchange.CheckDeadline(), attempt, stop).ConfigureAwait(false);
            }
        }
        finally
        {
            lock (_gate)
            {
                _channel = null;
            }

            await connection.CancelAsync().ConfigureAwait(false);
            channel.Dispose();
            await Task.WhenAny(reader, Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private async Task<KeyChannelConnection> DialAsync(CancellationToken stop)
    {
        var endpoint = new IPEndPoint(_server!.Address, _options.KeyPort);
        using var connect = CancellationTokenSource.CreateLinkedTokenSource(stop);
        Task<Stream> dial = _platform.DialKeyChannel(endpoint, connect.Token);
        Task timeout = _clock.Delay(ConnectTimeout, connect.Token);
        await Task.WhenAny(dial, timeout).ConfigureAwait(false);
        await connect.CancelAsync().ConfigureAwait(false);
        stop.ThrowIfCancellationRequested();
        try
        {
            return new KeyChannelConnection(await dial.ConfigureAwait(false), _clock);
        }
        catch (OperationCanceledException)
        {
            throw new ProtocolException(ProtocolError.Timeout, $"No answer from {endpoint.Address}:{_options.KeyPort} within {ConnectTimeout.TotalSeconds:0} s.");
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    // Acts on one step of the exchange: send its frame, then take its keys.
    private async Task ActAsync(KeyChannelConnection channel, KeyExchangeStep step, Attempt attempt, CancellationToken stop)
    {
        if (step.Event == KeyExchangeEvent.Failed)
        {
            throw step.Error!;
        }

        if (step.Send is not null)
        {
            await channel.WriteAsync(step.Send, stop).ConfigureAwait(false);
        }

        if (step.Keys is not SessionKeys keys)
        {
            return;
        }

        using (keys)
        {
            if (step.Event == KeyExchangeEvent.Established)
            {
                Establish(keys);
                attempt.Established = true;
                if (_options.RoutePolicy != RoutePolicy.None)
                {
                    _ = RequestPushAsync(_peer!, _peer!.Session!, stop);
                }
            }
            else
            {
                Peer peer = _peer!;
                peer.Session!.Install(keys);
                _state = SessionState.Established;
                Emit(SessionEventKind.Rekeyed, _serverFingerprint, Describe(), null);
                _device!.SendKeepalive(peer);
            }
        }
    }

    // The first handshake on a connection completed: check and apply the tunnel configuration, then give the
    // server peer its new session and its allowed networks (the pool networks and the client's routes).
    private void Establish(SessionKeys keys)
    {
        TunnelConfig config = TunnelConfig.Decode(keys.ApplicationPayload);
        config.EnsureExcludes(_server!.Address);
        var session = new Session(keys, _sessionOptions, _clock, _device!.Sessions);
        try
        {
            session.SetEndpoint(_serverAddress!);
            _policy!.RecordIfFirstUse();
            _serverFingerprint = Fingerprint.Of(session.PeerPublicKey);
            Configure(config);
            ApplyFullTunnel(config, false, false);
        }
        catch
        {
            session.Dispose();
            throw;
        }

        IPNetwork[] allowed = AllowedNetworks(config);
        Peer? peer = _peer;
        if (peer is not null && peer.Fingerprint == _serverFingerprint)
        {
            _device.SetAllowedNetworks(peer, allowed);
            _device.ReplaceSession(peer, session);
        }
        else
        {
            if (peer is not null)
            {
                _device.RemovePeer(peer);
            }

            peer = new Peer(_options.Address, _serverFingerprint, learnsEndpoint: false) { Endpoint = _serverAddress };
            _device.AddPeer(peer, session, allowed);
            _peer = peer;
        }

        _state = SessionState.Established;
        _logger.LogInformation("Established with {Server} ({Fingerprint}) as {Address}", Describe(), _serverFingerprint, config.Address4);
        Emit(SessionEventKind.Established, _serverFingerprint, Describe(), $"tunnel address {config.Address4}{(config.Address6 is null ? "" : ", " + config.Address6)}");
    }

    // Cryptokey routing on the client: the server may send from its pool networks and from the networks the
    // client routes into the tunnel, nothing else (else a malicious server could inject any source).
    private IPNetwork[] AllowedNetworks(TunnelConfig config)
    {
        var networks = new List<IPNetwork> { config.Network4 };
        if (config.Network6 is IPNetwork n6)
        {
            networks.Add(n6);
        }

        foreach (string route in _options.Routes)
        {
            networks.Add(OptionChecks.Route(route));
        }

        lock (_hostGate)
        {
            networks.AddRange(_pushDecision?.Routes ?? []);
            if (_fullTunnel4)
            {
                networks.Add(new IPNetwork(IPAddress.Any, 0));
            }

            if (_fullTunnel6)
            {
                networks.Add(new IPNetwork(IPAddress.IPv6Any, 0));
            }
        }

        return [.. networks];
    }

    // Full tunnel per family, as asked (option, a /0 route, an accepted pushed /0): policy routing, never
    // the main table. IPv6 only when the server gave this client an IPv6 address.
    private void ApplyFullTunnel(TunnelConfig config, bool pushed4, bool pushed6)
    {
        (bool want4, bool want6) = WantsFullTunnel(config, pushed4, pushed6);
        lock (_hostGate)
        {
            bool add4 = want4 && !_fullTunnel4;
            bool add6 = want6 && !_fullTunnel6;
            if (!add4 && !add6)
            {
                return;
            }

            (_host ?? throw HostRoutingUnavailable("FullTunnel")).ApplyFullTunnel(new FullTunnelOptions(_device!.Name, IPv4: add4, IPv6: add6));
            _fullTunnel4 |= add4;
            _fullTunnel6 |= add6;
        }

        _logger.LogInformation("Full tunnel: all {Families} traffic goes through {Interface}", want4 && want6 ? "IPv4 and IPv6" : want4 ? "IPv4" : "IPv6", _device.Name);
    }

    // The families to route entirely through the tunnel: by the client's option or its own /0 route, or
    // by an accepted pushed /0; IPv6 only with an IPv6 tunnel address.
    private (bool V4, bool V6) WantsFullTunnel(TunnelConfig config, bool pushed4, bool pushed6)
    {
        IPNetwork[] routes = [.. _options.Routes.Select(OptionChecks.Route)];
        bool want4 = _options.FullTunnel || pushed4 || routes.Any(r => r.PrefixLength == 0 && r.BaseAddress.AddressFamily == AddressFamily.InterNetwork);
        bool want6 = (_options.FullTunnel || pushed6 || routes.Any(r => r.PrefixLength == 0 && r.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6))
            && config.Address6 is not null;
        return (want4, want6);
    }

    // A later push without the default route it pushed before: that family's full tunnel goes (after the
    // peer stopped owning /0), unless the client's own options want it. The kill switch, an option of the
    // client, stays: with it, what no longer goes through the tunnel does not go at all.
    private void WithdrawFullTunnel(TunnelConfig config, PushDecision current)
    {
        (bool want4, bool want6) = WantsFullTunnel(config, current.FullTunnel4, current.FullTunnel6);
        bool remove4, remove6;
        lock (_hostGate)
        {
            remove4 = _fullTunnel4 && !want4;
            remove6 = _fullTunnel6 && !want6;
            if (!remove4 && !remove6)
            {
                return;
            }

            _fullTunnel4 &= !remove4;
            _fullTunnel6 &= !remove6;
        }

        if (_peer is Peer peer)
        {
            _device!.SetAllowedNetworks(peer, AllowedNetworks(config));
        }

        string families = remove4 && remove6 ? "IPv4 and IPv6" : remove4 ? "IPv4" : "IPv6";
        try
        {
            lock (_hostGate)
            {
                _host?.RemoveFullTunnel(new FullTunnelOptions(_device!.Name, IPv4: remove4, IPv6: remove6));
            }

            _logger.LogInformation("Full tunnel for {Families} withdrawn by the server", families);
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Full tunnel for {Families} withdrawn by the server but not removed: {Reason}", families, e.Message);
        }
    }

    // Asks the server for its pushed configuration after every new session: at once, then after 1, 2, 4 s
    // until answered (an older server never answers: nothing is pushed then).
    private async Task RequestPushAsync(Peer peer, Session session, CancellationToken stop)
    {
        byte[] request = ControlMessage.Request();
        foreach (int seconds in (int[])[1, 2, 4, 8])
        {
            if (peer.Session != session || _pushAnswered == session)
            {
                return;
            }

            _device!.SendControl(peer, request);
            try
            {
                await _clock.Delay(TimeSpan.FromSeconds(seconds), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    // A receive loop got a control message from the server: a push is applied off that loop.
    private void OnControl(Peer peer, ReadOnlySpan<byte> message)
    {
        PushedConfig push;
        try
        {
            push = ControlMessage.ReadPush(message);
        }
        catch (ProtocolException e)
        {
            _logger.LogInformation("Pushed configuration refused: {Reason}", e.Message);
            return;
        }

        Session? session = peer.Session;
        if (session is null || _pushAnswered == session)
        {
            return;
        }

        _pushAnswered = session;
        _ = Task.Run(() => ApplyPush(push));
    }

    // What the client's policy accepts of a push: routes into the tunnel (and the server's peer's allowed
    // networks), a full tunnel for a pushed /0, DNS. The same push again (after a reconnect) changes nothing.
    private void ApplyPush(PushedConfig push)
    {
        try
        {
            TunnelConfig config = _config!;
            PushDecision decision;
            PushDecision? previous;
            lock (_hostGate)
            {
                if (push.Equals(_push))
                {
                    return;
                }

                decision = _options.RoutePolicy.Evaluate(push, _server!.Address);
                _push = push;
                previous = _pushDecision;
                _pushDecision = decision;
            }

            foreach ((IPNetwork route, string reason) in decision.Refused)
            {
                _logger.LogWarning("Pushed route {Route} refused: {Reason}", route, reason);
            }

            foreach (IPNetwork route in decision.Routes)
            {
                _platform.Interfaces.AddRoute(_device!.Name, route);
            }

            ApplyFullTunnel(config, decision.FullTunnel4, decision.FullTunnel6);
            if (_peer is Peer peer)
            {
                _device!.SetAllowedNetworks(peer, AllowedNetworks(config));
            }

            if (previous is not null)
            {
                WithdrawPushedRoutes(previous, decision);
                WithdrawFullTunnel(config, decision);
            }

            ApplyDns(decision.Dns);

            _logger.LogInformation("Pushed configuration applied: {Routes} routes{Full}{Dns}", decision.Routes.Count,
                decision.FullTunnel4 || decision.FullTunnel6 ? ", full tunnel" : "", _dns is null ? "" : ", DNS " + _dns);
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Pushed configuration not applied: {Reason}", e.Message);
            Emit(SessionEventKind.Error, _serverFingerprint, Describe(), "pushed configuration not applied: " + e.Message);
        }
    }

    // A later push (the server's configuration changed while this client ran) replaces the earlier one:
    // routes it no longer pushes leave the interface, after the peer stopped owning them, unless the
    // client's own options route them too (a pushed default route: WithdrawFullTunnel).
    private void WithdrawPushedRoutes(PushDecision previous, PushDecision current)
    {
        var own = new HashSet<IPNetwork>(_options.Routes.Select(OptionChecks.Route));
        foreach (IPNetwork route in previous.Routes)
        {
            if (current.Routes.Contains(route) || own.Contains(route))
            {
                continue;
            }

            try
            {
                _platform.Interfaces.RemoveRoute(_device!.Name, route);
                _logger.LogInformation("Pushed route {Route} withdrawn by the server", route);
            }
            catch (SnekException e)
            {
                _logger.LogWarning("Pushed route {Route} withdrawn by the server but not removed: {Reason}", route, e.Message);
            }
        }
    }

    // The pushed DNS, or none: a reconnect with the same settings keeps what is applied; other settings
    // (the server's configuration changed) replace it, and a push without DNS puts the host's back.
    private void ApplyDns(DnsSettings? dns)
    {
        lock (_hostGate)
        {
            if (SameDns(_dnsApplied, dns))
            {
                return;
            }

            if (_dnsApplied is not null)
            {
                _host?.RemoveDns();
                _logger.LogInformation("Pushed DNS {Servers} withdrawn by the server", string.Join(" ", _dnsApplied.Servers));
                _dnsApplied = null;
                _dns = null;
            }

            if (dns is null)
            {
                return;
            }

            // Recorded only once applied: after a failure no pushed DNS counts as in effect.
            string servers = string.Join(" ", dns.Servers);
            DnsMethod? method = _host?.ApplyDns(dns, DnsMethod.None, _platform.ResolvConf);
            _dnsApplied = dns;
            _dns = method is DnsMethod m ? $"{servers} via {m}" : servers + " (not applied: no host routing)";
        }
    }

    private static bool SameDns(DnsSettings? a, DnsSettings? b) =>
        ReferenceEquals(a, b) || (a is not null && b is not null && a.Servers.SequenceEqual(b.Servers)
            && a.SearchDomains.SequenceEqual(b.SearchDomains, StringComparer.OrdinalIgnoreCase) && a.RouteAllQueries == b.RouteAllQueries);

    private static async Task ReadFramesAsync(KeyChannelConnection channel, ChannelWriter<byte[]> writer, CancellationToken stop)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                byte[]? frame = await channel.ReadAsync(null, stop).ConfigureAwait(false);
                if (frame is null)
                {
                    break;
                }

                await writer.WriteAsync(frame, stop).ConfigureAwait(false);
            }
        }
        catch (Exception e)
        {
            error = e;
        }

        writer.TryComplete(error is OperationCanceledException ? null : error);
    }

    private void Configure(TunnelConfig config)
    {
        if (_config == config)
        {
            return;
        }

        string name = _device!.Name;
        IInterfaceConfigurator interfaces = _platform.Interfaces;
        if (_config is not null)
        {
            interfaces.FlushAddresses(name);
        }

        interfaces.AddAddress(name, config.Address4, config.Prefix4);
        if (config.Address6 is not null)
        {
            interfaces.AddAddress(name, config.Address6, config.Prefix6);
        }

        interfaces.Up(name, _options.Mtu ?? config.Mtu);
        foreach (string route in _options.Routes)
        {
            // A default route never goes into the main table (it would replace the host's): full tunnel instead.
            IPNetwork network = OptionChecks.Route(route);
            if (network.PrefixLength != 0)
            {
                interfaces.AddRoute(name, network);
            }
        }

        lock (_hostGate)
        {
            foreach (IPNetwork route in _pushDecision?.Routes ?? [])
            {
                interfaces.AddRoute(name, route);
            }
        }

        _config = config;
    }

    private void DropSession(string? reason)
    {
        Peer? peer = _peer;
        if (peer?.Session is null)
        {
            return;
        }

        _device!.ReplaceSession(peer, null);
        Emit(SessionEventKind.Disconnected, _serverFingerprint, Describe(), reason);
    }

    public SnekServerStatus? ServerStatus() => null;

    /// <summary>Moves the data channel to a new local UDP port (roaming); the session continues.</summary>
    public bool Rebind()
    {
        Device device = _device!;
        device.ReplaceTransport(OpenTransport(_server!.AddressFamily));
        if (_peer is Peer peer)
        {
            device.SendKeepalive(peer);
        }

        _logger.LogInformation("Data channel moved to local port {Port}", device.Transport.LocalPort);
        return true;
    }

    private string Describe() => _server is null ? ServerHost : $"{ServerHost}:{_options.KeyPort}";

    public List<SnekSession> Snapshot()
    {
        Peer? peer = _peer;
        TunnelConfig? config = _config;
        string[] addresses = config is null ? [] : config.Address6 is null ? [config.Address4.ToString()] : [config.Address4.ToString(), config.Address6.ToString()];
        SessionState state = peer?.Session is null ? _state == SessionState.Established ? SessionState.Reconnecting : _state : _state;
        if (peer is null || _device is null)
        {
            return
            [
                new SnekSession
                {
                    InterfaceName = InterfaceName,
                    Role = TunnelRole.Client,
                    PeerName = _options.Address,
                    PeerFingerprint = _serverFingerprint ?? "",
                    Endpoint = _server?.ToString(),
                    TunnelAddresses = addresses,
                    State = state,
                },
            ];
        }

        SnekSession row = peer.ToSnekSession(InterfaceName, TunnelRole.Client, state, addresses, _device.AllowedNetworksOf(peer));
        row.Dns = _dns;
        return [row];
    }

    public bool Disconnect(string fingerprint)
    {
        if (_serverFingerprint is null || !Fingerprint.Matches(_serverFingerprint, fingerprint))
        {
            return false;
        }

        // The client's only peer is its server: drop the session and reconnect (as after an outage).
        _signals.Writer.TryWrite(Signal.Drop);
        return true;
    }

    public void RequestStop() => _stopRequested.Cancel();

    public void Dispose()
    {
        DropSession("client stopping");
        lock (_gate)
        {
            _channel?.Dispose();
        }

        // Before the interface goes: rules, table routes, kill switch and DNS back to how they were.
        try
        {
            _host?.Remove();
        }
        catch (SnekException e)
        {
            _logger.LogWarning("Could not undo every host change (the next start tries again): {Reason}", e.Message);
        }

        _host = null;
        _device?.Dispose();
        _status?.Dispose();
        _local?.Dispose();
        _identity?.Dispose();
        _status = null;
    }

    private void Emit(SessionEventKind kind, string? fingerprint, string? endpoint, string? message) =>
        _emit(new SnekSessionEvent { Time = _clock.UtcNow, InterfaceName = InterfaceName, Kind = kind, PeerFingerprint = fingerprint, Endpoint = endpoint, Message = message });
}
