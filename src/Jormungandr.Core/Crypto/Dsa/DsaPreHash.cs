using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Digests;

namespace Jormungandr.Crypto.Dsa;

/// <summary>
/// The pre-hash functions HashML-DSA accepts (FIPS 204 §5.4): their DER OIDs and digests. BouncyCastle
/// supplies the SHA-2/SHA-3 variants .NET lacks (SHA-224, SHA-512/t, SHA3-224/384).
/// </summary>
internal static class DsaPreHash
{
    /// <summary>Length of the DER-encoded hash OID (06 09 60 86 48 01 65 03 04 02 xx).</summary>
    public const int OidLength = 11;

    /// <summary>Writes the OID for an ACVP hash name; false for an unknown name.</summary>
    public static bool TryGetOid(string hashAlgorithm, Span<byte> oid)
    {
        byte last = hashAlgorithm switch
        {
            "SHA2-224" => 0x04,
            "SHA2-256" => 0x01,
            "SHA2-384" => 0x02,
            "SHA2-512" => 0x03,
            "SHA2-512/224" => 0x05,
            "SHA2-512/256" => 0x06,
            "SHA3-224" => 0x07,
            "SHA3-256" => 0x08,
            "SHA3-384" => 0x09,
            "SHA3-512" => 0x0A,
            "SHAKE-128" => 0x0B,
            "SHAKE-256" => 0x0C,
            _ => 0,
        };
        if (last == 0)
        {
            return false;
        }

        ReadOnlySpan<byte> prefix = [0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02];
        prefix.CopyTo(oid);
        oid[10] = last;
        return true;
    }

    /// <summary>PH(M): SHAKE-128 gives 32 bytes, SHAKE-256 64 bytes, the others their natural length.</summary>
    public static byte[] Digest(string hashAlgorithm, ReadOnlySpan<byte> message)
    {
        byte[] input = message.ToArray();
        if (hashAlgorithm is "SHAKE-128" or "SHAKE-256")
        {
            int bits = hashAlgorithm == "SHAKE-128" ? 128 : 256;
            var shake = new ShakeDigest(bits);
            shake.BlockUpdate(input, 0, input.Length);
            byte[] xofOut = new byte[bits / 4];
            shake.OutputFinal(xofOut, 0, xofOut.Length);
            return xofOut;
        }

        IDigest digest = hashAlgorithm switch
        {
            "SHA2-224" => new Sha224Digest(),
            "SHA2-256" => new Sha256Digest(),
            "SHA2-384" => new Sha384Digest(),
            "SHA2-512" => new Sha512Digest(),
            "SHA2-512/224" => new Sha512tDigest(224),
            "SHA2-512/256" => new Sha512tDigest(256),
            "SHA3-224" => new Sha3Digest(224),
            "SHA3-256" => new Sha3Digest(256),
            "SHA3-384" => new Sha3Digest(384),
            "SHA3-512" => new Sha3Digest(512),
            _ => throw new ArgumentException($"Unsupported HashML-DSA pre-hash '{hashAlgorithm}'.", nameof(hashAlgorithm)),
        };
        digest.BlockUpdate(input, 0, input.Length);
        byte[] output = new byte[digest.GetDigestSize()];
        digest.DoFinal(output, 0);
        return output;
    }
}
