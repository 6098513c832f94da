using System.Security.Cryptography;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>The facade's choice, and platform/managed agreement where the platform supports ML-DSA.</summary>
public sealed class MlDsaProviderTests
{
    [Fact]
    public void Facade_picks_the_platform_only_when_supported()
    {
        Assert.Equal(MLDsa.IsSupported ? "platform" : "managed", MlDsa.Provider.Name);
    }

    [Fact]
    public void Platform_and_managed_accept_each_others_keys_and_signatures_when_platform_is_supported()
    {
        if (!MlDsaPlatform.IsSupported)
        {
            // Nothing to compare on this OpenSSL; the facade test above pins the managed fallback.
            Assert.Same(MlDsaManaged.Instance, MlDsa.Provider);
            return;
        }

        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        byte[] pk = new byte[p.PublicKeySize];
        byte[] sk = new byte[p.SecretKeySize];
        MlDsaPlatform.Instance.GenerateKey(p, pk, sk);
        Assert.True(MlDsaManaged.KeyPairMatches(p, pk, sk));
        byte[] message = "platform interop"u8.ToArray();
        byte[] context = [1, 2, 3];
        byte[] signature = new byte[p.SignatureSize];
        MlDsaPlatform.Instance.Sign(p, sk, message, context, signature);
        Assert.True(MlDsaManaged.Instance.Verify(p, pk, message, context, signature));
        MlDsaManaged.Instance.Sign(p, sk, message, context, signature);
        Assert.True(MlDsaPlatform.Instance.Verify(p, pk, message, context, signature));
        signature[0] ^= 1;
        Assert.False(MlDsaPlatform.Instance.Verify(p, pk, message, context, signature));
    }
}
