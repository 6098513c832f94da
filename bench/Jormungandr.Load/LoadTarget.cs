using System.Net;
using Jormungandr.Crypto;
using Jormungandr.Protocol;

namespace Jormungandr.Load;

/// <summary>Where the simulated clients connect and what they accept: the server's ports, pinned key and session settings.</summary>
internal sealed class LoadTarget(IPEndPoint keyPort, IPEndPoint dataPort, IPeerKeyPolicy serverPolicy, int maxHandshaking, bool jitter) : IDisposable
{
    public IPEndPoint KeyPort { get; } = keyPort;

    public IPEndPoint DataPort { get; } = dataPort;

    public IPeerKeyPolicy ServerPolicy { get; } = serverPolicy;

    public SessionOptions SessionOptions { get; } = new();

    /// <summary>Randomness of the reconnect delays: the system's, or always the top of the step (no jitter).</summary>
    public IRandomSource BackoffRandom { get; } = jitter ? SystemRandom.Instance : new NoJitter();

    /// <summary>Bounds the client handshakes in flight in this process (null: unbounded).</summary>
    public SemaphoreSlim? Handshaking { get; } = maxHandshaking > 0 ? new SemaphoreSlim(maxHandshaking, maxHandshaking) : null;

    public void Dispose() => Handshaking?.Dispose();
}

/// <summary>All ones: every reconnect delay is the full step.</summary>
internal sealed class NoJitter : IRandomSource
{
    public void Fill(Span<byte> destination) => destination.Fill(0xFF);
}
