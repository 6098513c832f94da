namespace Jormungandr.Engine;

/// <summary>
/// The device's view of a TUN interface: whole IP packets in and out. One thread reads; writes may come
/// from any thread. The Linux implementation is <see cref="Linux.TunDevice"/>; tests use an in-memory one.
/// </summary>
internal interface ITunDevice : IDisposable
{
    /// <summary>The interface name (e.g. <c>snk0</c>).</summary>
    string Name { get; }

    /// <summary>True when received packets may be queued for coalesced writes (<see cref="Write(Linux.TcpCoalescer)"/>).</summary>
    bool Offloads { get; }

    /// <summary>Reads one packet, waiting until one arrives; its length, or -1 once the device is closed.</summary>
    int Read(Span<byte> buffer);

    /// <summary>Reads one packet if one is queued: its length, 0 when none is, or -1 once the device is closed.</summary>
    int TryRead(Span<byte> buffer);

    /// <summary>Writes one whole IP packet; false when it was dropped (queue full, device gone).</summary>
    bool Write(ReadOnlySpan<byte> packet);

    /// <summary>Writes every packet queued in <paramref name="queue"/> (merged where possible) and empties it.</summary>
    void Write(Linux.TcpCoalescer queue);
}
