using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>
/// ML-DSA through the platform's <see cref="MLDsa"/> (OpenSSL 3.5+, Windows). Keys cross the boundary in the
/// raw FIPS 204 encodings, so files are interchangeable with <see cref="MlDsaManaged"/>. Deterministic signing,
/// which the platform API does not offer, is delegated to the managed code (same output by definition).
/// </summary>
public sealed class MlDsaPlatform : IMlDsaProvider
{
    private MlDsaPlatform()
    {
    }

    /// <summary>The shared instance; use only when <see cref="IsSupported"/>.</summary>
    public static MlDsaPlatform Instance { get; } = new();

    /// <summary>True when the platform implements ML-DSA.</summary>
    public static bool IsSupported => MLDsa.IsSupported;

    /// <inheritdoc />
    public string Name => "platform";

    /// <inheritdoc />
    public void GenerateKey(MlDsaParameterSet parameters, Span<byte> publicKey, Span<byte> secretKey)
    {
        CheckLengths(parameters, publicKey.Length, parameters.PublicKeySize, "public key", nameof(publicKey));
        CheckLengths(parameters, secretKey.Length, parameters.SecretKeySize, "secret key", nameof(secretKey));
        using MLDsa key = MLDsa.GenerateKey(Algorithm(parameters));
        key.ExportMLDsaPublicKey(publicKey);
        key.ExportMLDsaPrivateKey(secretKey);
    }

    /// <inheritdoc />
    public void Sign(MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature, bool deterministic = false)
    {
        if (deterministic)
        {
            MlDsaManaged.Instance.Sign(parameters, secretKey, message, context, signature, deterministic: true);
            return;
        }

        CheckLengths(parameters, secretKey.Length, parameters.SecretKeySize, "secret key", nameof(secretKey));
        CheckLengths(parameters, signature.Length, parameters.SignatureSize, "signature", nameof(signature));
        CheckContext(context);
        using MLDsa key = MLDsa.ImportMLDsaPrivateKey(Algorithm(parameters), secretKey);
        key.SignData(message, signature, context);
    }

    /// <inheritdoc />
    public bool Verify(MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature)
    {
        CheckLengths(parameters, publicKey.Length, parameters.PublicKeySize, "public key", nameof(publicKey));
        CheckLengths(parameters, signature.Length, parameters.SignatureSize, "signature", nameof(signature));
        CheckContext(context);
        using MLDsa key = MLDsa.ImportMLDsaPublicKey(Algorithm(parameters), publicKey);
        return key.VerifyData(message, signature, context);
    }

    private static MLDsaAlgorithm Algorithm(MlDsaParameterSet parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.K switch
        {
            4 => MLDsaAlgorithm.MLDsa44,
            6 => MLDsaAlgorithm.MLDsa65,
            _ => MLDsaAlgorithm.MLDsa87,
        };
    }

    private static void CheckLengths(MlDsaParameterSet parameters, int actual, int expected, string what, string paramName)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (actual != expected)
        {
            throw new ArgumentException($"{parameters.Name} {what} must be {expected} bytes, but {actual} were given.", paramName);
        }
    }

    private static void CheckContext(ReadOnlySpan<byte> context)
    {
        if (context.Length > MlDsaParameterSet.MaxContextLength)
        {
            throw new ArgumentException($"ML-DSA context string must be at most {MlDsaParameterSet.MaxContextLength} bytes, but {context.Length} were given.", nameof(context));
        }
    }
}
