using BenchmarkDotNet.Attributes;
using Jormungandr.Crypto;

namespace Jormungandr.Bench;

/// <summary>One full hybrid P-384 + ML-KEM-1024 exchange: key pair, encapsulation, decapsulation.</summary>
[MemoryDiagnoser]
public class HybridKemBenchmarks
{
    private readonly byte[] _ct = new byte[HybridKem.CiphertextSize];
    private readonly byte[] _ss1 = new byte[HybridKem.SharedSecretSize];
    private readonly byte[] _ss2 = new byte[HybridKem.SharedSecretSize];

    /// <summary>GenerateKeyPair + Encapsulate + Decapsulate with the system CSPRNG.</summary>
    [Benchmark]
    public void Exchange()
    {
        using HybridKeyPair pair = HybridKem.GenerateKeyPair(SystemRandom.Instance);
        HybridKem.Encapsulate(pair.PublicKey, _ct, _ss1, SystemRandom.Instance);
        pair.Decapsulate(_ct, _ss2);
    }
}
