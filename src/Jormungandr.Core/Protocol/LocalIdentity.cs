using System.Security.Cryptography;
using Jormungandr.Crypto;

namespace Jormungandr.Protocol;

/// <summary>Signs <paramref name="message"/> with ML-DSA-65 under <paramref name="context"/> into <paramref name="signature"/> (3309 bytes).</summary>
/// <param name="message">The transcript hash.</param>
/// <param name="context">The protocol context string.</param>
/// <param name="signature">Destination.</param>
public delegate void TranscriptSigner(ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature);

/// <summary>
/// Our side's ML-DSA-65 identity as the handshake sees it: the public key and a way to sign. Built
/// from raw key material (<see cref="FromKeys"/>) or any signer, e.g. <c>new LocalIdentity(id.PublicKey, id.Sign)</c>
/// for a <c>SnekIdentity</c>.
/// </summary>
public sealed class LocalIdentity : IDisposable
{
    private readonly byte[]? _secretKey;

    /// <summary>Wraps a public key and a signer.</summary>
    /// <exception cref="ArgumentException">The public key is not 1952 bytes.</exception>
    public LocalIdentity(ReadOnlySpan<byte> publicKey, TranscriptSigner signer)
    {
        ArgumentNullException.ThrowIfNull(signer);
        if (publicKey.Length != ProtocolConstants.IdentityPublicKeySize)
        {
            throw new ArgumentException("An ML-DSA-65 public key is 1952 bytes.", nameof(publicKey));
        }

        PublicKey = publicKey.ToArray();
        Signer = signer;
    }

    private LocalIdentity(ReadOnlySpan<byte> publicKey, byte[] secretKey, IMlDsaProvider provider, bool deterministic)
        : this(publicKey, (m, c, s) => provider.Sign(MlDsaParameterSet.MlDsa65, secretKey, m, c, s, deterministic))
    {
        _secretKey = secretKey;
    }

    /// <summary>The ML-DSA-65 public key (1952 bytes).</summary>
    public byte[] PublicKey { get; }

    /// <summary>The signer.</summary>
    public TranscriptSigner Signer { get; }

    /// <summary>
    /// An identity from raw ML-DSA-65 keys, signing with <paramref name="provider"/> (default
    /// <see cref="MlDsa.Provider"/>); hedged signatures unless <paramref name="deterministic"/>
    /// (test vectors). The secret key is copied and zeroed on dispose.
    /// </summary>
    public static LocalIdentity FromKeys(ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> secretKey, IMlDsaProvider? provider = null, bool deterministic = false)
    {
        if (secretKey.Length != MlDsaParameterSet.MlDsa65.SecretKeySize)
        {
            throw new ArgumentException("An ML-DSA-65 secret key is 4032 bytes.", nameof(secretKey));
        }

        return new LocalIdentity(publicKey, secretKey.ToArray(), provider ?? MlDsa.Provider, deterministic);
    }

    /// <summary>Zeroes the secret key when this identity holds one.</summary>
    public void Dispose()
    {
        if (_secretKey is not null)
        {
            CryptographicOperations.ZeroMemory(_secretKey);
        }
    }
}
