using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Identity;
using Jormungandr.Protocol;
using Jormungandr.Time;
using Jormungandr.Tunnel;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// The VPN client: connects the key channel, authenticates the server against the pinned key or
/// trusted directory, configures its TUN with the addresses the server assigned (plus routes), moves
/// packets (one TUN reader thread, one UDP receiver thread), rekeys over the same key channel, and
/// reconnects with bounded exponential backoff when the server goes away or restarts. An untrusted
/// server key ends the client (that is an attack or a misconfiguration, not an outage).
/// </summary>
internal sealed class Client : ITunnelControl, IDisposable
{
    private static readonly TimeSpan TickInterval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private readonly ClientOptions _options;
    private readonly ILogger _logger;
    private readonly Action<SnekSessionEvent> _emit;
    private readonly IClock _clock = SystemClock.Instance;
    private readonly CancellationTokenSource _stopRequested = new();
    private readonly SessionOptions _sessionOptions;
    private readonly Lock _gate = new();
    private SnekIdentity? _identity;
    private LocalIdentity? _local;
    private ServerKeyPolicy? _policy;
    private TunDevice? _tun;
    private volatile UdpTransport? _udp;
    private StatusServer? _status;
    private Thread? _tunThread;
    private IPEndPoint? _server;
    private int _serverIndex;
    private SocketAddress? _serverAddress;
    private volatile Session? _session;
    private TunnelConfig? _config;
    private volatile SourceFilter? _sources;
    private long _dropsRouting;
    private string? _serverFingerprint;
    private SessionState _state = SessionState.Handshaking;
    private Socket? _keySocket;
    private volatile bool _dropRequested;

    public Client(ClientOptions options, ILoggerFactory loggerFactory, Action<SnekSessionEvent> emit)
    {
        _options = options;
        _logger = loggerFactory.CreateLogger("Jormungandr.Client");
        _emit = emit;
        _sessionOptions = new SessionOptions
        {
            MaxDatagramSize = InterfaceConfig.DefaultMaxDatagram,
            Padding = !options.NoPadding,
            RekeyAfterTime = options.RekeyAfter,
        };
    }

    public string InterfaceName => _tun?.Name ?? _options.InterfaceName ?? "";

    /// <summary>Resolves the server, loads keys, creates the TUN, status socket and UDP socket.</summary>
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
            _tun = TunDevice.Open(_options.InterfaceName, name => StatusServer.IsLive(StatusServer.PathFor(_options.StatusDirectory, name)));
            _status = StatusServer.Start(_options.StatusDirectory, this, _logger);
            _udp = OpenUdp();
            _tunThread = new Thread(TunLoop) { IsBackground = true, Name = _tun.Name + " tun" };
            _tunThread.Start();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private UdpTransport OpenUdp()
    {
        UdpTransport udp = UdpTransport.Bind(_server!.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, 0, _logger);
        udp.Start(OnDatagram, OnBatchEnd, _tun!.Name);
        return udp;
    }

    private static async Task<IPAddress> ResolveAsync(string host, CancellationToken cancellationToken)
    {
        if (IPAddress.TryParse(host, out IPAddress? ip))
        {
            return ip;
        }

        try
        {
            IPAddress[] all = await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
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
        TimeSpan backoff = TimeSpan.FromMilliseconds(250);
        while (!stop.IsCancellationRequested)
        {
            bool established = false;
            try
            {
                established = await ConnectOnceAsync(stop).ConfigureAwait(false);
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

            DropSession(established ? "connection to the server lost" : null);
            if (established)
            {
                backoff = TimeSpan.FromMilliseconds(250);
            }

            if (stop.IsCancellationRequested)
            {
                break;
            }

            _state = SessionState.Reconnecting;
            try
            {
                await Task.Delay(backoff, stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }

            backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, _options.MaxReconnectDelay.Ticks));
            if (!established && _options.AlternateAddresses.Count > 0)
            {
                await UseNextServerAsync(stop).ConfigureAwait(false);
            }
        }
    }

    // The address tried now: Address first, then each alternate in turn.
    private string ServerHost => _serverIndex == 0 ? _options.Address : _options.AlternateAddresses[_serverIndex - 1];

    // After a failed attempt, the next of the server's addresses; the UDP socket follows a change of family.
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
        if (familyChanged)
        {
            UdpTransport? old = _udp;
            _udp = OpenUdp();
            old?.Dispose();
        }

        _logger.LogInformation("Trying server address {Server}", Describe());
    }

    // One connection: handshake, configure, then serve timers and rekeys until the key channel drops.
    private async Task<bool> ConnectOnceAsync(CancellationToken stop)
    {
        _state = SessionState.Handshaking;
        using var socket = new Socket(_server!.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            connectTimeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(new IPEndPoint(_server.Address, _options.KeyPort), connectTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new ProtocolException(ProtocolError.Timeout, $"No answer from {_server.Address}:{_options.KeyPort} within {ConnectTimeout.TotalSeconds:0} s.");
            }
        }

        lock (_gate)
        {
            _keySocket = socket;
        }

        Emit(SessionEventKind.Connected, null, Describe(), null);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var frames = Channel.CreateBounded<byte[]>(4);
        Task reader = Task.Run(() => ReadFramesAsync(stream, frames.Writer, stop));
        try
        {
            SessionKeys keys = await HandshakeAsync(stream, frames.Reader, stop).ConfigureAwait(false);
            TunnelConfig config;
            Session session;
            using (keys)
            {
                config = TunnelConfig.Decode(keys.ApplicationPayload);
                config.EnsureExcludes(_server!.Address);
                session = new Session(keys, _sessionOptions, _clock);
            }

            session.SetEndpoint(_serverAddress!);
            _policy!.RecordIfFirstUse();
            _serverFingerprint = Fingerprint.Of(session.PeerPublicKey);
            Configure(config);
            _session = session;
            _state = SessionState.Established;
            _logger.LogInformation("Established with {Server} ({Fingerprint}) as {Address}", Describe(), _serverFingerprint, config.Address4);
            Emit(SessionEventKind.Established, _serverFingerprint, Describe(), $"tunnel address {config.Address4}{(config.Address6 is null ? "" : ", " + config.Address6)}");

            await ServeAsync(stream, frames.Reader, reader, stop).ConfigureAwait(false);
            return true;
        }
        finally
        {
            lock (_gate)
            {
                _keySocket = null;
            }

            try
            {
                socket.Shutdown(SocketShutdown.Both);
            }
            catch (SocketException)
            {
            }

            socket.Close();
            await Task.WhenAny(reader, Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private static async Task ReadFramesAsync(Stream stream, ChannelWriter<byte[]> writer, CancellationToken stop)
    {
        Exception? error = null;
        try
        {
            while (true)
            {
                byte[]? frame = await KeyChannel.ReadAsync(stream, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false);
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

    private static async Task<byte[]> NextFrameAsync(ChannelReader<byte[]> frames, TimeSpan timeout, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(timeout);
        try
        {
            return await frames.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new ProtocolException(ProtocolError.Timeout, "The server did not answer the handshake in time.");
        }
        catch (ChannelClosedException e)
        {
            throw e.InnerException as ProtocolException ?? new ProtocolException(ProtocolError.Malformed, "The server closed the key channel (refused this client, or stopped).");
        }
    }

    private async Task<SessionKeys> HandshakeAsync(Stream stream, ChannelReader<byte[]> frames, CancellationToken stop)
    {
        var handshakeOptions = new HandshakeOptions { Clock = _clock };
        using var initiator = new InitiatorHandshake(_local!, _policy!, handshakeOptions);
        await KeyChannel.WriteAsync(stream, initiator.CreateInitiation(), stop).ConfigureAwait(false);
        byte[] response = await NextFrameAsync(frames, handshakeOptions.Timeout, stop).ConfigureAwait(false);
        byte[] authentication = initiator.ProcessResponse(response);
        await KeyChannel.WriteAsync(stream, authentication, stop).ConfigureAwait(false);
        byte[] confirmation = await NextFrameAsync(frames, handshakeOptions.Timeout, stop).ConfigureAwait(false);
        return initiator.ProcessConfirmation(confirmation);
    }

    private async Task ServeAsync(Stream stream, ChannelReader<byte[]> frames, Task reader, CancellationToken stop)
    {
        byte[] keepalive = new byte[DataPacket.MinSize + 64];
        using var timer = new PeriodicTimer(TickInterval);
        while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
        {
            if (reader.IsCompleted || _dropRequested)
            {
                _dropRequested = false;
                throw new ProtocolException(ProtocolError.Malformed, "The server closed the key channel.");
            }

            Session session = _session!;
            SessionActions actions = session.Tick();
            if ((actions & SessionActions.Expired) != 0)
            {
                throw new ProtocolException(ProtocolError.Timeout, "The session expired (server silent).");
            }

            if ((actions & SessionActions.SendKeepalive) != 0)
            {
                int n = session.SealKeepalive(keepalive);
                if (n > 0)
                {
                    _udp?.Send(keepalive.AsSpan(0, n), _serverAddress!);
                }
            }

            if ((actions & SessionActions.Rekey) != 0)
            {
                _state = SessionState.Rekeying;
                SessionKeys keys = await HandshakeAsync(stream, frames, stop).ConfigureAwait(false);
                using (keys)
                {
                    session.Install(keys);
                }

                _state = SessionState.Established;
                Emit(SessionEventKind.Rekeyed, _serverFingerprint, Describe(), null);
                int n = session.SealKeepalive(keepalive);
                if (n > 0)
                {
                    _udp?.Send(keepalive.AsSpan(0, n), _serverAddress!);
                }
            }
        }
    }

    private void Configure(TunnelConfig config)
    {
        if (_config == config)
        {
            return;
        }

        string name = _tun!.Name;
        if (_config is not null)
        {
            InterfaceConfig.FlushAddresses(name);
        }

        InterfaceConfig.AddAddress(name, config.Address4, config.Prefix4);
        if (config.Address6 is not null)
        {
            InterfaceConfig.AddAddress(name, config.Address6, config.Prefix6);
        }

        InterfaceConfig.Up(name, _options.Mtu ?? config.Mtu);
        foreach (string route in _options.Routes)
        {
            InterfaceConfig.AddRoute(name, OptionChecks.Route(route));
        }

        _sources = SourceFilter.For(config, _options.Routes.Select(OptionChecks.Route));
        _config = config;
    }

    private void DropSession(string? reason)
    {
        Session? old = _session;
        _session = null;
        if (old is null)
        {
            return;
        }

        old.Dispose();
        Emit(SessionEventKind.Disconnected, _serverFingerprint, Describe(), reason);
    }

    private void OnDatagram(ReadOnlySpan<byte> datagram, SocketAddress from)
    {
        Session? session = _session;
        if (session is null)
        {
            return;
        }

        // Opened straight into the coalescing queue (flushed in OnBatchEnd) or a buffer: TunDelivery.
        TunDevice tun = _tun!;
        TunDelivery delivery = TunDelivery.For(tun);
        Span<byte> packet = delivery.Next(tun);
        OpenResult r;
        try
        {
            r = session.Open(datagram, packet);
        }
        catch (ObjectDisposedException)
        {
            return;
        }

        if (r.Status == OpenStatus.Packet)
        {
            // Cryptokey routing: only sources the client routes into the tunnel (a server must not spoof others).
            Span<byte> inner = packet[..r.Length];
            if (_sources?.Allows(IpPacket.SourceAddress(inner)) != true)
            {
                Interlocked.Increment(ref _dropsRouting);
                return;
            }

            delivery.Deliver(tun, r.Length);
        }
    }

    // UDP receive thread, after each receive call: write what OnDatagram queued (TCP runs coalesced).
    private void OnBatchEnd() => TunDelivery.Flush(_tun!);

    private void TunLoop()
    {
        // Drains what the TUN queue holds into one batch (sealed in place), sent with one sendmmsg.
        byte[] packet = GC.AllocateArray<byte>(ProtocolConstants.MaxPacketSize, pinned: true);
        int maxDatagrams = (ProtocolConstants.MaxPacketSize / 512) + 2;
        int[] lengths = new int[maxDatagrams];
        using var batch = new UdpBatch(2 * maxDatagrams, _sessionOptions.MaxDatagramSize);
        UdpTransport? batchUdp = null;
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
                Flush(); // queue drained: send what was sealed
                if (n < 0)
                {
                    return;
                }

                continue;
            }

            Session? session = _session;
            UdpTransport? udp = _udp;
            SocketAddress? to = _serverAddress;
            if (session is null || udp is null || to is null)
            {
                continue;
            }

            if (batch.FreeSlots < maxDatagrams || (batch.Count > 0 && !ReferenceEquals(udp, batchUdp)))
            {
                Flush();
            }

            SealResult r;
            try
            {
                r = session.Seal(packet.AsSpan(0, n), batch.Free, lengths);
            }
            catch (ObjectDisposedException)
            {
                continue;
            }

            batchUdp = udp;
            for (int i = 0; i < r.Count; i++)
            {
                batch.Commit(lengths[i], to);
            }
        }

        void Flush()
        {
            if (batchUdp is null || batch.Count == 0)
            {
                batch.Clear();
                return;
            }

            batchUdp.SendBatch(batch, _serverAddress!.Family);
        }
    }

    /// <summary>Moves the data channel to a new local UDP port (roaming); the session continues.</summary>
    public SnekServerStatus? ServerStatus() => null;

    public bool Rebind()
    {
        UdpTransport? old = _udp;
        _udp = OpenUdp();
        old?.Dispose();
        Session? session = _session;
        if (session is not null)
        {
            byte[] keepalive = new byte[DataPacket.MinSize + 64];
            int n = session.SealKeepalive(keepalive);
            if (n > 0)
            {
                _udp.Send(keepalive.AsSpan(0, n), _serverAddress!);
            }
        }

        _logger.LogInformation("Data channel moved to local port {Port}", _udp.LocalEndPoint4?.Port ?? _udp.LocalEndPoint6?.Port);
        return true;
    }

    private string Describe() => _server is null ? ServerHost : $"{ServerHost}:{_options.KeyPort}";

    public List<SnekSession> Snapshot()
    {
        Session? s = _session;
        TunnelConfig? config = _config;
        var result = new SnekSession
        {
            InterfaceName = InterfaceName,
            Role = TunnelRole.Client,
            PeerName = _options.Address,
            PeerFingerprint = _serverFingerprint ?? "",
            Endpoint = _server is null ? null : new IPEndPoint(_server.Address, _options.DataPort).ToString(),
            TunnelAddresses = config is null ? [] : config.Address6 is null ? [config.Address4.ToString()] : [config.Address4.ToString(), config.Address6.ToString()],
            State = s is null ? _state == SessionState.Established ? SessionState.Reconnecting : _state : _state,
        };
        if (s is not null)
        {
            SessionCounters c = s.Counters;
            result.Established = s.Established;
            result.LastHandshake = s.LastHandshake;
            result.BytesIn = c.BytesIn;
            result.BytesOut = c.BytesOut;
            result.PacketsIn = c.PacketsIn;
            result.PacketsOut = c.PacketsOut;
            result.DropsAuth = c.DropsAuthentication + c.DropsExpired;
            result.DropsReplay = c.DropsReplay;
            result.DropsMalformed = c.DropsMalformed + c.DropsFragment;
            result.Rekeys = (int)Math.Min(int.MaxValue, c.Rekeys);
            result.DropsRouting = Volatile.Read(ref _dropsRouting);
            result.Drops = result.DropsAuth + result.DropsReplay + result.DropsRouting + result.DropsMalformed;
        }

        return [result];
    }

    public bool Disconnect(string fingerprint)
    {
        if (_serverFingerprint is null || !Fingerprint.Matches(_serverFingerprint, fingerprint))
        {
            return false;
        }

        // The client's only peer is its server: drop the session and reconnect (as after an outage).
        _dropRequested = true;
        return true;
    }

    public void RequestStop() => _stopRequested.Cancel();

    public void Dispose()
    {
        DropSession("client stopping");
        _udp?.Dispose();
        _udp = null;
        _tun?.Dispose();
        _tunThread?.Join(TimeSpan.FromSeconds(2));
        _status?.Dispose();
        _local?.Dispose();
        _identity?.Dispose();
        _status = null;
    }

    private void Emit(SessionEventKind kind, string? fingerprint, string? endpoint, string? message) =>
        _emit(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, InterfaceName = InterfaceName, Kind = kind, PeerFingerprint = fingerprint, Endpoint = endpoint, Message = message });
}
