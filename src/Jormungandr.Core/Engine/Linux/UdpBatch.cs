using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Jormungandr.Interop;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// A batch of UDP datagrams in native memory for recvmmsg/sendmmsg: one syscall moves up to
/// <see cref="Capacity"/> datagrams. Headers, iovecs, addresses and data are allocated once
/// and never move, so the hot path allocates nothing. Receive: <see cref="Receive"/> then
/// <see cref="Datagram"/>/<see cref="CopySource"/> per message. Send: seal into <see cref="Free"/>,
/// <see cref="Commit"/> each datagram with its destination, <see cref="Flush"/>. Not thread-safe.
/// </summary>
internal sealed unsafe partial class UdpBatch : IDisposable
{
    /// <summary>recvmmsg: block for the first datagram only, then take what is queued.</summary>
    public const int MSG_WAITFORONE = 0x10000;
    public const int MSG_DONTWAIT = 0x40;
    private const int NameSize = 128; // sizeof(struct sockaddr_storage)
    private const int ControlSize = 32; // room for one cmsghdr (16 bytes) with an int
    private const int SolUdp = 17;
    private const int UdpSegment = 103;
    private const int UdpGro = 104;
    private const int MaxGsoSegments = 44; // 44 x 1452 bytes stays under the 64 KiB a GSO datagram may carry
    private const int MaxGsoBytes = 65000;

    private readonly MMsgHdr* _headers;
    private readonly IoVec* _iov;
    private readonly byte* _names;
    private readonly byte* _data;
    private readonly byte* _control;
    private readonly MMsgHdr* _gso;    // send side: runs of equal-size datagrams to one address, one GSO message each
    private readonly IoVec* _gsoIov;
    private readonly int _slotSize;
    private readonly int _dataSize;
    private int _used; // send side: bytes of _data committed
    private int _disposed;

    /// <summary>struct iovec.</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct IoVec
    {
        public void* Base;
        public nuint Length;
    }

    /// <summary>struct msghdr (LP64 layout: 56 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MsgHdr
    {
        public void* Name;
        public uint NameLength;
        public IoVec* Iov;
        public nuint IovLength;
        public void* Control;
        public nuint ControlLength;
        public int Flags;
    }

    /// <summary>struct mmsghdr (LP64 layout: 64 bytes).</summary>
    [StructLayout(LayoutKind.Sequential)]
    internal struct MMsgHdr
    {
        public MsgHdr Header;
        public uint Length;
    }

    /// <summary>
    /// A receive batch: <paramref name="capacity"/> slots of <paramref name="slotSize"/> bytes each.
    /// A send batch: <paramref name="capacity"/> headers sharing one data area of
    /// <paramref name="capacity"/> × <paramref name="slotSize"/> bytes, filled front to back.
    /// </summary>
    public UdpBatch(int capacity, int slotSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, 1024);
        ArgumentOutOfRangeException.ThrowIfLessThan(slotSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(slotSize, 65536);
        Capacity = capacity;
        _slotSize = slotSize;
        _dataSize = capacity * slotSize;
        _headers = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(MMsgHdr));
        _iov = (IoVec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(IoVec));
        _names = (byte*)NativeMemory.AllocZeroed((nuint)capacity, NameSize);
        _data = (byte*)NativeMemory.Alloc((nuint)_dataSize);
        _control = (byte*)NativeMemory.AllocZeroed((nuint)capacity, ControlSize);
        _gso = (MMsgHdr*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(MMsgHdr));
        _gsoIov = (IoVec*)NativeMemory.AllocZeroed((nuint)capacity, (nuint)sizeof(IoVec));
        for (int i = 0; i < capacity; i++)
        {
            _headers[i].Header.Iov = &_iov[i];
            _headers[i].Header.IovLength = 1;
            _headers[i].Header.Name = _names + (i * NameSize);
        }
    }

    /// <summary>How many datagrams one syscall moves at most.</summary>
    public int Capacity { get; }

    /// <summary>Datagrams received by the last <see cref="Receive"/>, or committed and not yet flushed.</summary>
    public int Count { get; private set; }

    /// <summary>
    /// recvmmsg on <paramref name="fd"/>: blocks (up to the socket's SO_RCVTIMEO) for one datagram unless
    /// <paramref name="wait"/> is false, then takes whatever else is queued, up to <see cref="Capacity"/>.
    /// Returns the count, or -1 with errno in <see cref="LibC.Errno"/> (EAGAIN: nothing queued and
    /// not waiting). Truncated datagrams (larger than a slot) come back with length 0.
    /// </summary>
    public int Receive(int fd, bool wait = true)
    {
        for (int i = 0; i < Capacity; i++)
        {
            _iov[i].Base = _data + (i * _slotSize);
            _iov[i].Length = (nuint)_slotSize;
            _headers[i].Header.NameLength = NameSize;
            _headers[i].Header.Flags = 0;
            _headers[i].Header.Control = _control + (i * ControlSize);
            _headers[i].Header.ControlLength = ControlSize;
            _headers[i].Length = 0;
        }

        int n = LibC.RecvMMsg(fd, _headers, (uint)Capacity, wait ? MSG_WAITFORONE : MSG_DONTWAIT, null);
        Count = n < 0 ? 0 : n;
        return n;
    }

    /// <summary>The payload of received datagram <paramref name="index"/> (empty if it was truncated).</summary>
    public ReadOnlySpan<byte> Datagram(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        const int MsgTrunc = 0x20;
        if ((_headers[index].Header.Flags & MsgTrunc) != 0)
        {
            return default;
        }

        return new ReadOnlySpan<byte>(_iov[index].Base, (int)_headers[index].Length);
    }

    /// <summary>
    /// The segment size when received message <paramref name="index"/> holds several datagrams coalesced
    /// by UDP GRO (split it every that many bytes), or 0 for a single datagram.
    /// </summary>
    public int SegmentSize(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        MsgHdr* h = &_headers[index].Header;
        byte* c = (byte*)h->Control;
        if (c is null || h->ControlLength < 20)
        {
            return 0;
        }

        // struct cmsghdr { size_t cmsg_len; int cmsg_level; int cmsg_type; } then the data.
        nuint length = *(nuint*)c;
        if (length >= 20 && *(int*)(c + 8) == SolUdp && *(int*)(c + 12) == UdpGro)
        {
            int size = *(int*)(c + 16);
            return size > 0 ? size : 0;
        }

        return 0;
    }

    /// <summary>Asks the kernel to hand over UDP GRO-coalesced datagrams on <paramref name="socket"/>; false if it cannot.</summary>
    public static bool EnableGro(Socket socket)
    {
        if (!GsoEnabled)
        {
            return false;
        }

        try
        {
            socket.SetRawSocketOption(SolUdp, UdpGro, BitConverter.GetBytes(1));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>UDP GSO on send and GRO on receive; on unless JORMUNGANDR_UDP_GSO=0, off after the kernel refuses a GSO send.</summary>
    internal static bool GsoEnabled { get; set; } = Environment.GetEnvironmentVariable("JORMUNGANDR_UDP_GSO") != "0";

    /// <summary>Copies the sender of received datagram <paramref name="index"/> into <paramref name="address"/> (same family).</summary>
    public bool CopySource(int index, SocketAddress address)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        int length = (int)_headers[index].Header.NameLength;
        Span<byte> target = address.Buffer.Span;
        if (length <= 0 || length > target.Length || length > NameSize)
        {
            return false;
        }

        new ReadOnlySpan<byte>(_names + (index * NameSize), length).CopyTo(target);
        address.Size = length;
        return true;
    }

    /// <summary>Send side: the unused part of the data area, where the next datagrams are sealed.</summary>
    public Span<byte> Free => new(_data + _used, _dataSize - _used);

    /// <summary>Send side: room for another datagram header.</summary>
    public int FreeSlots => Capacity - Count;

    /// <summary>
    /// Send side: the next <paramref name="length"/> bytes of <see cref="Free"/> are one datagram for
    /// <paramref name="to"/>.
    /// </summary>
    public void Commit(int length, SocketAddress to)
    {
        if (Count >= Capacity || length < 0 || length > _dataSize - _used || to.Size > NameSize)
        {
            throw new InvalidOperationException("The UDP batch is full.");
        }

        int i = Count;
        _iov[i].Base = _data + _used;
        _iov[i].Length = (nuint)length;
        to.Buffer.Span[..to.Size].CopyTo(new Span<byte>(_names + (i * NameSize), NameSize));
        _headers[i].Header.NameLength = (uint)to.Size;
        _headers[i].Header.Flags = 0;
        _used += length;
        Count = i + 1;
    }

    /// <summary>
    /// sendmmsg of every committed datagram on <paramref name="fd"/>, then empties the batch. A datagram
    /// the kernel refuses (unreachable, buffer full) is dropped and the rest still go, like a NIC queue.
    /// Returns how many were sent.
    /// </summary>
    public int Flush(int fd)
    {
        if (GsoEnabled && Count > 1)
        {
            int r = FlushGso(fd);
            if (r >= 0)
            {
                return r;
            }
        }

        int sent = 0;
        int next = 0;
        for (int attempts = 0; next < Count && attempts <= Count; attempts++)
        {
            int r = LibC.SendMMsg(fd, _headers + next, (uint)(Count - next), 0);
            if (r > 0)
            {
                sent += r;
                next += r;
            }
            else if (r < 0 && LibC.Errno == LibC.EINTR)
            {
                continue;
            }
            else
            {
                next++; // the first remaining datagram failed: drop it and go on
            }
        }

        Count = 0;
        _used = 0;
        return sent;
    }

    // Coalesces runs of datagrams to one address, all of one size but the last (which may be shorter),
    // into one UDP_SEGMENT message each: the kernel then moves a run through its stack as one packet.
    // Returns -1 (nothing sent) when the kernel refuses GSO, so the caller sends them one by one.
    private int FlushGso(int fd)
    {
        int messages = 0;
        for (int i = 0; i < Count;)
        {
            int size = (int)_iov[i].Length;
            int j = i + 1;
            int total = size;
            while (j < Count && j - i < MaxGsoSegments && (int)_iov[j - 1].Length == size && (int)_iov[j].Length <= size
                && total + (int)_iov[j].Length <= MaxGsoBytes && (int)_iov[j].Length > 0 && SameName(i, j))
            {
                total += (int)_iov[j].Length;
                j++;
            }

            MMsgHdr* m = &_gso[messages];
            m->Header.Name = _headers[i].Header.Name;
            m->Header.NameLength = _headers[i].Header.NameLength;
            m->Header.Iov = &_gsoIov[messages];
            m->Header.IovLength = 1;
            m->Header.Flags = 0;
            _gsoIov[messages].Base = _iov[i].Base;
            _gsoIov[messages].Length = (nuint)total;
            if (j - i > 1)
            {
                byte* c = _control + (messages * ControlSize);
                *(nuint*)c = 18; // CMSG_LEN(sizeof(uint16_t))
                *(int*)(c + 8) = SolUdp;
                *(int*)(c + 12) = UdpSegment;
                *(ushort*)(c + 16) = (ushort)size;
                m->Header.Control = c;
                m->Header.ControlLength = 24; // CMSG_SPACE(sizeof(uint16_t))
            }
            else
            {
                m->Header.Control = null;
                m->Header.ControlLength = 0;
            }

            messages++;
            i = j;
        }

        int next = 0;
        for (int attempts = 0; next < messages && attempts <= messages; attempts++)
        {
            int r = LibC.SendMMsg(fd, _gso + next, (uint)(messages - next), 0);
            if (r > 0)
            {
                next += r;
            }
            else if (r < 0 && LibC.Errno == LibC.EINTR)
            {
                continue;
            }
            else if (r < 0 && next == 0 && LibC.Errno is LibC.EINVAL or EIo or EOpNotSupp)
            {
                GsoEnabled = false; // this kernel or route cannot segment UDP: plain sendmmsg from now on
                return -1;
            }
            else
            {
                next++; // drop that message and go on, as a NIC queue would
            }
        }

        int sent = Count;
        Count = 0;
        _used = 0;
        return sent;
    }

    private const int EIo = 5;
    private const int EOpNotSupp = 95;

    private bool SameName(int a, int b)
    {
        uint length = _headers[a].Header.NameLength;
        return length == _headers[b].Header.NameLength
            && new ReadOnlySpan<byte>(_names + (a * NameSize), (int)length).SequenceEqual(new ReadOnlySpan<byte>(_names + (b * NameSize), (int)length));
    }

    /// <summary>Send side: committed datagram <paramref name="index"/> (for transports that do not use sendmmsg).</summary>
    public ReadOnlySpan<byte> Committed(int index)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        return new ReadOnlySpan<byte>(_iov[index].Base, (int)_iov[index].Length);
    }

    /// <summary>Send side: copies the destination of committed datagram <paramref name="index"/> into <paramref name="address"/>.</summary>
    public void CopyDestination(int index, SocketAddress address)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((uint)index, (uint)Count, nameof(index));
        int length = (int)_headers[index].Header.NameLength;
        new ReadOnlySpan<byte>(_names + (index * NameSize), length).CopyTo(address.Buffer.Span);
        address.Size = length;
    }

    /// <summary>Drops every committed datagram without sending.</summary>
    public void Clear()
    {
        Count = 0;
        _used = 0;
    }

    /// <summary>Frees the native memory.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        NativeMemory.Free(_headers);
        NativeMemory.Free(_iov);
        NativeMemory.Free(_names);
        NativeMemory.Free(_data);
        NativeMemory.Free(_control);
        NativeMemory.Free(_gso);
        NativeMemory.Free(_gsoIov);
    }

    /// <summary>The file descriptor of <paramref name="socket"/> (valid while the socket is open).</summary>
    public static int Descriptor(Socket socket) => (int)socket.SafeHandle.DangerousGetHandle();
}
