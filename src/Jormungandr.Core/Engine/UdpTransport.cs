using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>Called on the receive thread for each datagram; the span and address are only valid during the call.</summary>
internal delegate void DatagramHandler(ReadOnlySpan<byte> datagram, SocketAddress from);

/// <summary>
/// The UDP data channel: one socket per address family, large buffers, and one dedicated thread per
/// socket blocking in receive (no async state machine on the hot path). Sends go out on the socket of
/// the destination's family from any thread. One datagram per syscall for now; the receive loop is
/// the place where recvmmsg/sendmmsg batching slots in (issue 7).
/// </summary>
internal sealed class UdpTransport : IDisposable
{
    /// <summary>Receive buffer per packet: the largest UDP payload.</summary>
    public const int MaxDatagram = 65535;
    private const int SocketBufferBytes = 4 * 1024 * 1024;
    private const int SoRcvBufForce = 33;
    private const int SoSndBufForce = 32;

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

    /// <summary>
    /// Binds the data port: on <paramref name="bind"/> only, or on 0.0.0.0 and [::] (IPv6-only, so
    /// both families have their own socket). Port 0 picks ephemeral ports (the client side).
    /// </summary>
    public static UdpTransport Bind(IPAddress? bind, int port, ILogger logger)
    {
        Socket? v4 = null;
        Socket? v6 = null;
        try
        {
            if (bind is null || bind.AddressFamily == AddressFamily.InterNetwork)
            {
                v4 = Open(AddressFamily.InterNetwork, bind ?? IPAddress.Any, port);
            }

            if (bind is null || bind.AddressFamily == AddressFamily.InterNetworkV6)
            {
                try
                {
                    v6 = Open(AddressFamily.InterNetworkV6, bind ?? IPAddress.IPv6Any, port);
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

    private static Socket Open(AddressFamily family, IPAddress address, int port)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            if (family == AddressFamily.InterNetworkV6)
            {
                socket.DualMode = false;
            }

            SizeBuffers(socket);
            socket.ReceiveTimeout = 1000; // the receive thread re-checks for shutdown at least once a second
            socket.Bind(new IPEndPoint(address, port));
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
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

    /// <summary>Starts one receive thread per socket, each calling <paramref name="handler"/> per datagram.</summary>
    public void Start(DatagramHandler handler, string name)
    {
        foreach (Socket? s in (Socket?[])[_v4, _v6])
        {
            if (s is null)
            {
                continue;
            }

            Socket socket = s;
            var thread = new Thread(() => ReceiveLoop(socket, handler)) { IsBackground = true, Name = name + (socket == _v4 ? " udp4" : " udp6") };
            _threads.Add(thread);
            thread.Start();
        }
    }

    private void ReceiveLoop(Socket socket, DatagramHandler handler)
    {
        byte[] buffer = GC.AllocateArray<byte>(MaxDatagram, pinned: true);
        var from = new SocketAddress(socket.AddressFamily);
        while (!_stopping)
        {
            int n;
            try
            {
                n = socket.ReceiveFrom(buffer, SocketFlags.None, from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted
                or SocketError.ConnectionReset or SocketError.ConnectionRefused or SocketError.MessageSize)
            {
                continue; // timeouts let us notice shutdown; ICMP errors from old peers are not fatal
            }
            catch (Exception e) when (e is ObjectDisposedException or SocketException)
            {
                if (!_stopping)
                {
                    _logger.LogError("UDP receive failed: {Reason}", e.Message);
                }

                return;
            }

            try
            {
                handler(buffer.AsSpan(0, n), from);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // One bad datagram must not kill the data plane.
                _logger.LogWarning("Dropped a datagram after an engine error: {Reason}", e.Message);
            }
        }
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

    /// <summary>Closes the sockets and waits for the receive threads.</summary>
    public void Dispose()
    {
        _stopping = true;
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
