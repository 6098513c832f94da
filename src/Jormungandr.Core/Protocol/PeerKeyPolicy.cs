using System.Collections.Concurrent;
using System.Security.Cryptography;

namespace Jormungandr.Protocol;

/// <summary>
/// Decides whether a peer's ML-DSA-65 public key is acceptable: the server's authorized client keys,
/// the client's pinned server key or trusted directory. Consulted before the signature is verified.
/// </summary>
public interface IPeerKeyPolicy
{
    /// <summary>True when the peer with this public key may complete a handshake.</summary>
    bool IsAcceptable(ReadOnlySpan<byte> publicKey);
}

/// <summary>A thread-safe set of accepted public keys (by SHA-256), e.g. one pinned server key or a directory of client keys.</summary>
public sealed class PinnedKeys : IPeerKeyPolicy
{
    private readonly ConcurrentDictionary<string, byte> _fingerprints = new(StringComparer.Ordinal);

    /// <summary>Creates the set with the given keys.</summary>
    public PinnedKeys(params byte[][] publicKeys)
    {
        ArgumentNullException.ThrowIfNull(publicKeys);
        foreach (byte[] key in publicKeys)
        {
            Add(key);
        }
    }

    /// <summary>Number of keys.</summary>
    public int Count => _fingerprints.Count;

    /// <summary>Adds a key.</summary>
    public void Add(ReadOnlySpan<byte> publicKey) => _fingerprints[Hash(publicKey)] = 0;

    /// <summary>Removes a key; false when absent.</summary>
    public bool Remove(ReadOnlySpan<byte> publicKey) => _fingerprints.TryRemove(Hash(publicKey), out _);

    /// <summary>Removes every key.</summary>
    public void Clear() => _fingerprints.Clear();

    /// <inheritdoc />
    public bool IsAcceptable(ReadOnlySpan<byte> publicKey) => _fingerprints.ContainsKey(Hash(publicKey));

    private static string Hash(ReadOnlySpan<byte> key) => Convert.ToHexString(SHA256.HashData(key));
}
