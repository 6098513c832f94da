using Jormungandr.Engine.Linux;
using Jormungandr.Protocol;

namespace Jormungandr.Engine;

/// <summary>
/// Where a UDP receive thread opens each packet and how the packet reaches the TUN. With offloads the
/// packet is opened straight into a <see cref="TcpCoalescer"/> and written, TCP runs merged, when the
/// receive batch ends (<see cref="Flush"/>); without, it is opened into a pinned buffer and written at once.
/// One per receive thread (each receive thread serves one tunnel), so nothing here is shared.
/// </summary>
internal sealed class TunDelivery
{
    [ThreadStatic]
    private static TunDelivery? t_current;

    private readonly TcpCoalescer? _queue;
    private readonly byte[]? _buffer;

    private TunDelivery(bool offloads)
    {
        if (offloads)
        {
            _queue = new TcpCoalescer();
        }
        else
        {
            _buffer = GC.AllocateArray<byte>(ProtocolConstants.MaxPacketSize, pinned: true);
        }
    }

    /// <summary>The calling receive thread's delivery for <paramref name="tun"/>.</summary>
    public static TunDelivery For(TunDevice tun) => t_current ??= new TunDelivery(tun.Offloads);

    /// <summary>Space to open the next packet into (at least <see cref="ProtocolConstants.MaxPacketSize"/> bytes).</summary>
    public Span<byte> Next(TunDevice tun)
    {
        if (_queue is null)
        {
            return _buffer;
        }

        if (!_queue.HasRoom)
        {
            tun.Write(_queue);
        }

        return _queue.Free;
    }

    /// <summary>Delivers the <paramref name="length"/>-byte packet just opened at the start of <see cref="Next"/>.</summary>
    public void Deliver(TunDevice tun, int length)
    {
        if (_queue is null)
        {
            tun.Write(_buffer.AsSpan(0, length));
        }
        else
        {
            _queue.Commit(length);
        }
    }

    /// <summary>At the end of a receive batch: writes what the calling thread queued.</summary>
    public static void Flush(TunDevice tun)
    {
        if (t_current?._queue is { Count: > 0 } queue)
        {
            tun.Write(queue);
        }
    }
}
