using Jormungandr.Crypto;
using Jormungandr.Time;

namespace Jormungandr.Protocol;

/// <summary>What a handshake needs from its environment: randomness, time, the verifier, the index table and the deadline.</summary>
public sealed class HandshakeOptions
{
    /// <summary>Randomness for ephemeral KEM keys and indices. Default <see cref="SystemRandom.Instance"/>.</summary>
    public IRandomSource Random { get; set; } = SystemRandom.Instance;

    /// <summary>Monotonic clock for the deadline. Default <see cref="SystemClock.Instance"/>.</summary>
    public IClock Clock { get; set; } = SystemClock.Instance;

    /// <summary>ML-DSA implementation that verifies the peer's signature. Default <see cref="MlDsa.Provider"/>.</summary>
    public IMlDsaProvider Verifier { get; set; } = MlDsa.Provider;

    /// <summary>Where the local session index is reserved (so datagrams find the session); null picks a random one without a table.</summary>
    public SessionTable? Indices { get; set; }

    /// <summary>Deadline of the whole handshake. Default 5 s.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);
}
