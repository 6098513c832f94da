using Jormungandr.Crypto;
using Org.BouncyCastle.Crypto.Kems;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace Jormungandr.Tests;

/// <summary>BouncyCastle's ML-KEM, the independent implementation our ML-KEM is compared with, on byte arrays.</summary>
internal static class BouncyCastleMlKem
{
    /// <summary>BouncyCastle's parameters for one of ours.</summary>
    public static MLKemParameters Of(MlKemParameterSet parameters) => parameters.Name switch
    {
        "ML-KEM-512" => MLKemParameters.ml_kem_512,
        "ML-KEM-768" => MLKemParameters.ml_kem_768,
        "ML-KEM-1024" => MLKemParameters.ml_kem_1024,
        _ => throw new ArgumentOutOfRangeException(nameof(parameters), parameters.Name, "no BouncyCastle counterpart"),
    };

    /// <summary>KeyGen_internal(d, z): BouncyCastle takes the 64-byte seed d ‖ z.</summary>
    public static (byte[] Ek, byte[] Dk) KeyFromSeed(MlKemParameterSet parameters, byte[] d, byte[] z)
    {
        MLKemPrivateKeyParameters key = MLKemPrivateKeyParameters.FromSeed(Of(parameters), [.. d, .. z]);
        return (key.GetPublicKeyEncoded(), key.GetEncoded());
    }

    /// <summary>Encaps with the 32-byte m drawn from <paramref name="random"/>. BouncyCastle runs the modulus check (§7.2) on the key.</summary>
    /// <exception cref="ArgumentException">BouncyCastle refused the encapsulation key.</exception>
    public static (byte[] Ciphertext, byte[] SharedSecret) Encapsulate(MlKemParameterSet parameters, byte[] encapsulationKey, SecureRandom random)
    {
        MLKemEncapsulator encapsulator = new(Of(parameters));
        encapsulator.Init(new ParametersWithRandom(MLKemPublicKeyParameters.FromEncoding(Of(parameters), encapsulationKey), random));
        byte[] ciphertext = new byte[encapsulator.EncapsulationLength];
        byte[] secret = new byte[encapsulator.SecretLength];
        encapsulator.Encapsulate(ciphertext, secret);
        return (ciphertext, secret);
    }

    /// <summary>Decaps with implicit rejection. BouncyCastle runs the hash check (§7.3) on the key.</summary>
    /// <exception cref="ArgumentException">BouncyCastle refused the decapsulation key.</exception>
    public static byte[] Decapsulate(MlKemParameterSet parameters, byte[] decapsulationKey, byte[] ciphertext)
    {
        MLKemDecapsulator decapsulator = new(Of(parameters));
        decapsulator.Init(MLKemPrivateKeyParameters.FromEncoding(Of(parameters), decapsulationKey));
        byte[] secret = new byte[decapsulator.SecretLength];
        decapsulator.Decapsulate(ciphertext, secret);
        return secret;
    }
}
