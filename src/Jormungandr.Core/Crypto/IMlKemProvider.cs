namespace Jormungandr.Crypto;

/// <summary>
/// One implementation of ML-KEM (FIPS 203): the platform's <c>System.Security.Cryptography.MLKem</c>
/// where it is supported, our managed code otherwise. <see cref="MlKem.Provider"/> picks one.
/// All spans must have exactly the sizes of <see cref="MlKemParameterSet"/>; a wrong length throws
/// <see cref="ArgumentException"/>.
/// </summary>
public interface IMlKemProvider
{
    /// <summary>Short name shown by <c>snek version</c> and verbose output, e.g. <c>managed</c>.</summary>
    string Name { get; }

    /// <summary>ML-KEM.KeyGen with fresh randomness.</summary>
    void GenerateKey(MlKemParameterSet parameters, Span<byte> encapsulationKey, Span<byte> decapsulationKey);

    /// <summary>ML-KEM.Encaps with fresh randomness; runs the encapsulation-key input check (§7.2) first.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key fails the modulus check.</exception>
    void Encapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret);

    /// <summary>ML-KEM.Decaps with implicit rejection; runs the decapsulation-key input check (§7.3) first.</summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key fails the hash check.</exception>
    void Decapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret);
}
