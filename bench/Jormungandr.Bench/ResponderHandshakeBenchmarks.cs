using BenchmarkDotNet.Attributes;
using Jormungandr.Crypto;
using Jormungandr.Protocol;

namespace Jormungandr.Bench;

/// <summary>
/// The server's CPU per handshake, in its two halves: Initiation → Response (hybrid encapsulation,
/// ML-DSA signature) and Authentication → Confirmation (ML-DSA verify, key schedule). The client's
/// work runs in the iteration setup, unmeasured; server CPU per handshake is the sum of the two means.
/// <see cref="P384"/> selects the P-384 path: .NET's ECDiffieHellman (as before), OpenSSL's EVP with the
/// ephemeral key generated inline (all the CPU of a handshake on this thread), or pooled (generated
/// ahead on a background thread: the critical path only).
/// </summary>
[MemoryDiagnoser]
public class ResponderHandshakeBenchmarks
{
    private const int Batch = 16;
    private readonly InitiatorHandshake[] _initiators = new InitiatorHandshake[Batch];
    private readonly ResponderHandshake[] _responders = new ResponderHandshake[Batch];
    private readonly byte[][] _initiations = new byte[Batch][];
    private readonly byte[][] _authentications = new byte[Batch][];
    private LocalIdentity _server = null!;
    private LocalIdentity _client = null!;
    private PinnedKeys _serverPin = null!;
    private PinnedKeys _clientPin = null!;

    /// <summary>The P-384 implementation under test.</summary>
    public enum P384Path
    {
        /// <summary>.NET ECDiffieHellman: full validation of every key.</summary>
        DotNet,

        /// <summary>OpenSSL EVP, ephemeral key generated inline.</summary>
        OpenSsl,

        /// <summary>OpenSSL EVP, ephemeral key from the background pool.</summary>
        OpenSslPooled,
    }

    /// <summary>Which P-384 path the handshake uses.</summary>
    [Params(P384Path.DotNet, P384Path.OpenSsl, P384Path.OpenSslPooled)]
    public P384Path P384 { get; set; }

    /// <summary>Both ML-DSA-65 identities, each pinned by the other side.</summary>
    [GlobalSetup]
    public void Setup()
    {
        HybridKem.UseOpenSsl = P384 != P384Path.DotNet;
        HybridKem.EphemeralKeys = P384 == P384Path.OpenSslPooled ? P384KeyPool.Shared : new P384KeyPool(0, OpenSslP384.Generate);
        _server = NewIdentity(out byte[] serverPublic);
        _client = NewIdentity(out byte[] clientPublic);
        _serverPin = new PinnedKeys(serverPublic);
        _clientPin = new PinnedKeys(clientPublic);
    }

    /// <summary>Fresh client Initiations for <see cref="Initiation"/>.</summary>
    [IterationSetup(Target = nameof(Initiation))]
    public void PrepareInitiations()
    {
        for (int i = 0; i < Batch; i++)
        {
            _initiators[i]?.Dispose();
            _responders[i]?.Dispose();
            _initiators[i] = new InitiatorHandshake(_client, _serverPin);
            _initiations[i] = _initiators[i].CreateInitiation();
            _responders[i] = new ResponderHandshake(_server, _clientPin);
        }
    }

    /// <summary>Server: Initiation in, Response out (what every admitted handshake costs, authorized or not).</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [InvocationCount(1, 1)]
    public int Initiation()
    {
        int n = 0;
        for (int i = 0; i < Batch; i++)
        {
            n += _responders[i].ProcessInitiation(_initiations[i]).Length;
        }

        return n;
    }

    /// <summary>Handshakes advanced to the client's Authentication for <see cref="Authentication"/>.</summary>
    [IterationSetup(Target = nameof(Authentication))]
    public void PrepareAuthentications()
    {
        PrepareInitiations();
        for (int i = 0; i < Batch; i++)
        {
            _authentications[i] = _initiators[i].ProcessResponse(_responders[i].ProcessInitiation(_initiations[i]));
        }
    }

    /// <summary>Server: Authentication in, Confirmation out.</summary>
    [Benchmark(OperationsPerInvoke = Batch)]
    [InvocationCount(1, 1)]
    public int Authentication()
    {
        int n = 0;
        for (int i = 0; i < Batch; i++)
        {
            _responders[i].ProcessAuthentication(_authentications[i]);
            byte[] confirmation = _responders[i].CreateConfirmation([1, 2, 3], out SessionKeys keys);
            keys.Dispose();
            n += confirmation.Length;
        }

        return n;
    }

    /// <summary>Releases the identities and the last batch.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        for (int i = 0; i < Batch; i++)
        {
            _initiators[i]?.Dispose();
            _responders[i]?.Dispose();
        }

        _server.Dispose();
        _client.Dispose();
        HybridKem.UseOpenSsl = OpenSslP384.IsSupported;
        HybridKem.EphemeralKeys = P384KeyPool.Shared;
    }

    private static LocalIdentity NewIdentity(out byte[] publicKey)
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        publicKey = new byte[p.PublicKeySize];
        byte[] secretKey = new byte[p.SecretKeySize];
        MlDsa.Provider.GenerateKey(p, publicKey, secretKey);
        return LocalIdentity.FromKeys(publicKey, secretKey);
    }
}
