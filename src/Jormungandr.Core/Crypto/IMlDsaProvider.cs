namespace Jormungandr.Crypto;

/// <summary>
/// One implementation of ML-DSA (FIPS 204), pure (non-prehash) interface with a context string:
/// the platform's <c>System.Security.Cryptography.MLDsa</c> where supported, managed code otherwise.
/// <see cref="MlDsa.Provider"/> picks one. Wrong span lengths or a context over 255 bytes throw
/// <see cref="ArgumentException"/>.
/// </summary>
public interface IMlDsaProvider
{
    /// <summary>Short name shown by <c>snek version</c> and verbose output, e.g. <c>managed</c>.</summary>
    string Name { get; }

    /// <summary>ML-DSA.KeyGen with fresh randomness.</summary>
    void GenerateKey(MlDsaParameterSet parameters, Span<byte> publicKey, Span<byte> secretKey);

    /// <summary>ML-DSA.Sign (Algorithm 2): hedged by default, deterministic when asked.</summary>
    void Sign(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature, bool deterministic = false);

    /// <summary>ML-DSA.Verify (Algorithm 3). Returns false, never throws, for a wrong signature of the right length.</summary>
    bool Verify(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature);
}
