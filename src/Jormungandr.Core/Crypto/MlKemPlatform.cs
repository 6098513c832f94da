using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// ML-KEM through the platform's <see cref="MLKem"/> (OpenSSL 3.5+, Windows CNG). Used only where
/// <see cref="MLKem.IsSupported"/>; runs the same FIPS 203 §7 input checks as the managed code first,
/// so both providers accept and reject the same keys.
/// </summary>
internal sealed class MlKemPlatform : IMlKemProvider
{
    private MlKemPlatform()
    {
    }

    /// <summary>The shared instance.</summary>
    public static MlKemPlatform Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "platform";

    /// <inheritdoc />
    public void GenerateKey(MlKemParameterSet parameters, Span<byte> encapsulationKey, Span<byte> decapsulationKey)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MlKemManaged.RequireLength(encapsulationKey, parameters.EncapsulationKeySize, parameters, nameof(encapsulationKey));
        MlKemManaged.RequireLength(decapsulationKey, parameters.DecapsulationKeySize, parameters, nameof(decapsulationKey));
        using MLKem key = MLKem.GenerateKey(Algorithm(parameters));
        key.ExportEncapsulationKey(encapsulationKey);
        key.ExportDecapsulationKey(decapsulationKey);
    }

    /// <inheritdoc />
    public void Encapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MlKemManaged.RequireLength(encapsulationKey, parameters.EncapsulationKeySize, parameters, nameof(encapsulationKey));
        MlKemManaged.RequireLength(ciphertext, parameters.CiphertextSize, parameters, nameof(ciphertext));
        MlKemManaged.RequireLength(sharedSecret, MlKemParameterSet.SharedSecretSize, parameters, nameof(sharedSecret));
        if (!MlKemManaged.CheckEncapsulationKey(parameters, encapsulationKey))
        {
            throw new CryptographicException($"{parameters.Name} encapsulation key rejected: a coefficient is not reduced modulo q (FIPS 203 §7.2 modulus check).");
        }

        using MLKem key = MLKem.ImportEncapsulationKey(Algorithm(parameters), encapsulationKey);
        key.Encapsulate(ciphertext, sharedSecret);
    }

    /// <inheritdoc />
    public void Decapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        MlKemManaged.RequireLength(decapsulationKey, parameters.DecapsulationKeySize, parameters, nameof(decapsulationKey));
        MlKemManaged.RequireLength(ciphertext, parameters.CiphertextSize, parameters, nameof(ciphertext));
        MlKemManaged.RequireLength(sharedSecret, MlKemParameterSet.SharedSecretSize, parameters, nameof(sharedSecret));
        if (!MlKemManaged.CheckDecapsulationKey(parameters, decapsulationKey))
        {
            throw new CryptographicException($"{parameters.Name} decapsulation key rejected: the embedded H(ek) does not match the embedded ek (FIPS 203 §7.3 hash check).");
        }

        using MLKem key = MLKem.ImportDecapsulationKey(Algorithm(parameters), decapsulationKey);
        key.Decapsulate(ciphertext, sharedSecret);
    }

    private static MLKemAlgorithm Algorithm(MlKemParameterSet parameters) => parameters.K switch
    {
        2 => MLKemAlgorithm.MLKem512,
        3 => MLKemAlgorithm.MLKem768,
        _ => MLKemAlgorithm.MLKem1024,
    };
}
