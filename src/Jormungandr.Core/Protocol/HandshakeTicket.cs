using System.Net;

namespace Jormungandr.Protocol;

/// <summary>
/// One responder handshake admitted by <see cref="HandshakeLimiter"/>: hand it back to
/// <see cref="HandshakeLimiter.Responded"/> once the Response is sent and to <see cref="HandshakeLimiter.End"/>
/// when the handshake is over. <see cref="Evicted"/> fires when a newcomer took its slot; the engine
/// then abandons the handshake and closes its connection.
/// </summary>
public sealed class HandshakeTicket : IDisposable
{
    private readonly CancellationTokenSource _evicted = new();

    internal HandshakeTicket(IPAddress prefix, TimeSpan admitted)
    {
        Prefix = prefix;
        Admitted = admitted;
    }

    /// <summary>The source prefix it counts against (IPv4 /24, IPv6 /48).</summary>
    public IPAddress Prefix { get; }

    /// <summary>Monotonic time of admission.</summary>
    public TimeSpan Admitted { get; }

    /// <summary>Monotonic time the Response went out; null before, and again once the Authentication arrived (not evictable then).</summary>
    public TimeSpan? RespondedAt { get; internal set; }

    /// <summary>Cancelled when the slot was given to a newcomer.</summary>
    public CancellationToken Evicted => _evicted.Token;

    /// <summary>True once evicted.</summary>
    public bool IsEvicted => _evicted.IsCancellationRequested;

    internal bool Ended { get; set; }

    /// <summary>Releases the eviction token.</summary>
    public void Dispose() => _evicted.Dispose();

    // Called outside the limiter's lock: cancellation runs the engine's callbacks synchronously.
    internal void Evict()
    {
        try
        {
            _evicted.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
