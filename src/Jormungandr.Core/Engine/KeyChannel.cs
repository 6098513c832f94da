using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Protocol;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// The TCP key channel: frames per docs/protocol.md section 3 (through <see cref="KeyChannelFraming"/>:
/// length checked before the body is read, at most 8 KiB buffered) with a deadline on every read
/// that belongs to a handshake; on the server, listeners on IPv4 and IPv6 that cap connections
/// globally (<see cref="MaxConnections"/>) and per source address or IPv6 /64 (<see cref="MaxPerSource"/>)
/// before any protocol work. When every connection slot is taken, a newcomer closes the oldest
/// connection that has not yet delivered its first frame (nothing was invested in it) instead of
/// being refused, so silent connections from many addresses cannot lock new clients out. Handshake
/// admission (rate, in-progress caps) is the protocol's <see cref="HandshakeLimiter"/>, applied by
/// the caller per handshake.
/// </summary>
internal sealed class KeyChannel : IKeyChannelListener
{
    /// <summary>Most open key-channel connections.</summary>
    public const int MaxConnections = 1024;

    /// <summary>Most open key-channel connections from one address.</summary>
    public const int MaxPerSource = 8;

    /// <summary>How long a new connection may take to deliver its first complete frame (the handshake deadline).</summary>
    internal TimeSpan FirstFrameTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The global connection cap in force (<see cref="MaxConnections"/>; tests lower it).</summary>
    internal int ConnectionCap { get; set; } = MaxConnections;

    private readonly List<Socket> _listeners;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPAddress, int> _perSource = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private readonly LinkedList<CancellationTokenSource> _waiting = []; // no first frame yet, oldest first
    private int _open;
    private long _abandoned;

    private KeyChannel(List<Socket> listeners, ILogger logger)
    {
        _listeners = listeners;
        _logger = logger;
    }

    /// <summary>Connections whose client closed after its first frame but before the handshake started (no work was done for them).</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>
    /// True when the peer of a connected TCP socket has closed or reset it (the kernel's TCP state is no
    /// longer ESTABLISHED): one getsockopt, no read, so a first frame that is still buffered stays unread.
    /// False when the state cannot be read.
    /// </summary>
    internal static bool PeerHasLeft(Socket socket)
    {
        const int IpProtoTcp = 6;
        const int TcpInfo = 11;
        const byte TcpEstablished = 1;
        Span<byte> info = stackalloc byte[8]; // tcpi_state is the first byte of struct tcp_info
        try
        {
            int n = socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info);
            return n >= 1 && info[0] != TcpEstablished;
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException or PlatformNotSupportedException)
        {
            return e is ObjectDisposedException;
        }
    }

    /// <summary>Reads one frame within <paramref name="timeout"/>; null when the peer closed cleanly between frames.</summary>
    /// <exception cref="ProtocolException">Bad length, closed inside a frame, or the deadline passed.</exception>
    public static async Task<byte[]?> ReadAsync(Stream stream, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            deadline.CancelAfter(timeout);
        }

        try
        {
            return await KeyChannelFraming.ReadFrameAsync(stream, deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProtocolException(ProtocolError.Timeout, "The key channel peer did not answer in time.");
        }
        catch (EndOfStreamException e)
        {
            throw new ProtocolException(ProtocolError.Malformed, e.Message);
        }
        catch (IOException e)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Key channel connection lost: " + (e.InnerException?.Message ?? e.Message));
        }
    }

    /// <summary>Writes one frame; connection failures become <see cref="ProtocolException"/>.</summary>
    public static async Task WriteAsync(Stream stream, byte[] message, CancellationToken cancellationToken)
    {
        try
        {
            await KeyChannelFraming.WriteFrameAsync(stream, message, cancellationToken).ConfigureAwait(false);
        }
        catch (IOException e)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Key channel connection lost: " + (e.InnerException?.Message ?? e.Message));
        }
    }

    /// <summary>Listens on <paramref name="bind"/> or on both 0.0.0.0 and [::].</summary>
    public static KeyChannel Listen(IPAddress? bind, int port, ILogger logger)
    {
        var listeners = new List<Socket>();
        try
        {
            foreach (IPAddress address in bind is null ? [IPAddress.Any, IPAddress.IPv6Any] : new[] { bind })
            {
                var s = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    if (address.AddressFamily == AddressFamily.InterNetworkV6)
                    {
                        s.DualMode = false;
                    }

                    s.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
                    s.Bind(new IPEndPoint(address, port));
                    // A mass reconnect (every client after a server restart) arrives within a second: a short
                    // accept queue drops SYNs, and each dropped one costs its client a 1 s, then 3 s retransmit.
                    s.Listen(MaxConnections);
                    listeners.Add(s);
                }
                catch (SocketException) when (bind is null && address.AddressFamily == AddressFamily.InterNetworkV6)
                {
                    s.Dispose();
                    logger.LogInformation("IPv6 is unavailable; key channel on IPv4 only");
                }
                catch
                {
                    s.Dispose();
                    throw;
                }
            }
        }
        catch (SocketException e)
        {
            foreach (Socket s in listeners)
            {
                s.Dispose();
            }

            ErrorKind kind = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? ErrorKind.ResourceExists : ErrorKind.ConnectionError;
            throw new SnekException("KeyPortUnavailable", kind, $"Cannot listen on TCP port {port}: {e.Message}", port, e);
        }

        return new KeyChannel(listeners, logger);
    }

    /// <summary>Opens the Linux key port (the <see cref="KeyChannelListenerFactory"/> of a real server).</summary>
    public static KeyChannelListenerFactory Factory(ILogger logger) => (bind, port) => Listen(bind, port, logger);

    /// <summary>Connects to a server's key port over TCP, the socket marked with <paramref name="mark"/> (0: none) before it connects.</summary>
    public static KeyChannelDialer Dialer(uint mark) => (server, token) => DialAsync(server, mark, token);

    private static async Task<Stream> DialAsync(IPEndPoint server, uint mark, CancellationToken cancellationToken)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (mark != 0)
            {
                Routing.SocketMark.Apply(socket, mark);
            }

            await socket.ConnectAsync(server, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Accepts connections and runs <paramref name="handler"/> for each admitted one (the handler owns the connection).</summary>
    public void Start(KeyChannelHandler handler)
    {
        foreach (Socket listener in _listeners)
        {
            Socket l = listener;
            _loops.Add(Task.Run(() => AcceptLoopAsync(l, handler)));
        }
    }

    private async Task AcceptLoopAsync(Socket listener, KeyChannelHandler handler)
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await listener.AcceptAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
            catch (SocketException e)
            {
                _logger.LogDebug("Key channel accept failed: {Reason}", e.Message);
                continue;
            }

            IPAddress source = ((IPEndPoint)client.RemoteEndPoint!).Address;
            if (source.IsIPv4MappedToIPv6)
            {
                source = source.MapToIPv4();
            }

            if (!Admit(source) && !AdmitByEvictingWaiting(source))
            {
                _logger.LogDebug("Key channel connection from {Source} refused: too many connections", source);
                client.Dispose();
                continue;
            }

            client.NoDelay = true;
            var firstFrame = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
            LinkedListNode<CancellationTokenSource> waiting;
            lock (_gate)
            {
                waiting = _waiting.AddLast(firstFrame);
            }

            _ = Task.Run(async () =>
            {
                try
                {
                    bool arrived;
                    try
                    {
                        arrived = await FirstFrameArrivesAsync(client, FirstFrameTimeout, firstFrame.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        lock (_gate)
                        {
                            if (waiting.List is not null)
                            {
                                _waiting.Remove(waiting);
                            }
                        }

                        firstFrame.Dispose();
                    }

                    if (!arrived)
                    {
                        _logger.LogDebug("Key channel connection from {Source} closed: no complete first frame within {Seconds} s", source, FirstFrameTimeout.TotalSeconds);
                        return;
                    }

                    if (PeerHasLeft(client))
                    {
                        // Under load this task may start long after the frame arrived; a client that gave up
                        // meanwhile would still cost a full Response (KEM and signature) for nobody.
                        Interlocked.Increment(ref _abandoned);
                        _logger.LogDebug("Key channel connection from {Source} closed by the client before its handshake started", source);
                        return;
                    }

                    await using var stream = new NetworkStream(client, ownsSocket: true);
                    await handler(stream, source, _stop.Token).ConfigureAwait(false);
                }
                finally
                {
                    client.Dispose();
                    Leave(source);
                }
            });
        }
    }

    /// <summary>
    /// True once a whole first frame is buffered on <paramref name="socket"/> (peeked, not consumed: the
    /// handler reads it), or once its header is bad (the handler refuses it); false when the peer closed
    /// or <paramref name="timeout"/> passed. A new connection must start a handshake at once: without
    /// this, silent or trickling connections would hold connection slots forever.
    /// </summary>
    internal static async Task<bool> FirstFrameArrivesAsync(Socket socket, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        byte[] peek = new byte[ProtocolConstants.FrameHeaderSize + ProtocolConstants.MaxFrameSize];
        int need = ProtocolConstants.FrameHeaderSize;
        try
        {
            while (true)
            {
                int n = await socket.ReceiveAsync(peek.AsMemory(0, need), SocketFlags.Peek, deadline.Token).ConfigureAwait(false);
                if (n == 0)
                {
                    return false;
                }

                if (n >= need)
                {
                    int length = System.Buffers.Binary.BinaryPrimitives.ReadUInt16BigEndian(peek);
                    if (need > ProtocolConstants.FrameHeaderSize || length == 0 || length > ProtocolConstants.MaxFrameSize)
                    {
                        return true;
                    }

                    need = ProtocolConstants.FrameHeaderSize + length;
                    continue;
                }

                await Task.Delay(10, deadline.Token).ConfigureAwait(false); // part of it is here: peek again shortly
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>The connection cap's key: IPv4 as is (also when IPv4-mapped), IPv6 by its /64 (one host routinely owns a whole /64).</summary>
    internal static IPAddress SourceKey(IPAddress source)
    {
        if (source.IsIPv4MappedToIPv6)
        {
            return source.MapToIPv4();
        }

        if (source.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return source;
        }

        Span<byte> b = stackalloc byte[16];
        source.TryWriteBytes(b, out _);
        b[8..].Clear();
        return new IPAddress(b);
    }

    /// <summary>Takes a connection slot for <paramref name="source"/> (an IPv6 source counts as its /64).</summary>
    internal bool Admit(IPAddress source)
    {
        source = SourceKey(source);
        lock (_gate)
        {
            int n = _perSource.GetValueOrDefault(source);
            if (_open >= ConnectionCap || n >= MaxPerSource)
            {
                return false;
            }

            _perSource[source] = n + 1;
            _open++;
            return true;
        }
    }

    /// <summary>
    /// With every slot taken: closes the oldest connection still waiting for its first frame and gives
    /// its slot to <paramref name="source"/> (within its per-source cap); false when none is waiting.
    /// </summary>
    internal bool AdmitByEvictingWaiting(IPAddress source)
    {
        source = SourceKey(source);
        CancellationTokenSource? victim;
        lock (_gate)
        {
            int n = _perSource.GetValueOrDefault(source);
            LinkedListNode<CancellationTokenSource>? oldest = _waiting.First;
            if (n >= MaxPerSource || oldest is null)
            {
                return false;
            }

            _waiting.Remove(oldest);
            victim = oldest.Value;

            // The victim's slot is released when its task ends, moments from now: the count may exceed
            // the cap by the connections being closed, never by more.
            _perSource[source] = n + 1;
            _open++;
        }

        try
        {
            victim.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }

        return true;
    }

    internal void Leave(IPAddress source)
    {
        source = SourceKey(source);
        lock (_gate)
        {
            int n = _perSource.GetValueOrDefault(source) - 1;
            if (n <= 0)
            {
                _perSource.Remove(source);
            }
            else
            {
                _perSource[source] = n;
            }

            _open--;
        }
    }

    /// <summary>Stops accepting (open connections are closed by their handlers when the token fires).</summary>
    public void Dispose()
    {
        _stop.Cancel();
        foreach (Socket s in _listeners)
        {
            s.Dispose();
        }

        Task.WaitAll([.. _loops], TimeSpan.FromSeconds(2));
    }
}
