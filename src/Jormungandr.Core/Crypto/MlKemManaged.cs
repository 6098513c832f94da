namespace Jormungandr.Crypto;

/// <summary>Managed ML-KEM (FIPS 203). PLACEHOLDER: being implemented.</summary>
public sealed class MlKemManaged : IMlKemProvider
{
    /// <summary>The shared instance.</summary>
    public static MlKemManaged Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "managed";

    /// <inheritdoc />
    public void GenerateKey(MlKemParameterSet parameters, Span<byte> encapsulationKey, Span<byte> decapsulationKey) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Encapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> encapsulationKey, Span<byte> ciphertext, Span<byte> sharedSecret) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Decapsulate(MlKemParameterSet parameters, ReadOnlySpan<byte> decapsulationKey, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret) => throw new NotImplementedException();
}
