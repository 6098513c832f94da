using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Microsoft.Extensions.Logging;
using Jormungandr.Interop;

namespace Jormungandr.Engine;

/// <summary>
/// The UDP data channel: one socket per address family, large buffers, and one dedicated thread per
/// socket blocking in receive (no async state machine on the hot path). Sends go out on the socket of
/// the destination's family from any thread. Batched: the receive loop takes every queued
/// datagram with one recvmmsg, and <see cref="SendBatch"/> sends a whole <see cref="UdpBatch"/> with one sendmmsg.
/// </summary>
internal sealed class UdpTransport : IDatagramTransport
{
    /// <summary>Receive buffer per packet: the largest UDP payload.</summary>
    public const int MaxDatagram = 65535;
    private const int SocketBufferBytes = 4 * 1024 * 1024;
    private const int SoRcvBufForce = 33;
    private const int SoSndBufForce = 32;
    private const int BatchSize = 32;
    private const long AllocationReportInterval = 1 << 17;
    private const int EConnRefused = 111;
    private const int SoBusyPoll = 46;
    private const int SoPreferBusyPoll = 69;

    private readonly Socket? _v4;
    private readonly Socket? _v6;
    private readonly List<Thread> _threads = [];
    private readonly ILogger _logger;
    private volatile bool _stopping;

    private UdpTransport(Socket? v4, Socket? v6, ILogger logger)
    {
        _v4 = v4;
        _v6 = v6;
        _logger = logger;
    }

    /// <summary>The local IPv4 endpoint, if an IPv4 socket is open.</summary>
    public IPEndPoint? LocalEndPoint4 => (IPEndPoint?)_v4?.LocalEndPoint;

    /// <summary>The local IPv6 endpoint, if an IPv6 socket is open.</summary>
    public IPEndPoint? LocalEndPoint6 => (IPEndPoint?)_v6?.LocalEndPoint;

    /// <inheritdoc />
    public int LocalPort => LocalEndPoint4?.Port ?? LocalEndPoint6?.Port ?? 0;

    /// <summary>Opens the Linux data channel (the <see cref="TransportFactory"/> of a real tunnel).</summary>
    /// <param name="logger">Where the transport logs.</param>
    /// <param name="mark">SO_MARK for every socket (a full tunnel's own sockets bypass its routing table); 0: none.</param>
    public static TransportFactory Factory(ILogger logger, uint mark = 0) => (bind, port) => Bind(bind, port, logger, mark);

    /// <summary>
    /// Binds the data port: on <paramref name="bind"/> only, or on 0.0.0.0 and [::] (IPv6-only, so
    /// both families have their own socket). Port 0 picks ephemeral ports (the client side).
    /// </summary>
    public static UdpTransport Bind(IPAddress? bind, int port, ILogger logger, uint mark = 0)
    {
        Socket? v4 = null;
        Socket? v6 = null;
        try
        {
            if (bind is null || bind.AddressFamily == AddressFamily.InterNetwork)
            {
                v4 = Open(AddressFamily.InterNetwork, bind ?? IPAddress.Any, port, mark);
            }

            if (bind is null || bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                try
                {
                    v6 = Open(AddressFamily.InterNetworkV6, bind ?? IPAddress.IPv6Any, port, mark);
                }
                catch (SocketException) when (bind is null)
                {
                    // No IPv6 on this host: IPv4 alone is fine.
                    logger.LogInformation("IPv6 is unavailable; data channel on IPv4 only");
                }
            }
        }
        catch (SocketException e)
        {
            v4?.Dispose();
            v6?.Dispose();
            ErrorKind kind = e.SocketErrorCode == SocketError.AddressAlreadyInUse ? ErrorKind.ResourceExists : ErrorKind.ConnectionError;
            throw new SnekException("DataPortUnavailable", kind, $"Cannot bind UDP port {port}: {e.Message}", port, e);
        }

        return new UdpTransport(v4, v6, logger);
    }

    private static Socket Open(AddressFamily family, IPAddress address, int port, uint mark)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (mark != 0)
            {
                Routing.SocketMark.Apply(socket, mark);
            }

            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            SizeBuffers(socket);
            UdpBatch.EnableGro(socket); // coalesced receive when the sender used GSO
            EnableKernelBusyPoll(socket);

            // No receive timeout: an idle receive thread sleeps until a datagram comes or Dispose's
            // shutdown(2) wakes it.
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    // SO_BUSY_POLL lets a blocking receive spin in the kernel on the device's NAPI queue for a while before
    // sleeping; it only acts on devices with NAPI (not a veth without GRO/XDP) and only while a receive
    // waits, so an idle socket costs nothing. SO_PREFER_BUSY_POLL asks the kernel to defer interrupts then.
    private static void EnableKernelBusyPoll(Socket socket)
    {
        int us = LatencySwitches.SocketBusyPollMicroseconds;
        if (us <= 0)
        {
            return;
        }

        try
        {
            socket.SetRawSocketOption(1, SoBusyPoll, BitConverter.GetBytes(us));
            socket.SetRawSocketOption(1, SoPreferBusyPoll, BitConverter.GetBytes(1));
        }
        catch (SocketException)
        {
            // Older kernel or no CAP_NET_ADMIN: plain blocking receive.
        }
    }

    private static void SizeBuffers(Socket socket)
    {
        // Default buffers (~208 KiB) overflow under load; as root, force past net.core.rmem_max.
        try
        {
            socket.SetRawSocketOption(1, SoRcvBufForce, BitConverter.GetBytes(SocketBufferBytes));
            socket.SetRawSocketOption(1, SoSndBufForce, BitConverter.GetBytes(SocketBufferBytes));
        }
        catch (SocketException)
        {
            socket.ReceiveBufferSize = SocketBufferBytes;
            socket.SendBufferSize = SocketBufferBytes;
        }
    }

    /// <summary>
    /// Starts one receive thread per socket, each with its own receiver: <see cref="IDatagramReceiver.Receive"/>
    /// per datagram, then <see cref="IDatagramReceiver.BatchEnd"/> once the datagrams of one receive call are
    /// handled, so the receiver may queue work (TUN writes to coalesce) and finish it there.
    /// </summary>
    public void Start(Func<IDatagramReceiver> createReceiver, string name)
    {
        foreach (Socket? s in (Socket?[])[_v4, _v6])
        {
            if (s is null)
            {
                continue;
            }

            Socket socket = s;
            var thread = new Thread(() => ReceiveLoop(socket, createReceiver())) { IsBackground = true, Name = name + (socket == _v4 ? " udp4" : " udp6") };
            _threads.Add(thread);
            thread.Start();
        }
    }

    private void ReceiveLoop(Socket socket, IDatagramReceiver receiver)
    {
        // recvmmsg: one syscall takes every datagram queued (up to BatchSize); blocks for the first only.
        using var batch = new UdpBatch(BatchSize, MaxDatagram);
        var from = new SocketAddress(socket.AddressFamily);
        var spin = new SpinBudget(LatencySwitches.BusyPollMicroseconds);
        bool added = false;
        long received = 0;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added); // the fd stays ours until this loop ends
            int fd = UdpBatch.Descriptor(socket);
            while (!_stopping)
            {
                int n = spin.Enabled ? ReceiveSpinning(batch, fd, spin) : batch.Receive(fd);
                if (n < 0)
                {
                    int errno = LibC.Errno;
                    if (errno is LibC.EAGAIN or LibC.EINTR or EConnRefused)
                    {
                        continue; // ICMP errors from old peers are not fatal
                    }

                    if (!_stopping)
                    {
                        _logger.LogError("UDP receive failed: {Reason}", LibC.Describe(errno));
                    }

                    return;
                }

                Dispatch(batch, n, from, receiver, ref received);
            }
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    /// <summary>The IPv4 socket, if open (for a caller that waits on the sockets itself: <see cref="ReceiveQueued"/>).</summary>
    internal Socket? Socket4 => _v4;

    /// <summary>The IPv6 socket, if open.</summary>
    internal Socket? Socket6 => _v6;

    /// <summary>Scratch a caller of <see cref="ReceiveQueued"/> keeps for its loop.</summary>
    internal static UdpBatch CreateReceiveBatch() => new(BatchSize, MaxDatagram);

    /// <summary>
    /// Takes whatever is queued on <paramref name="socket"/> (one of this transport's) without waiting and
    /// hands it to <paramref name="receiver"/>, as the receive threads of <see cref="Start"/> do: for a
    /// data loop that waits on the TUN and the sockets in one poll(). False once the transport is stopping.
    /// </summary>
    internal bool ReceiveQueued(Socket socket, UdpBatch batch, SocketAddress from, IDatagramReceiver receiver, ref long received)
    {
        bool added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            if (_stopping)
            {
                return false;
            }

            int n = batch.Receive(UdpBatch.Descriptor(socket), wait: false);
            if (n < 0)
            {
                int errno = LibC.Errno;
                if (errno is LibC.EAGAIN or LibC.EINTR or EConnRefused)
                {
                    return true;
                }

                if (!_stopping)
                {
                    _logger.LogError("UDP receive failed: {Reason}", LibC.Describe(errno));
                }

                return false;
            }

            Dispatch(batch, n, from, receiver, ref received);
            return !_stopping;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    // Hands the n datagrams of one receive to the receiver (splitting GRO runs), then ends its batch.
    private void Dispatch(UdpBatch batch, int n, SocketAddress from, IDatagramReceiver receiver, ref long received)
    {
        long before = received;
        for (int i = 0; i < n && !_stopping; i++)
        {
            ReadOnlySpan<byte> message = batch.Datagram(i);
            if (message.IsEmpty || !batch.CopySource(i, from))
            {
                continue;
            }

            // UDP GRO may have coalesced several datagrams of one sender: split them again.
            int segment = batch.SegmentSize(i);
            if (segment <= 0)
            {
                segment = message.Length;
            }

            for (int offset = 0; offset < message.Length; offset += segment)
            {
                received++;
                try
                {
                    receiver.Receive(message.Slice(offset, Math.Min(segment, message.Length - offset)), from);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // One bad datagram must not kill the data plane.
                    _logger.LogWarning("Dropped a datagram after an engine error: {Reason}", e.Message);
                }
            }
        }

        // Evidence that forwarding allocates nothing per packet: GC counts and allocated bytes every 2^17
        // datagrams (after GRO splitting); in steady state they stay flat however many pass.
        if ((before & ~(AllocationReportInterval - 1)) != (received & ~(AllocationReportInterval - 1)))
        {
            _logger.LogInformation("Data channel: {Datagrams} UDP datagrams received so far; GC collections {Gen0}/{Gen1}/{Gen2}, {Allocated} bytes allocated by the process",
                received, GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalAllocatedBytes());
        }

        try
        {
            receiver.BatchEnd();
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _logger.LogWarning("Dropped queued packets after an engine error: {Reason}", e.Message);
        }
    }

    // Busy polling: every turn of the loop follows a handled batch (or the start), so poll without
    // blocking for the adaptive budget before sleeping; an idle socket pays one short spin, then sleeps.
    private int ReceiveSpinning(UdpBatch batch, int fd, SpinBudget spin)
    {
        long deadline = spin.Deadline(System.Diagnostics.Stopwatch.GetTimestamp());
        do
        {
            int n = batch.Receive(fd, wait: false);
            if (n >= 0 || LibC.Errno != LibC.EAGAIN)
            {
                if (n > 0)
                {
                    spin.Hit();
                }

                return n;
            }
        }
        while (System.Diagnostics.Stopwatch.GetTimestamp() < deadline && !_stopping);
        spin.Miss();
        return batch.Receive(fd);
    }

    /// <summary>Sends one datagram to <paramref name="to"/>; false when the socket refused it (buffer full, unreachable).</summary>
    public bool Send(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        Socket? socket = to.Family == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is null || _stopping)
        {
            return false;
        }

        try
        {
            socket.SendTo(datagram, SocketFlags.None, to);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sends every datagram committed to <paramref name="batch"/> (all addressed in <paramref name="family"/>)
    /// with sendmmsg, then empties the batch; datagrams the kernel refuses are dropped.
    /// </summary>
    public void SendBatch(UdpBatch batch, AddressFamily family)
    {
        Socket? socket = family == AddressFamily.InterNetwork ? _v4 : _v6;
        if (socket is null || _stopping || batch.Count == 0)
        {
            batch.Clear();
            return;
        }

        bool added = false;
        try
        {
            socket.SafeHandle.DangerousAddRef(ref added);
            batch.Flush(UdpBatch.Descriptor(socket));
        }
        catch (ObjectDisposedException)
        {
            batch.Clear(); // closing meanwhile
        }
        finally
        {
            if (added)
            {
                socket.SafeHandle.DangerousRelease();
            }
        }
    }

    /// <summary>Closes the sockets and waits for the receive threads.</summary>
    public void Dispose()
    {
        _stopping = true;
        foreach (Socket? s in (Socket?[])[_v4, _v6])
        {
            try
            {
                s?.Shutdown(SocketShutdown.Both); // wakes a receive thread blocked in recvmmsg at once
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                // ENOTCONN on an unconnected UDP socket: Linux still wakes the receivers.
            }
        }

        _v4?.Dispose();
        _v6?.Dispose();
        foreach (Thread t in _threads)
        {
            if (t != Thread.CurrentThread)
            {
                t.Join(TimeSpan.FromSeconds(3));
            }
        }
    }
}
