using System.Collections.Concurrent;
using System.Threading.Channels;
using Jormungandr.Engine;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// A TUN device in memory: <see cref="Inject"/> is the host sending a packet into the tunnel (what the
/// device reads); <see cref="Delivered"/> is what the device wrote out to the host.
/// </summary>
internal sealed class MemoryTun : ITunDevice
{
    private readonly BlockingCollection<byte[]> _outbound = new(boundedCapacity: 4096);
    private readonly CancellationTokenSource _closed = new();
    private int _tryReads;

    public MemoryTun(string name)
    {
        Name = name;
    }

    public string Name { get; }

    public bool Offloads => false;

    /// <summary>Packets the device delivered to the host, in order.</summary>
    public Channel<byte[]> Delivered { get; } = Channel.CreateUnbounded<byte[]>();

    public bool IsDisposed => _closed.IsCancellationRequested;

    /// <summary>How often the device looked for a queued packet without waiting (<see cref="TryRead"/>).</summary>
    public int TryReads => Volatile.Read(ref _tryReads);

    /// <summary>The host sends <paramref name="packet"/> into the tunnel.</summary>
    public void Inject(byte[] packet) => _outbound.Add(packet);

    public int Read(Span<byte> buffer)
    {
        try
        {
            byte[] p = _outbound.Take(_closed.Token);
            p.CopyTo(buffer);
            return p.Length;
        }
        catch (OperationCanceledException)
        {
            return -1;
        }
    }

    public int TryRead(Span<byte> buffer)
    {
        Interlocked.Increment(ref _tryReads);
        if (_closed.IsCancellationRequested)
        {
            return -1;
        }

        if (!_outbound.TryTake(out byte[]? p))
        {
            return 0;
        }

        p.CopyTo(buffer);
        return p.Length;
    }

    public bool Write(ReadOnlySpan<byte> packet) => !_closed.IsCancellationRequested && Delivered.Writer.TryWrite(packet.ToArray());

    public void Write(TcpCoalescer queue) => throw new InvalidOperationException("The memory TUN has no offloads.");

    public void Dispose() => _closed.Cancel();
}
