using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Threading.Channels;
using Jormungandr.Engine;
using Jormungandr.Protocol;
using Jormungandr.Time;

namespace Jormungandr.Load;

/// <summary>
/// One simulated VPN client without a TUN: its own identity and source address, the real handshake
/// (<see cref="InitiatorHandshake"/>) over the TCP key port, a <see cref="Session"/> over its own UDP
/// socket, rekeys when the session asks, and reconnection after any loss with jittered exponential
/// backoff (reset once a session was established). Timers are driven from outside by <see cref="Tick"/>,
/// one loop for all clients, as a server drives its peers.
/// </summary>
internal sealed class SimulatedClient(int number, IPAddress source, LocalIdentity identity, LoadTarget target, LoadCounters counters) : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(5);
    private const int MaxAttempts = 100_000;
    private readonly ReconnectBackoff _backoff = new(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(15), target.BackoffRandom);
    private volatile Session? _session;
    private volatile Socket? _udp;
    private volatile Socket? _keySocket;
    private SemaphoreSlim? _rekey;
    private long _replies;
    private long _establishedAt = long.MinValue;

    public int Number { get; } = number;

    public IPAddress Source { get; } = source;

    /// <summary>The ICMP identifier of this client's echo requests.</summary>
    public ushort EchoId => (ushort)(Number + 1);

    /// <summary>The tunnel address of the last established session (kept across losses, to compare after a restart).</summary>
    public IPAddress? TunnelAddress { get; private set; }

    /// <summary>The server's tunnel address as this client sees it (first address of the pool).</summary>
    public IPAddress? ServerTunnelAddress { get; private set; }

    /// <summary>Echo replies opened by this client's session.</summary>
    public long Replies => Interlocked.Read(ref _replies);

    /// <summary><see cref="Stopwatch.GetTimestamp"/> of the last establishment, or <see cref="long.MinValue"/>.</summary>
    public long EstablishedAt => Interlocked.Read(ref _establishedAt);

    public bool IsEstablished => _session is not null;

    /// <summary>Connects, serves and reconnects until <paramref name="stop"/> fires.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        for (int attempt = 0; attempt < MaxAttempts && !stop.IsCancellationRequested; attempt++)
        {
            bool established = false;
            try
            {
                established = await ConnectOnceAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (LoadFailure f)
            {
                established = f.WasEstablished;
                if (established)
                {
                    counters.Lost();
                }
                else
                {
                    counters.Fail(f.Reason);
                }
            }
            catch (Exception e) when (e is IOException or SocketException or InvalidDataException or ArgumentException)
            {
                counters.Fail(e.GetType().Name + ": " + e.Message);
            }

            if (established)
            {
                _backoff.Reset();
            }

            try
            {
                await Task.Delay(_backoff.Next(), stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Runs the session timers: keepalives, expiry (drops the connection), rekey requests. Called about every 250 ms.</summary>
    public void Tick(Span<byte> scratch)
    {
        Session? session = _session;
        Socket? udp = _udp;
        if (session is null || udp is null)
        {
            return;
        }

        try
        {
            SessionActions actions = session.Tick();
            if ((actions & SessionActions.Expired) != 0)
            {
                Drop();
                return;
            }

            if ((actions & SessionActions.SendKeepalive) != 0)
            {
                int n = session.SealKeepalive(scratch);
                if (n > 0)
                {
                    udp.Send(scratch[..n]);
                }
            }

            if ((actions & SessionActions.Rekey) != 0)
            {
                _rekey?.Release();
            }
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException or SemaphoreFullException)
        {
            // The connection went away meanwhile; its loop reconnects.
        }
    }

    /// <summary>Seals and sends one echo request to the server's tunnel address; false when not established.</summary>
    public bool SendEcho(ushort sequence, Span<byte> packet, Span<byte> datagram)
    {
        Session? session = _session;
        Socket? udp = _udp;
        if (session is null || udp is null || TunnelAddress is null || ServerTunnelAddress is null)
        {
            return false;
        }

        IcmpEcho.WriteRequest(packet, TunnelAddress, ServerTunnelAddress, EchoId, sequence);
        Span<int> lengths = stackalloc int[1];
        try
        {
            SealResult r = session.Seal(packet[..IcmpEcho.Size], datagram, lengths);
            if (r.Status != SealStatus.Ok)
            {
                return false;
            }

            udp.Send(datagram[..lengths[0]]);
            return true;
        }
        catch (Exception e) when (e is ObjectDisposedException or SocketException)
        {
            return false;
        }
    }

    /// <summary>Closes the key channel: the connection loop notices and reconnects.</summary>
    public void Drop()
    {
        try
        {
            _keySocket?.Shutdown(SocketShutdown.Both);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
        }
    }

    public void Dispose()
    {
        Drop();
        _udp?.Dispose();
    }

    // One connection: handshake, session, then rekeys until the key channel drops. True when established.
    private async Task<bool> ConnectOnceAsync(CancellationToken stop)
    {
        if (target.Handshaking is not SemaphoreSlim gate)
        {
            return await ConnectAsync(null, stop).ConfigureAwait(false);
        }

        await gate.WaitAsync(stop).ConfigureAwait(false);
        var hold = new GateHold(gate);
        try
        {
            return await ConnectAsync(hold, stop).ConfigureAwait(false);
        }
        finally
        {
            hold.Release();
        }
    }

    // `hold` (if any) is released once established: the bound is on handshakes in flight, not on sessions.
    private async Task<bool> ConnectAsync(GateHold? hold, CancellationToken stop)
    {
        counters.Attempt();
        long started = Stopwatch.GetTimestamp();
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        socket.Bind(new IPEndPoint(Source, 0));
        using (var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            connectTimeout.CancelAfter(ConnectTimeout);
            try
            {
                await socket.ConnectAsync(target.KeyPort, connectTimeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!stop.IsCancellationRequested)
            {
                throw new LoadFailure("connect timed out");
            }
            catch (SocketException e)
            {
                throw new LoadFailure("connect: " + e.SocketErrorCode);
            }
        }

        _keySocket = socket;
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var frames = Channel.CreateBounded<byte[]>(4);
        Task reader = ReadFramesAsync(stream, frames.Writer, stop);
        Socket? udp = null;
        Session? session = null;
        bool established = false;
        try
        {
            TunnelConfig config;
            using (SessionKeys keys = await HandshakeAsync(stream, frames.Reader, stop).ConfigureAwait(false))
            {
                config = TunnelConfig.Decode(keys.ApplicationPayload);
                session = new Session(keys, target.SessionOptions, SystemClock.Instance);
            }

            session.SetEndpoint(target.DataPort.Serialize());
            udp = new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp);
            udp.Bind(new IPEndPoint(Source, 0));
            udp.Connect(target.DataPort);
            TunnelAddress = config.Address4;
            ServerTunnelAddress = FirstAddress(config.Network4);
            using var rekey = new SemaphoreSlim(0, 1);
            _rekey = rekey;
            _udp = udp;
            _session = session;
            established = true;
            hold?.Release();
            Interlocked.Exchange(ref _establishedAt, Stopwatch.GetTimestamp());
            counters.Established(Stopwatch.GetElapsedTime(started));
            Task receiver = ReceiveAsync(udp, session);

            while (true)
            {
                Task signal = rekey.WaitAsync(stop);
                if (await Task.WhenAny(reader, signal).ConfigureAwait(false) == reader)
                {
                    throw new LoadFailure("key channel closed by the server", established);
                }

                await signal.ConfigureAwait(false);
                using SessionKeys next = await HandshakeAsync(stream, frames.Reader, stop).ConfigureAwait(false);
                session.Install(next);
                counters.Rekeyed();
            }
        }
        catch (ProtocolException e)
        {
            throw new LoadFailure(Describe(e), established);
        }
        finally
        {
            _session = null;
            _udp = null;
            _keySocket = null;
            _rekey = null;
            Drop();
            socket.Close();
            udp?.Dispose();
            session?.Dispose();
            await Task.WhenAny(reader, Task.Delay(1000, CancellationToken.None)).ConfigureAwait(false);
        }
    }

    private async Task<SessionKeys> HandshakeAsync(Stream stream, ChannelReader<byte[]> frames, CancellationToken stop)
    {
        var options = new HandshakeOptions();
        using var initiator = new InitiatorHandshake(identity, target.ServerPolicy, options);
        await WriteAsync(stream, initiator.CreateInitiation(), stop).ConfigureAwait(false);
        byte[] response = await NextFrameAsync(frames, options.Timeout, "response", stop).ConfigureAwait(false);
        byte[] authentication = initiator.ProcessResponse(response);
        await WriteAsync(stream, authentication, stop).ConfigureAwait(false);
        byte[] confirmation = await NextFrameAsync(frames, options.Timeout, "confirmation", stop).ConfigureAwait(false);
        return initiator.ProcessConfirmation(confirmation);
    }

    private static async Task WriteAsync(Stream stream, byte[] message, CancellationToken stop)
    {
        try
        {
            await KeyChannel.WriteAsync(stream, message, stop).ConfigureAwait(false);
        }
        catch (ProtocolException)
        {
            throw new LoadFailure("key channel write failed");
        }
    }

    private static async Task<byte[]> NextFrameAsync(ChannelReader<byte[]> frames, TimeSpan timeout, string what, CancellationToken stop)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(stop);
        deadline.CancelAfter(timeout);
        try
        {
            return await frames.ReadAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!stop.IsCancellationRequested)
        {
            throw new LoadFailure($"no {what} within {timeout.TotalSeconds:0} s (client gave up)");
        }
        catch (ChannelClosedException)
        {
            throw new LoadFailure($"server closed the key channel before the {what}");
        }
    }

    private static async Task ReadFramesAsync(Stream stream, ChannelWriter<byte[]> writer, CancellationToken stop)
    {
        await Task.Yield();
        try
        {
            while (await KeyChannel.ReadAsync(stream, Timeout.InfiniteTimeSpan, stop).ConfigureAwait(false) is byte[] frame)
            {
                await writer.WriteAsync(frame, stop).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is ProtocolException or OperationCanceledException or ObjectDisposedException or ChannelClosedException)
        {
        }

        writer.TryComplete();
    }

    private async Task ReceiveAsync(Socket udp, Session session)
    {
        byte[] datagram = new byte[2048];
        byte[] packet = new byte[4096];
        while (true)
        {
            int n;
            try
            {
                n = await udp.ReceiveAsync(datagram, SocketFlags.None).ConfigureAwait(false);
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                return;
            }

            OpenResult r;
            try
            {
                r = session.Open(datagram.AsSpan(0, n), packet);
            }
            catch (ObjectDisposedException)
            {
                return;
            }

            if (r.Status == OpenStatus.Packet && IcmpEcho.IsReply(packet.AsSpan(0, r.Length), EchoId))
            {
                Interlocked.Increment(ref _replies);
                counters.Reply();
            }
        }
    }

    private static IPAddress FirstAddress(IPNetwork network)
    {
        Span<byte> b = stackalloc byte[4];
        network.BaseAddress.TryWriteBytes(b, out _);
        b[3]++;
        return new IPAddress(b);
    }

    private static string Describe(ProtocolException e) => "protocol: " + e.Error;
}
