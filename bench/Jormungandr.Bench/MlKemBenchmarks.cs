using BenchmarkDotNet.Attributes;
using Jormungandr.Crypto;

namespace Jormungandr.Bench;

/// <summary>Managed ML-KEM-1024 (FIPS 203): KeyGen, Encaps, Decaps, as compared with @noble/post-quantum.</summary>
[MemoryDiagnoser]
public class MlKemBenchmarks
{
    private static readonly MlKemParameterSet P = MlKemParameterSet.MlKem1024;
    private readonly byte[] _d = new byte[32];
    private readonly byte[] _z = new byte[32];
    private readonly byte[] _m = new byte[32];
    private readonly byte[] _ek = new byte[P.EncapsulationKeySize];
    private readonly byte[] _dk = new byte[P.DecapsulationKeySize];
    private readonly byte[] _ct = new byte[P.CiphertextSize];
    private readonly byte[] _ss = new byte[32];

    /// <summary>Fixed seeds and one valid key and ciphertext.</summary>
    [GlobalSetup]
    public void Setup()
    {
        new Random(1024).NextBytes(_d);
        new Random(2048).NextBytes(_z);
        new Random(4096).NextBytes(_m);
        MlKemManaged.GenerateKey(P, _d, _z, _ek, _dk);
        MlKemManaged.Encapsulate(P, _ek, _m, _ct, _ss);
    }

    /// <summary>ML-KEM-1024 KeyGen_internal(d, z).</summary>
    [Benchmark]
    public void KeyGen() => MlKemManaged.GenerateKey(P, _d, _z, _ek, _dk);

    /// <summary>ML-KEM-1024 Encaps_internal(ek, m), including the modulus check.</summary>
    [Benchmark]
    public void Encaps() => MlKemManaged.Encapsulate(P, _ek, _m, _ct, _ss);

    /// <summary>ML-KEM-1024 Decaps(dk, c), including the hash check and re-encryption.</summary>
    [Benchmark]
    public void Decaps() => MlKemManaged.Instance.Decapsulate(P, _dk, _ct, _ss);
}
