using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// A static hybrid key pair (P-384 + ML-KEM-1024) made by <see cref="HybridKem.GenerateKeyPair"/>.
/// Dispose it to wipe the ML-KEM decapsulation key and release the P-384 key.
/// </summary>
public sealed class HybridKeyPair : IDisposable
{
    private readonly ECDiffieHellman _ecdh;
    private readonly byte[] _publicKey;
    private readonly byte[] _decapsulationKey;
    private bool _disposed;

    internal HybridKeyPair(ECDiffieHellman ecdh, byte[] publicKey, byte[] decapsulationKey)
    {
        _ecdh = ecdh;
        _publicKey = publicKey;
        _decapsulationKey = decapsulationKey;
    }

    /// <summary>The public key: P-384 point ‖ ML-KEM-1024 ek, <see cref="HybridKem.PublicKeySize"/> bytes.</summary>
    public ReadOnlySpan<byte> PublicKey => _publicKey;

    /// <summary>The ML-KEM-1024 decapsulation key (tests and diagnostics only).</summary>
    internal ReadOnlySpan<byte> DecapsulationKey => _decapsulationKey;

    /// <summary>
    /// Recovers the shared secret from a ciphertext made by <see cref="HybridKem.Encapsulate"/>.
    /// A tampered ML-KEM half yields an unrelated secret (implicit rejection), not an exception.
    /// </summary>
    /// <exception cref="ArgumentException">A span does not have its exact size.</exception>
    /// <exception cref="CryptographicException">The ciphertext's P-384 point is malformed or not on the curve.</exception>
    /// <exception cref="ObjectDisposedException">The key pair was disposed.</exception>
    public void Decapsulate(ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        HybridKem.RequireLength(ciphertext, HybridKem.CiphertextSize, nameof(ciphertext));
        HybridKem.RequireLength(sharedSecret, HybridKem.SharedSecretSize, nameof(sharedSecret));

        using ECDiffieHellman peer = HybridKem.ImportPoint(ciphertext[..HybridKem.PointSize], "ciphertext");
        Span<byte> ssKem = stackalloc byte[32];
        byte[]? ssEcdh = null;
        try
        {
            ssEcdh = HybridKem.DeriveX(_ecdh, peer);
            MlKem.Provider.Decapsulate(HybridKem.KemParameters, _decapsulationKey, ciphertext[HybridKem.PointSize..], ssKem);
            HybridKem.Combine(ssEcdh, ssKem, _publicKey, ciphertext, sharedSecret);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(ssKem);
            if (ssEcdh is not null)
            {
                CryptographicOperations.ZeroMemory(ssEcdh);
            }
        }
    }

    /// <summary>Wipes the decapsulation key and releases the P-384 key.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        CryptographicOperations.ZeroMemory(_decapsulationKey);
        _ecdh.Dispose();
    }
}
