using System.Diagnostics;
using System.Runtime.InteropServices;
using Jormungandr.Interop;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// An AF_NETLINK/NETLINK_ROUTE socket for one short configuration exchange: send a request to the
/// kernel (nl_pid 0), read the reply into an <see cref="RtNetlinkReply"/>. The socket belongs to the
/// network namespace of the thread that opened it. Every receive waits at most
/// <see cref="ReceiveTimeout"/> (SO_RCVTIMEO); a reply still incomplete after <see cref="ReplyDeadline"/>
/// (checked between receives, so at most the sum of both) is abandoned.
/// Failures throw <see cref="RtNetlinkException"/> with the errno. Not thread-safe.
/// </summary>
internal sealed unsafe partial class RtNetlinkSocket : IDisposable
{
    /// <summary>Receive buffer: 32 KiB, as iproute2 uses, so one dump datagram always fits.</summary>
    public const int ReceiveBufferSize = 32 * 1024;

    private const int AF_NETLINK = 16;
    private const int SOCK_RAW = 3;
    private const int SOCK_CLOEXEC = 0x80000;
    private const int NETLINK_ROUTE = 0;
    private const int SOL_SOCKET = 1;
    private const int SO_RCVTIMEO = 20;
    private const int SO_SNDTIMEO = 21;
    private const int SOL_NETLINK = 270;
    private const int NETLINK_CAP_ACK = 10;
    private const int NETLINK_EXT_ACK = 11;
    private const int MSG_TRUNC = 0x20;
    private const int EAGAIN = 11;
    private const int EBADMSG = 74;

    private readonly byte[] _buffer = new byte[ReceiveBufferSize];
    private int _fd;
    private uint _sequence;

    private RtNetlinkSocket(int fd)
    {
        _fd = fd;
        // Start from the clock so a reused port id never takes a stale reply for ours.
        _sequence = (uint)Environment.TickCount;
    }

    /// <summary>Longest wait for one datagram.</summary>
    public static TimeSpan ReceiveTimeout { get; } = TimeSpan.FromSeconds(5);

    /// <summary>When to give up on a whole reply (a dump may take several datagrams); checked between receives.</summary>
    public static TimeSpan ReplyDeadline { get; } = TimeSpan.FromSeconds(10);

    [StructLayout(LayoutKind.Sequential)]
    private struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct TimeVal
    {
        public nint Seconds;
        public nint Microseconds;
    }

    /// <summary>Opens a route netlink socket in the calling thread's network namespace.</summary>
    /// <exception cref="RtNetlinkException">socket() or setsockopt() failed.</exception>
    public static RtNetlinkSocket Open()
    {
        int fd = LibC.Socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
        if (fd < 0)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new RtNetlinkException(errno, "cannot open a netlink socket: " + LibC.Describe(errno));
        }

        var socket = new RtNetlinkSocket(fd);
        try
        {
            var timeout = new TimeVal { Seconds = (nint)ReceiveTimeout.TotalSeconds };
            socket.SetOption(SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(TimeVal), required: true);
            socket.SetOption(SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(TimeVal), required: true);
            int one = 1;
            // Kernel's own error text (extended ack) and errors that echo only the request header; both optional.
            socket.SetOption(SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(int), required: false);
            socket.SetOption(SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(int), required: false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The next request sequence number.</summary>
    public uint NextSequence() => ++_sequence;

    /// <summary>Sends a request and reads its reply into <paramref name="reply"/> until complete.</summary>
    /// <exception cref="RtNetlinkException">A socket error, a timeout (EAGAIN) or a malformed reply (EBADMSG).</exception>
    public void Exchange(ReadOnlySpan<byte> request, RtNetlinkReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        ObjectDisposedException.ThrowIf(_fd < 0, this);
        Send(request);
        long start = Stopwatch.GetTimestamp();
        while (!reply.Complete)
        {
            if (Stopwatch.GetElapsedTime(start) > ReplyDeadline)
            {
                throw new RtNetlinkException(EAGAIN, $"no complete netlink reply within {ReplyDeadline.TotalSeconds:0} s");
            }

            int received = Receive();
            try
            {
                reply.Feed(_buffer.AsSpan(0, received));
            }
            catch (InvalidDataException e)
            {
                throw new RtNetlinkException(EBADMSG, e.Message);
            }
        }
    }

    /// <summary>Closes the socket. Idempotent.</summary>
    public void Dispose()
    {
        int fd = Interlocked.Exchange(ref _fd, -1);
        if (fd >= 0)
        {
            _ = LibC.Close(fd);
        }
    }

    private void Send(ReadOnlySpan<byte> request)
    {
        var kernel = new SockaddrNl { Family = AF_NETLINK };
        for (int attempt = 0; attempt < 8; attempt++)
        {
            nint sent;
            fixed (byte* data = request)
            {
                sent = LibC.SendTo(_fd, data, (nuint)request.Length, 0, &kernel, (uint)sizeof(SockaddrNl));
            }

            if (sent == request.Length)
            {
                return;
            }

            int errno = sent < 0 ? Marshal.GetLastPInvokeError() : EBADMSG;
            if (errno != LibC.EINTR)
            {
                throw new RtNetlinkException(errno, "netlink send failed: " + LibC.Describe(errno));
            }
        }

        throw new RtNetlinkException(LibC.EINTR, "netlink send kept being interrupted");
    }

    private int Receive()
    {
        for (int attempt = 0; attempt < 8; attempt++)
        {
            nint received;
            fixed (byte* data = _buffer)
            {
                // MSG_TRUNC: the return value is the datagram's real length, so truncation is visible.
                received = LibC.RecvFrom(_fd, data, (nuint)_buffer.Length, MSG_TRUNC, null, null);
            }

            if (received > _buffer.Length)
            {
                throw new RtNetlinkException(EBADMSG, $"netlink reply of {received} bytes exceeds the {ReceiveBufferSize}-byte buffer");
            }

            if (received >= 0)
            {
                return (int)received;
            }

            int errno = Marshal.GetLastPInvokeError();
            if (errno == EAGAIN)
            {
                throw new RtNetlinkException(EAGAIN, $"no reply from the kernel within {ReceiveTimeout.TotalSeconds:0} s");
            }

            if (errno != LibC.EINTR)
            {
                throw new RtNetlinkException(errno, "netlink receive failed: " + LibC.Describe(errno));
            }
        }

        throw new RtNetlinkException(LibC.EINTR, "netlink receive kept being interrupted");
    }

    private void SetOption(int level, int name, void* value, int length, bool required)
    {
        if (LibC.SetSockOpt(_fd, level, name, value, (uint)length) != 0 && required)
        {
            int errno = Marshal.GetLastPInvokeError();
            throw new RtNetlinkException(errno, "netlink setsockopt failed: " + LibC.Describe(errno));
        }
    }
}
