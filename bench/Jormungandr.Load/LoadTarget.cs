using System.Net;
using Jormungandr.Protocol;

namespace Jormungandr.Load;

/// <summary>Where the simulated clients connect and what they accept: the server's ports, pinned key and session settings.</summary>
internal sealed class LoadTarget(IPEndPoint keyPort, IPEndPoint dataPort, IPeerKeyPolicy serverPolicy, int maxHandshaking) : IDisposable
{
    public IPEndPoint KeyPort { get; } = keyPort;

    public IPEndPoint DataPort { get; } = dataPort;

    public IPeerKeyPolicy ServerPolicy { get; } = serverPolicy;

    public SessionOptions SessionOptions { get; } = new();

    /// <summary>Bounds the client handshakes in flight in this process (null: unbounded).</summary>
    public SemaphoreSlim? Handshaking { get; } = maxHandshaking > 0 ? new SemaphoreSlim(maxHandshaking, maxHandshaking) : null;

    public void Dispose() => Handshaking?.Dispose();
}
