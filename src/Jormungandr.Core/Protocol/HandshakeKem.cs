using System.Security.Cryptography;
using Jormungandr.Crypto;

namespace Jormungandr.Protocol;

/// <summary>The handshake's key exchange: the foundation's hybrid P-384 + ML-KEM-1024 combiner.</summary>
internal static class HandshakeKem
{
    public static HybridKeyPair Generate(IRandomSource random) => HybridKem.GenerateKeyPair(random);

    /// <summary>Encapsulates to the initiator's key; a malformed key becomes a <see cref="ProtocolException"/>.</summary>
    public static void Encapsulate(ReadOnlySpan<byte> publicKey, Span<byte> ciphertext, Span<byte> sharedSecret, IRandomSource random)
    {
        try
        {
            HybridKem.Encapsulate(publicKey, ciphertext, sharedSecret, random);
        }
        catch (CryptographicException e)
        {
            throw new ProtocolException(ProtocolError.DecryptionFailed, "The initiator's KEM public key is malformed: " + e.Message);
        }
    }

    /// <summary>Decapsulates the responder's ciphertext; a malformed one becomes a <see cref="ProtocolException"/>.</summary>
    public static void Decapsulate(HybridKeyPair keyPair, ReadOnlySpan<byte> ciphertext, Span<byte> sharedSecret)
    {
        try
        {
            keyPair.Decapsulate(ciphertext, sharedSecret);
        }
        catch (CryptographicException e)
        {
            throw new ProtocolException(ProtocolError.DecryptionFailed, "The responder's KEM ciphertext is malformed: " + e.Message);
        }
    }
}
