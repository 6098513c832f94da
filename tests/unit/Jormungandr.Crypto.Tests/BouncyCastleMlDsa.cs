using Jormungandr.Crypto;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;

namespace Jormungandr.Tests;

/// <summary>BouncyCastle's ML-DSA, the independent implementation our ML-DSA is compared with, on byte arrays.</summary>
internal static class BouncyCastleMlDsa
{
    /// <summary>BouncyCastle's pure ML-DSA parameters for one of ours.</summary>
    public static MLDsaParameters Of(MlDsaParameterSet parameters) => parameters.Name switch
    {
        "ML-DSA-44" => MLDsaParameters.ml_dsa_44,
        "ML-DSA-65" => MLDsaParameters.ml_dsa_65,
        "ML-DSA-87" => MLDsaParameters.ml_dsa_87,
        _ => throw new ArgumentOutOfRangeException(nameof(parameters), parameters.Name, "no BouncyCastle counterpart"),
    };

    /// <summary>BouncyCastle's HashML-DSA parameters with SHA-512, the only pre-hash it offers.</summary>
    public static MLDsaParameters WithSha512(MlDsaParameterSet parameters) => parameters.Name switch
    {
        "ML-DSA-44" => MLDsaParameters.ml_dsa_44_with_sha512,
        "ML-DSA-65" => MLDsaParameters.ml_dsa_65_with_sha512,
        "ML-DSA-87" => MLDsaParameters.ml_dsa_87_with_sha512,
        _ => throw new ArgumentOutOfRangeException(nameof(parameters), parameters.Name, "no BouncyCastle counterpart"),
    };

    /// <summary>KeyGen_internal(ξ): the key pair BouncyCastle expands from the 32-byte seed.</summary>
    public static (byte[] Pk, byte[] Sk) KeyFromSeed(MlDsaParameterSet parameters, byte[] seed)
    {
        MLDsaPrivateKeyParameters key = MLDsaPrivateKeyParameters.FromSeed(Of(parameters), seed);
        return (key.GetPublicKeyEncoded(), key.GetEncoded());
    }

    /// <summary>
    /// ML-DSA.Sign from an encoded secret key: deterministic when <paramref name="rnd"/> is null, else hedged
    /// with exactly these 32 bytes (BouncyCastle draws rnd once per signature from its random source).
    /// </summary>
    public static byte[] Sign(MlDsaParameterSet parameters, byte[] secretKey, byte[] message, byte[] context, byte[]? rnd) =>
        Sign(new MLDsaSigner(Of(parameters), deterministic: rnd is null), MLDsaPrivateKeyParameters.FromEncoding(Of(parameters), secretKey), message, context, rnd);

    /// <summary>ML-DSA.Verify against an encoded public key.</summary>
    public static bool Verify(MlDsaParameterSet parameters, byte[] publicKey, byte[] message, byte[] context, byte[] signature) =>
        Verify(new MLDsaSigner(Of(parameters), deterministic: false), MLDsaPublicKeyParameters.FromEncoding(Of(parameters), publicKey), message, context, signature);

    /// <summary>HashML-DSA.Sign with SHA-512, deterministic when <paramref name="rnd"/> is null.</summary>
    public static byte[] SignSha512(MlDsaParameterSet parameters, byte[] secretKey, byte[] message, byte[] context, byte[]? rnd) =>
        Sign(new HashMLDsaSigner(WithSha512(parameters), deterministic: rnd is null), MLDsaPrivateKeyParameters.FromEncoding(WithSha512(parameters), secretKey), message, context, rnd);

    /// <summary>HashML-DSA.Verify with SHA-512.</summary>
    public static bool VerifySha512(MlDsaParameterSet parameters, byte[] publicKey, byte[] message, byte[] context, byte[] signature) =>
        Verify(new HashMLDsaSigner(WithSha512(parameters), deterministic: false), MLDsaPublicKeyParameters.FromEncoding(WithSha512(parameters), publicKey), message, context, signature);

    private static byte[] Sign(ISigner signer, ICipherParameters key, byte[] message, byte[] context, byte[]? rnd)
    {
        // The signer unwraps the context first, then the random source.
        ICipherParameters withRandom = rnd is null ? key : new ParametersWithRandom(key, ScriptedRandom.Of(rnd));
        signer.Init(true, new ParametersWithContext(withRandom, context));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.GenerateSignature();
    }

    private static bool Verify(ISigner signer, ICipherParameters key, byte[] message, byte[] context, byte[] signature)
    {
        signer.Init(false, new ParametersWithContext(key, context));
        signer.BlockUpdate(message, 0, message.Length);
        return signer.VerifySignature(signature);
    }
}
