using Jormungandr.Engine.Linux;
using Jormungandr.Protocol;

namespace Jormungandr.Engine;

/// <summary>
/// Where a UDP receive thread opens each packet and how the packet reaches the TUN. With offloads the
/// packet is opened straight into a <see cref="TcpCoalescer"/> and written, TCP runs merged, when the
/// receive batch ends (<see cref="Flush"/>); without, it is opened into a pinned buffer and written at once.
/// One per receive loop (owned by that loop's receiver), so nothing here is shared.
/// </summary>
internal sealed class TunDelivery
{
    private readonly TcpCoalescer? _queue;
    private readonly byte[]? _buffer;

    /// <summary>Delivery for a TUN with (<paramref name="offloads"/>) or without coalesced writes.</summary>
    public TunDelivery(bool offloads)
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

    /// <summary>Space to open the next packet into (at least <see cref="ProtocolConstants.MaxPacketSize"/> bytes).</summary>
    public Span<byte> Next(ITunDevice tun)
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
    public void Deliver(ITunDevice tun, int length)
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

    /// <summary>At the end of a receive batch: writes what this loop queued.</summary>
    public void Flush(ITunDevice tun)
    {
        if (_queue is { Count: > 0 } queue)
        {
            tun.Write(queue);
        }
    }
}
