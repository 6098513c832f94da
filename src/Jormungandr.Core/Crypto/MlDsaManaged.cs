namespace Jormungandr.Crypto;

/// <summary>Managed ML-DSA (FIPS 204). PLACEHOLDER: being implemented.</summary>
public sealed class MlDsaManaged : IMlDsaProvider
{
    /// <summary>The shared instance.</summary>
    public static MlDsaManaged Instance { get; } = new();

    /// <inheritdoc />
    public string Name => "managed";

    /// <inheritdoc />
    public void GenerateKey(MlDsaParameterSet parameters, Span<byte> publicKey, Span<byte> secretKey) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Sign(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature, bool deterministic = false) => throw new NotImplementedException();

    /// <inheritdoc />
    public bool Verify(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature) => throw new NotImplementedException();
}
