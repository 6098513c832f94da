using BenchmarkDotNet.Attributes;
using Jormungandr.Crypto;

namespace Jormungandr.Bench;

/// <summary>
/// Managed ML-DSA-65 (identity keys): key generation, hedged signing and verification of a 64-byte message
/// with an empty context, the same operations bench/noble/bench.mjs times for @noble/post-quantum.
/// </summary>
[MemoryDiagnoser]
public class MlDsaBenchmarks
{
    private static readonly MlDsaParameterSet Set = MlDsaParameterSet.MlDsa65;
    private readonly byte[] _publicKey = new byte[Set.PublicKeySize];
    private readonly byte[] _secretKey = new byte[Set.SecretKeySize];
    private readonly byte[] _signature = new byte[Set.SignatureSize];
    private readonly byte[] _message = Enumerable.Repeat((byte)0x5a, 64).ToArray();
    private readonly byte[] _scratchPublicKey = new byte[Set.PublicKeySize];
    private readonly byte[] _scratchSecretKey = new byte[Set.SecretKeySize];
    private readonly byte[] _scratchSignature = new byte[Set.SignatureSize];

    /// <summary>One key pair and one signature to verify.</summary>
    [GlobalSetup]
    public void Setup()
    {
        MlDsaManaged.Instance.GenerateKey(Set, _publicKey, _secretKey);
        MlDsaManaged.Instance.Sign(Set, _secretKey, _message, [], _signature);
    }

    /// <summary>ML-DSA-65 KeyGen from fresh randomness.</summary>
    [Benchmark]
    public void KeyGen() => MlDsaManaged.Instance.GenerateKey(Set, _scratchPublicKey, _scratchSecretKey);

    /// <summary>ML-DSA-65 hedged Sign.</summary>
    [Benchmark]
    public void Sign() => MlDsaManaged.Instance.Sign(Set, _secretKey, _message, [], _scratchSignature);

    /// <summary>ML-DSA-65 Verify of a valid signature.</summary>
    [Benchmark]
    public bool Verify() => MlDsaManaged.Instance.Verify(Set, _publicKey, _message, [], _signature);
}
