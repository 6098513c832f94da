using System.Text;
using Jormungandr.Commands;
using Jormungandr.Interop;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// A Linux TUN interface (IFF_TUN | IFF_NO_PI): whole IPv4/IPv6 packets in and out, no extra header.
/// Reads and writes block the calling thread (meant for one dedicated reader thread; writes may come
/// from any thread). With <see cref="LatencySwitches.TunBlocking"/> the fd is blocking: the reader
/// sleeps inside read() and wakes with the packet in hand, <see cref="TryRead"/> drains with
/// preadv2(RWF_NOWAIT), and <see cref="Dispose"/> wakes the reader with <see cref="ThreadInterrupt"/>.
/// Otherwise the fd is non-blocking and the reader waits in poll() together with an eventfd that
/// <see cref="Dispose"/> signals. Either way teardown needs nothing from netlink; the interface
/// disappears when the fd closes, after the reader has left.
/// </summary>
internal sealed unsafe partial class TunDevice : ITunDevice
{
    private const int IfNameSize = 16;
    private readonly int _fd;
    private readonly int _wakeFd;
    private readonly byte[]? _offloadBuffer; // vnet header + one super-packet, when offloads are on
    private readonly TcpSegmenter? _segmenter;
    private readonly bool _blocking;
    private readonly SpinBudget _spin = new(LatencySwitches.BusyPollMicroseconds);
    private int _disposed;
    private int _readers; // threads inside Read or TryRead
    private int _readerThread; // kernel id of the last thread to enter one, for ThreadInterrupt

    private TunDevice(int fd, int wakeFd, string name, bool vnetHeader, bool blocking)
    {
        _fd = fd;
        _wakeFd = wakeFd;
        Name = name;
        _blocking = blocking;
        if (vnetHeader)
        {
            _offloadBuffer = GC.AllocateArray<byte>(TcpSegmenter.HeaderSize + 65535, pinned: true);
            _segmenter = new TcpSegmenter(_offloadBuffer);
        }
    }

    /// <summary>
    /// TCP segmentation offload: the kernel hands over up to 64 KB TCP super-packets behind a
    /// virtio_net_hdr, cut into MSS segments by <see cref="Read"/>. On unless JORMUNGANDR_TUN_OFFLOAD=0.
    /// </summary>
    internal static bool OffloadEnabled { get; set; } = Environment.GetEnvironmentVariable("JORMUNGANDR_TUN_OFFLOAD") != "0";

    /// <summary>True when this device reads and writes with a virtio_net_hdr (offloads on).</summary>
    public bool Offloads => _segmenter is not null;

    /// <summary>True when the reader blocks in read() (see <see cref="LatencySwitches.TunBlocking"/>).</summary>
    public bool BlockingReads => _blocking;

    /// <summary>The interface name the kernel gave it (e.g. <c>snk0</c>).</summary>
    public string Name { get; }

    /// <summary>The tun fd (for future batching/offload work).</summary>
    public int Handle => _fd;

    /// <summary>
    /// Creates the interface <paramref name="name"/>, or the first free <c>snkN</c> whose name is not
    /// in use here and for which <paramref name="isNameTaken"/> (e.g. a live status socket of a tunnel
    /// in another namespace) says no.
    /// </summary>
    public static TunDevice Open(string? name, Func<string, bool>? isNameTaken = null)
    {
        if (!File.Exists("/dev/net/tun"))
        {
            throw new SnekException("TunUnavailable", ErrorKind.ResourceUnavailable, "/dev/net/tun does not exist: this machine has no TUN support.");
        }

        if (name is not null)
        {
            if (Exists(name) || (isNameTaken?.Invoke(name) ?? false))
            {
                throw new SnekException("InterfaceExists", ErrorKind.ResourceExists, $"Interface {name} already exists.", name);
            }

            return Create(name);
        }

        for (int i = 0; i < 256; i++)
        {
            string candidate = "snk" + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (Exists(candidate) || (isNameTaken?.Invoke(candidate) ?? false))
            {
                continue;
            }

            try
            {
                return Create(candidate);
            }
            catch (SnekException e) when (e.Kind == ErrorKind.ResourceExists)
            {
                // Lost a race with another tunnel: try the next number.
            }
        }

        throw new SnekException("NoFreeInterface", ErrorKind.ResourceUnavailable, "No free snkN interface name (snk0 to snk255 are all taken).");
    }

    /// <summary>True when an interface of that name exists in this network namespace.</summary>
    public static bool Exists(string name) => LibC.InterfaceIndex(name) != 0;

    private static TunDevice Create(string name)
    {
        int fd = LibC.Open("/dev/net/tun", LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        if (fd < 0)
        {
            int errno = LibC.Errno;
            throw new SnekException("TunOpenFailed", errno is 1 or 13 ? ErrorKind.PermissionDenied : ErrorKind.ResourceUnavailable,
                $"Cannot open /dev/net/tun: {LibC.Describe(errno)} (root or CAP_NET_ADMIN is needed).");
        }

        // struct ifreq: char ifr_name[16]; short ifr_flags; padding to 40 bytes.
        byte* ifr = stackalloc byte[40];
        new Span<byte>(ifr, 40).Clear();
        int n = Encoding.ASCII.GetBytes(name, new Span<byte>(ifr, IfNameSize - 1));
        ifr[n] = 0;
        bool vnet = OffloadEnabled;
        *(short*)(ifr + IfNameSize) = (short)(LibC.IFF_TUN | LibC.IFF_NO_PI | (vnet ? IffVnetHdr : 0));
        if (LibC.Ioctl(fd, LibC.TUNSETIFF, ifr) < 0)
        {
            int errno = LibC.Errno;
            LibC.Close(fd);
            if (errno == LibC.EBUSY || errno == LibC.EINVAL)
            {
                throw new SnekException("InterfaceExists", ErrorKind.ResourceExists, $"Interface {name} is in use: {LibC.Describe(errno)}.", name);
            }

            throw new SnekException("TunSetupFailed", errno is 1 or 13 ? ErrorKind.PermissionDenied : ErrorKind.NotSpecified,
                $"Cannot create TUN interface {name}: {LibC.Describe(errno)}.", name);
        }

        int wake = LibC.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
        if (wake < 0)
        {
            int errno = LibC.Errno;
            LibC.Close(fd);
            throw new SnekException("TunSetupFailed", ErrorKind.ResourceUnavailable, $"eventfd failed: {LibC.Describe(errno)}.");
        }

        string actual = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(ifr, IfNameSize)).TrimEnd('\0');
        if (vnet)
        {
            // Checksum and TSO offload; if the kernel refuses, packets still come with a (plain) vnet header.
            LibC.Ioctl(fd, TunSetOffload, (void*)(nuint)(TunFCsum | TunFTso4 | TunFTso6));
        }

        bool blocking = LatencySwitches.TunBlocking && SupportsBlockingReads(fd) && ThreadInterrupt.TryInstall() && ClearNonBlocking(fd);
        return new TunDevice(fd, wake, actual, vnet, blocking);
    }

    // A blocking reader needs a way to drain without waiting: RWF_NOWAIT, refused with EOPNOTSUPP by
    // kernels whose TUN does not support it. The queue is empty now, so a capable kernel says EAGAIN.
    private static bool SupportsBlockingReads(int fd)
    {
        byte probe;
        IoVec iov = new() { Base = &probe, Length = 1 };
        return LibC.PReadV2(fd, &iov, 1, -1, RwfNoWait) < 0 && LibC.Errno == LibC.EAGAIN;
    }

    private static bool ClearNonBlocking(int fd)
    {
        int flags = LibC.Fcntl(fd, FGetFl, 0);
        return flags >= 0 && LibC.Fcntl(fd, FSetFl, flags & ~LibC.O_NONBLOCK) == 0;
    }

    /// <summary>
    /// Reads one packet into <paramref name="buffer"/>, waiting until one arrives. Returns its length,
    /// or -1 once the device is disposed.
    /// </summary>
    public int Read(Span<byte> buffer) => ReadSegment(buffer, wait: true);

    // Every read, waiting or not, is counted in _readers so Dispose never closes the fd (whose number
    // may be reused at once) under a thread that is still about to use it.
    private int ReadSegment(Span<byte> buffer, bool wait)
    {
        Interlocked.Increment(ref _readers);
        try
        {
            return ReadSegmentCounted(buffer, wait);
        }
        finally
        {
            Interlocked.Decrement(ref _readers);
        }
    }

    private int ReadSegmentCounted(Span<byte> buffer, bool wait)
    {
        if (_segmenter is null)
        {
            return wait ? ReadRaw(buffer) : TryReadRaw(buffer);
        }

        // Bounded: every turn either returns or consumes one packet from the kernel queue.
        while (true)
        {
            if (_segmenter.Pending)
            {
                int n = _segmenter.Next(buffer);
                if (n > 0)
                {
                    return n;
                }

                continue;
            }

            int r = wait ? ReadRaw(_offloadBuffer!) : TryReadRaw(_offloadBuffer!);
            if (r <= 0)
            {
                return r;
            }

            _segmenter.Load(r); // a malformed one is dropped
        }
    }

    private int ReadRaw(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            // Busy polling: a reader that just handled a packet looks again for a short, adaptive budget
            // before it sleeps, so a steady flow is read without a wake-up. Idle, it never gets here twice.
            if (_spin.Enabled)
            {
                long deadline = _spin.Deadline(System.Diagnostics.Stopwatch.GetTimestamp());
                do
                {
                    int r = ReadNoWait(p, buffer.Length);
                    if (r != 0)
                    {
                        if (r > 0)
                        {
                            _spin.Hit();
                        }

                        return r;
                    }
                }
                while (System.Diagnostics.Stopwatch.GetTimestamp() < deadline);
                _spin.Miss();
            }

            return _blocking ? ReadBlocking(p, buffer.Length) : ReadPolling(p, buffer.Length);
        }
    }

    private int ReadBlocking(byte* p, int length)
    {
        Volatile.Write(ref _readerThread, ThreadInterrupt.CurrentThreadId());
        while (Volatile.Read(ref _disposed) == 0)
        {
            nint r = LibC.Read(_fd, p, (nuint)length);
            if (r >= 0)
            {
                return (int)r;
            }

            int errno = LibC.Errno;
            if (errno != LibC.EINTR)
            {
                // EFAULT: the interface was deleted under us.
                return Volatile.Read(ref _disposed) != 0 ? -1 : throw new IOException($"TUN read failed on {Name}: {LibC.Describe(errno)}");
            }
        }

        return -1;
    }

    private int ReadPolling(byte* p, int length)
    {
        while (Volatile.Read(ref _disposed) == 0)
        {
            nint r = LibC.Read(_fd, p, (nuint)length);
            if (r >= 0)
            {
                return (int)r;
            }

            int errno = LibC.Errno;
            if (errno == LibC.EAGAIN)
            {
                if (!WaitReadable())
                {
                    return -1;
                }
            }
            else if (errno != LibC.EINTR)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return -1;
                }

                throw new IOException($"TUN read failed on {Name}: {LibC.Describe(errno)}");
            }
        }

        return -1;
    }

    /// <summary>
    /// Reads one packet if one is queued, without waiting: its length, 0 when the queue is empty, or -1
    /// once the device is disposed. Lets a reader drain the queue into a batch before sending it.
    /// </summary>
    public int TryRead(Span<byte> buffer) => ReadSegment(buffer, wait: false);

    private int TryReadRaw(Span<byte> buffer)
    {
        fixed (byte* p = buffer)
        {
            return ReadNoWait(p, buffer.Length);
        }
    }

    // One packet if one is queued: its length, 0 when the queue is empty, -1 once disposed.
    private int ReadNoWait(byte* p, int length)
    {
        IoVec iov = new() { Base = p, Length = (nuint)length };
        for (int attempt = 0; attempt < 3 && Volatile.Read(ref _disposed) == 0; attempt++)
        {
            nint r = _blocking ? LibC.PReadV2(_fd, &iov, 1, -1, RwfNoWait) : LibC.Read(_fd, p, (nuint)length);
            if (r >= 0)
            {
                return (int)r;
            }

            int errno = LibC.Errno;
            if (errno == LibC.EAGAIN)
            {
                return 0;
            }

            if (errno != LibC.EINTR)
            {
                if (Volatile.Read(ref _disposed) != 0)
                {
                    return -1;
                }

                throw new IOException($"TUN read failed on {Name}: {LibC.Describe(errno)}");
            }
        }

        return Volatile.Read(ref _disposed) != 0 ? -1 : 0;
    }

    /// <summary>Writes one whole IP packet to the interface; false when the kernel refused it (queue full, gone).</summary>
    public bool Write(ReadOnlySpan<byte> packet)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return false;
        }

        // With offloads on, every packet goes behind an all-zero virtio_net_hdr (no GSO, checksums complete).
        ulong* header = stackalloc ulong[2];
        header[0] = 0;
        header[1] = 0;
        fixed (byte* p = packet)
        {
            IoVec* iov = stackalloc IoVec[2];
            iov[0] = new IoVec { Base = header, Length = TcpSegmenter.HeaderSize };
            iov[1] = new IoVec { Base = p, Length = (nuint)packet.Length };
            for (int attempt = 0; attempt < 3; attempt++)
            {
                nint r = _segmenter is null ? LibC.Write(_fd, p, (nuint)packet.Length) : LibC.WriteV(_fd, iov, 2);
                if (r >= 0)
                {
                    return true;
                }

                if (LibC.Errno != LibC.EINTR)
                {
                    return false; // EAGAIN (queue full) or EINVAL (not an IP packet): drop, like a full NIC queue.
                }
            }
        }

        return false;
    }

    /// <summary>
    /// Writes every packet queued in <paramref name="queue"/>, merged TCP runs as GSO super-packets, one
    /// writev each, then empties the queue. Packets the kernel refuses are dropped, like a full NIC queue.
    /// Needs <see cref="Offloads"/> (the vnet header carries the GSO description).
    /// </summary>
    public void Write(TcpCoalescer queue)
    {
        if (_segmenter is null)
        {
            queue.Clear();
            throw new InvalidOperationException("Coalesced writes need a TUN with IFF_VNET_HDR.");
        }

        try
        {
            byte* header = stackalloc byte[TcpSegmenter.HeaderSize];
            Span<CoalescedPiece> pieces = stackalloc CoalescedPiece[TcpCoalescer.MaxSegments];
            IoVec* iov = stackalloc IoVec[TcpCoalescer.MaxSegments + 1];
            fixed (byte* arena = queue.Arena)
            {
                for (int i = 0; i < queue.Count && Volatile.Read(ref _disposed) == 0; i++)
                {
                    int n = queue.Describe(i, new Span<byte>(header, TcpSegmenter.HeaderSize), pieces);
                    iov[0] = new IoVec { Base = header, Length = TcpSegmenter.HeaderSize };
                    for (int j = 0; j < n; j++)
                    {
                        iov[j + 1] = new IoVec { Base = arena + pieces[j].Offset, Length = (nuint)pieces[j].Length };
                    }

                    for (int attempt = 0; attempt < 3; attempt++)
                    {
                        if (LibC.WriteV(_fd, iov, n + 1) >= 0 || LibC.Errno != LibC.EINTR)
                        {
                            break;
                        }
                    }
                }
            }
        }
        finally
        {
            queue.Clear();
        }
    }

    private const int IffVnetHdr = 0x4000;
    private const uint TunSetOffload = 0x400454d0; // _IOW('T', 208, unsigned int)
    private const int TunFCsum = 0x01;
    private const int TunFTso4 = 0x02;
    private const int TunFTso6 = 0x04;

    private struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    private const int RwfNoWait = 0x8;
    private const int FGetFl = 3;
    private const int FSetFl = 4;

    private bool WaitReadable()
    {
        LibC.PollFd* fds = stackalloc LibC.PollFd[2];
        fds[0] = new LibC.PollFd { Fd = _fd, Events = LibC.POLLIN };
        fds[1] = new LibC.PollFd { Fd = _wakeFd, Events = LibC.POLLIN };
        while (true)
        {
            int r = LibC.Poll(fds, 2, -1);
            if (r < 0 && LibC.Errno == LibC.EINTR)
            {
                continue;
            }

            if (r < 0 || fds[1].Revents != 0 || Volatile.Read(ref _disposed) != 0)
            {
                return false;
            }

            return true;
        }
    }

    /// <summary>How long <see cref="Dispose"/> keeps waking a reader before it closes the fd regardless.</summary>
    internal static TimeSpan ReaderExitTimeout { get; } = TimeSpan.FromSeconds(2);

    /// <summary>Wakes any blocked reader, waits (bounded) until it has left, then closes the fd (which removes the interface).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        ulong one = 1;
        LibC.Write(_wakeFd, (byte*)&one, 8);

        // Closing the fd does not wake a thread blocked on it, and fd numbers get reused: wake the reader
        // and let it leave before the fds go. A signal can land just before the reader enters read(),
        // so it is repeated until the reader is out.
        long deadline = Environment.TickCount64 + (long)ReaderExitTimeout.TotalMilliseconds;
        while (Volatile.Read(ref _readers) > 0 && Environment.TickCount64 < deadline)
        {
            if (_blocking)
            {
                ThreadInterrupt.Interrupt(Volatile.Read(ref _readerThread));
            }

            Thread.Sleep(1);
        }

        LibC.Close(_fd);
        LibC.Close(_wakeFd);
    }
}
