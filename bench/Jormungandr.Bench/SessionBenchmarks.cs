using System.Buffers.Binary;
using System.Security.Cryptography;
using BenchmarkDotNet.Attributes;
using Jormungandr.Protocol;
using Jormungandr.Time;

namespace Jormungandr.Bench;

/// <summary>
/// Sealing and opening a 1400-byte IP packet through <see cref="Session"/> next to the raw
/// <see cref="ChaCha20Poly1305"/> cost of the same work, in one run. Target: within 25% of raw, 0 B allocated.
/// <c>dotnet run -c Release --project bench/Jormungandr.Bench -- --filter '*SessionBenchmarks*'</c>.
/// </summary>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private const int PacketSize = 1400;
    private readonly byte[] _packet = new byte[PacketSize];
    private readonly byte[] _datagram = new byte[2048];
    private readonly byte[] _plain = new byte[65535];
    private readonly int[] _lengths = new int[4];
    private readonly byte[] _nonce = new byte[12];
    private readonly byte[] _header = new byte[16];
    private readonly byte[] _tag = new byte[16];
    private ChaCha20Poly1305 _rawSend = null!;
    private ChaCha20Poly1305 _rawReceive = null!;
    private Session _client = null!;
    private Session _server = null!;
    private Session _clientPadded = null!;
    private Session _serverPadded = null!;
    private ulong _rawCounter;

    /// <summary>Keys, sessions and a valid IPv4 packet.</summary>
    [GlobalSetup]
    public void Setup()
    {
        byte[] i2r = new byte[32];
        byte[] r2i = new byte[32];
        RandomNumberGenerator.Fill(i2r);
        RandomNumberGenerator.Fill(r2i);
        byte[] peer = new byte[ProtocolConstants.IdentityPublicKeySize];
        var options = new SessionOptions { Padding = false, RejectAfterTime = TimeSpan.FromDays(365), RekeyAfterTime = TimeSpan.FromDays(365), SessionTimeout = TimeSpan.FromDays(365) };
        using var ck = new SessionKeys(1, 2, true, i2r, r2i, peer);
        using var sk = new SessionKeys(2, 1, false, r2i, i2r, peer);
        _client = new Session(ck, options, SystemClock.Instance);
        _server = new Session(sk, options, SystemClock.Instance);
        var padded = new SessionOptions { Padding = true, RejectAfterTime = options.RejectAfterTime, RekeyAfterTime = options.RekeyAfterTime, SessionTimeout = options.SessionTimeout };
        _clientPadded = new Session(ck, padded, SystemClock.Instance);
        _serverPadded = new Session(sk, padded, SystemClock.Instance);
        _rawSend = new ChaCha20Poly1305(i2r);
        _rawReceive = new ChaCha20Poly1305(i2r);
        _packet[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(_packet.AsSpan(2), PacketSize);
    }

    /// <summary>Disposes keys.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _client.Dispose();
        _server.Dispose();
        _clientPadded.Dispose();
        _serverPadded.Dispose();
        _rawSend.Dispose();
        _rawReceive.Dispose();
    }

    /// <summary>Raw AEAD: encrypt and decrypt 1400 bytes with a 16-byte header as associated data.</summary>
    [Benchmark(Baseline = true)]
    public int RawChaCha20Poly1305SealOpen()
    {
        BinaryPrimitives.WriteUInt64BigEndian(_nonce.AsSpan(4), _rawCounter++);
        Span<byte> ciphertext = _datagram.AsSpan(16, PacketSize);
        _rawSend.Encrypt(_nonce, _packet, ciphertext, _tag, _header);
        _rawReceive.Decrypt(_nonce, ciphertext, _tag, _plain.AsSpan(0, PacketSize), _header);
        return _plain[0];
    }

    /// <summary>Session.Seal then Session.Open of one 1400-byte IPv4 packet (header, counter, replay window, validation).</summary>
    [Benchmark]
    public int SessionSealOpen()
    {
        SealResult sealedResult = _client.Seal(_packet, _datagram, _lengths);
        OpenResult opened = _server.Open(_datagram.AsSpan(0, _lengths[0]), _plain);
        return sealedResult.Count + opened.Length;
    }

    /// <summary>Same with size-bucket padding on (1400 bytes pads to the datagram maximum).</summary>
    [Benchmark]
    public int SessionSealOpenPadded()
    {
        SealResult sealedResult = _clientPadded.Seal(_packet, _datagram, _lengths);
        OpenResult opened = _serverPadded.Open(_datagram.AsSpan(0, _lengths[0]), _plain);
        return sealedResult.Count + opened.Length;
    }
}
