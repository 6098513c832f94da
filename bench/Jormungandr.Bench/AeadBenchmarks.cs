using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Jormungandr.Crypto;

namespace Jormungandr.Bench;

/// <summary>
/// Seal+open of one data-packet-sized message with .NET's ChaCha20Poly1305 (OpenSSL) and with the managed
/// one, per size: where the managed path's lack of per-call overhead beats OpenSSL's vector code. Picks
/// Session's small-packet threshold (warm numbers; cold, after an idle thread, OpenSSL costs far more).
/// </summary>
[MemoryDiagnoser]
public class AeadBenchmarks
{
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _tag = new byte[16];
    private readonly byte[] _ad = new byte[16];
    private ChaCha20Poly1305 _platform = null!;
    private ChaCha20Poly1305Managed _managed = null!;
    private byte[] _buffer = null!;

    /// <summary>Plaintext size in bytes.</summary>
    [Params(64, 128, 256, 512, 1024, 1424)]
    public int Size { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        _platform = new ChaCha20Poly1305(key);
        _managed = new ChaCha20Poly1305Managed(key);
        _buffer = RandomNumberGenerator.GetBytes(Size);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _platform.Dispose();
        _managed.Dispose();
    }

    [Benchmark(Baseline = true)]
    public void Platform()
    {
        _platform.Encrypt(_nonce, _buffer, _buffer, _tag, _ad);
        _platform.Decrypt(_nonce, _buffer, _tag, _buffer, _ad);
    }

    [Benchmark]
    public bool Managed()
    {
        _managed.Encrypt(_nonce, _buffer, _buffer, _tag, _ad);
        return _managed.TryDecrypt(_nonce, _buffer, _tag, _buffer, _ad);
    }
}
