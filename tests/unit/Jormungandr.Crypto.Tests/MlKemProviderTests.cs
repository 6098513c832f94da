using System.Security.Cryptography;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>The facade's provider choice, and interoperability of the platform provider where the OS has it.</summary>
public class MlKemProviderTests
{
    [Fact]
    public void Facade_picks_platform_when_supported_else_managed()
    {
        Assert.Same(MlKemPlatform.Instance, MlKem.Select(platformSupported: true));
        Assert.Same(MlKemManaged.Instance, MlKem.Select(platformSupported: false));
        Assert.Equal(MLKem.IsSupported ? "platform" : "managed", MlKem.Provider.Name);
    }

    [Fact]
    public void Active_provider_round_trips_ML_KEM_1024()
    {
        var p = MlKemParameterSet.MlKem1024;
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        byte[] ct = new byte[p.CiphertextSize];
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        MlKem.Provider.GenerateKey(p, ek, dk);
        MlKem.Provider.Encapsulate(p, ek, ct, k1);
        MlKem.Provider.Decapsulate(p, dk, ct, k2);
        Assert.Equal(k1, k2);
    }

    [PlatformMlKemFact]
    public void Platform_and_managed_interoperate_in_both_directions()
    {
        foreach (MlKemParameterSet p in MlKemParameterSet.All)
        {
            Interop(p, MlKemPlatform.Instance, MlKemManaged.Instance);
            Interop(p, MlKemManaged.Instance, MlKemPlatform.Instance);
        }
    }

    [PlatformMlKemFact]
    public void Platform_provider_rejects_what_the_managed_checks_reject()
    {
        var p = MlKemParameterSet.MlKem768;
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        MlKemManaged.GenerateKey(p, new byte[32], new byte[32], ek, dk);
        ek[0] = 0xFF;
        ek[1] |= 0x0F;
        dk[(768 * p.K) + 32] ^= 1;
        Assert.Throws<CryptographicException>(() => MlKemPlatform.Instance.Encapsulate(p, ek, new byte[p.CiphertextSize], new byte[32]));
        Assert.Throws<CryptographicException>(() => MlKemPlatform.Instance.Decapsulate(p, dk, new byte[p.CiphertextSize], new byte[32]));
        Assert.Throws<ArgumentException>(() => MlKemPlatform.Instance.Decapsulate(p, dk, new byte[5], new byte[32]));
    }

    private static void Interop(MlKemParameterSet p, IMlKemProvider keyOwner, IMlKemProvider sender)
    {
        byte[] ek = new byte[p.EncapsulationKeySize];
        byte[] dk = new byte[p.DecapsulationKeySize];
        byte[] ct = new byte[p.CiphertextSize];
        byte[] k1 = new byte[32];
        byte[] k2 = new byte[32];
        keyOwner.GenerateKey(p, ek, dk);
        sender.Encapsulate(p, ek, ct, k1);
        keyOwner.Decapsulate(p, dk, ct, k2);
        Assert.Equal(k1, k2);
        sender.Decapsulate(p, dk, ct, k2); // the expanded dk format is the same in both
        Assert.Equal(k1, k2);
    }

    /// <summary>Runs only where System.Security.Cryptography.MLKem is supported (OpenSSL 3.5+, Windows).</summary>
    private sealed class PlatformMlKemFactAttribute : FactAttribute
    {
        public PlatformMlKemFactAttribute()
        {
            Skip = MLKem.IsSupported ? null : "the platform has no ML-KEM (needs OpenSSL 3.5+ or Windows with ML-KEM); only the managed provider runs here";
        }
    }
}
