using System.Security.Cryptography;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class HandshakeTests
{
    private static readonly Lazy<(HandshakeHarness H, Transcript4 T)> Recorded = new(() =>
    {
        var h = new HandshakeHarness("recorded");
        return (h, h.Run([9, 8, 7]));
    });

    [Fact]
    public void Full_handshake_between_two_peers_yields_matching_keys_and_working_sessions()
    {
        (HandshakeHarness h, Transcript4 t) = Recorded.Value;
        Assert.Equal(HandshakeMessages.InitiationSize, t.M1.Length);
        Assert.Equal(1673, t.M1.Length);
        Assert.Equal(6954, t.M2.Length);
        Assert.Equal(5285, t.M3.Length);
        Assert.Equal(26 + 3, t.M4.Length);
        Assert.True(t.ClientKeys.SendKey.SequenceEqual(t.ServerKeys.ReceiveKey));
        Assert.True(t.ClientKeys.ReceiveKey.SequenceEqual(t.ServerKeys.SendKey));
        Assert.False(t.ClientKeys.SendKey.SequenceEqual(t.ClientKeys.ReceiveKey));
        Assert.Equal(t.ClientKeys.LocalIndex, t.ServerKeys.RemoteIndex);
        Assert.Equal(t.ServerKeys.LocalIndex, t.ClientKeys.RemoteIndex);
        Assert.Equal(h.ServerKeys.PublicKey, t.ClientKeys.PeerPublicKey);
        Assert.Equal(h.ClientKeys.PublicKey, t.ServerKeys.PeerPublicKey);
        Assert.Equal(new byte[] { 9, 8, 7 }, t.ClientKeys.ApplicationPayload);

        using var client = new Session(t.ClientKeys, null, h.Clock, h.ClientTable);
        using var server = new Session(t.ServerKeys, null, h.Clock, h.ServerTable);
        byte[] packet = Packets.IPv4(500);
        byte[] d = SessionPair.Seal(client, packet)[0];
        Assert.True(h.ServerTable.TryGetSession(d, out Session found));
        Assert.Same(server, found);
        Assert.Equal(packet, SessionPair.Open(server, d).Packet);
        Assert.Equal(packet, SessionPair.Open(client, SessionPair.Seal(server, packet)[0]).Packet);
    }

    [Fact]
    public void Identities_are_not_in_clear()
    {
        (HandshakeHarness h, Transcript4 t) = Recorded.Value;
        foreach (byte[] m in new[] { t.M1, t.M2, t.M3, t.M4 })
        {
            Assert.Equal(-1, m.AsSpan().IndexOf(h.ClientKeys.PublicKey.AsSpan(0, 64)));
            Assert.Equal(-1, m.AsSpan().IndexOf(h.ServerKeys.PublicKey.AsSpan(0, 64)));
        }
    }

    [Fact]
    public void Unknown_client_key_is_refused_before_signature_verification()
    {
        var h = new HandshakeHarness("unknown-client");
        var verifier = new CountingVerifier();
        using InitiatorHandshake i = h.NewInitiator();
        using var r = new ResponderHandshake(h.ServerKeys.Identity(), new PinnedKeys(TestKeys.Get("someone else").PublicKey), new HandshakeOptions { Random = new SeededRandom(h.ServerSeed), Clock = h.Clock, Verifier = verifier });
        byte[] m3 = i.ProcessResponse(r.ProcessInitiation(i.CreateInitiation()));
        var e = Assert.Throws<ProtocolException>(() => r.ProcessAuthentication(m3));
        Assert.Equal(ProtocolError.PeerNotTrusted, e.Error);
        Assert.Equal(0, verifier.Calls);
        Assert.Equal(HandshakeState.Failed, r.State);
        Assert.Throws<ProtocolException>(() => r.CreateConfirmation([], out _));
    }

    [Fact]
    public void Initiator_rejects_unpinned_server()
    {
        // Flaw 1: the original never authenticated the server. An impostor with its own valid key is refused.
        var h = new HandshakeHarness("impostor", server: "impostor");
        using InitiatorHandshake i = h.NewInitiator(new PinnedKeys(TestKeys.Get("server").PublicKey));
        using ResponderHandshake r = h.NewResponder();
        byte[] m2 = r.ProcessInitiation(i.CreateInitiation());
        var e = Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2));
        Assert.Equal(ProtocolError.PeerNotTrusted, e.Error);
        Assert.Equal(HandshakeState.Failed, i.State);
    }

    [Fact]
    public void Server_signature_is_verified_even_for_a_pinned_key()
    {
        // A man in the middle who knows the pinned public key (it is public) but not its secret key:
        // he signs with his own key and presents the real server's public key.
        var h = new HandshakeHarness("mitm");
        TestKeys attacker = TestKeys.Get("impostor");
        var forged = new LocalIdentity(h.ServerKeys.PublicKey, (m, c, s) => MlDsaSign(attacker.SecretKey, m, c, s));
        using InitiatorHandshake i = h.NewInitiator();
        using var r = new ResponderHandshake(forged, h.AuthorizedClients, new HandshakeOptions { Random = new SeededRandom(h.ServerSeed), Clock = h.Clock });
        byte[] m2 = r.ProcessInitiation(i.CreateInitiation());
        Assert.Equal(ProtocolError.BadSignature, Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2)).Error);
    }

    [Fact]
    public void Replayed_handshake_messages_are_rejected()
    {
        (HandshakeHarness h, Transcript4 t) = Recorded.Value;

        // Replayed Initiation to a responder that already answered: wrong state.
        using (ResponderHandshake r = h.NewResponder())
        {
            r.ProcessInitiation(t.M1);
            Assert.Equal(ProtocolError.UnexpectedMessage, Assert.Throws<ProtocolException>(() => r.ProcessInitiation(t.M1)).Error);
        }

        // Recorded Authentication replayed into a new responder handshake (fresh randomness): keys differ.
        var fresh = new HandshakeHarness("fresh");
        using (InitiatorHandshake i = fresh.NewInitiator())
        using (ResponderHandshake r = new(fresh.ServerKeys.Identity(), fresh.AuthorizedClients, new HandshakeOptions { Random = new SeededRandom("other"), Clock = fresh.Clock }))
        {
            r.ProcessInitiation(t.M1);
            byte[] m3 = (byte[])t.M3.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(m3.AsSpan(4), r.LocalIndex);
            Assert.Equal(ProtocolError.DecryptionFailed, Assert.Throws<ProtocolException>(() => r.ProcessAuthentication(m3)).Error);
        }

        // Recorded Response replayed to a new initiator: its ephemeral KEM key differs.
        using (InitiatorHandshake i = new(fresh.ClientKeys.Identity(), fresh.PinnedServer, new HandshakeOptions { Random = new SeededRandom("other client"), Clock = fresh.Clock }))
        {
            i.CreateInitiation();
            byte[] m2 = (byte[])t.M2.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(m2.AsSpan(8), i.LocalIndex);
            Assert.Equal(ProtocolError.DecryptionFailed, Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2)).Error);
        }

        // A second Authentication / Confirmation after completion: wrong state.
        var again = new HandshakeHarness("again");
        using (InitiatorHandshake i = again.NewInitiator())
        using (ResponderHandshake r = again.NewResponder())
        {
            byte[] m3 = i.ProcessResponse(r.ProcessInitiation(i.CreateInitiation()));
            r.ProcessAuthentication(m3);
            Assert.Equal(ProtocolError.UnexpectedMessage, Assert.Throws<ProtocolException>(() => r.ProcessAuthentication(m3)).Error);
            byte[] m4 = r.CreateConfirmation([], out SessionKeys k);
            k.Dispose();
            i.ProcessConfirmation(m4).Dispose();
            Assert.Equal(ProtocolError.UnexpectedMessage, Assert.Throws<ProtocolException>(() => i.ProcessConfirmation(m4)).Error);
            Assert.Equal(ProtocolError.UnexpectedMessage, Assert.Throws<ProtocolException>(() => i.CreateInitiation()).Error);
        }

        // Recorded Confirmation replayed to an initiator of another handshake.
        using (InitiatorHandshake i = fresh.NewInitiator())
        using (ResponderHandshake r = fresh.NewResponder())
        {
            r.ProcessAuthentication(i.ProcessResponse(r.ProcessInitiation(i.CreateInitiation())));
            byte[] m4 = (byte[])t.M4.Clone();
            System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(m4.AsSpan(4), i.LocalIndex);
            Assert.Equal(ProtocolError.DecryptionFailed, Assert.Throws<ProtocolException>(() => i.ProcessConfirmation(m4)).Error);
        }
    }

    [Fact]
    public void Deadline_fails_the_handshake()
    {
        var h = new HandshakeHarness("late");
        using InitiatorHandshake i = h.NewInitiator();
        using ResponderHandshake r = h.NewResponder();
        byte[] m2 = r.ProcessInitiation(i.CreateInitiation());
        h.Clock.Advance(TimeSpan.FromSeconds(6));
        Assert.True(i.IsExpired);
        Assert.Equal(ProtocolError.Timeout, Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2)).Error);
        Assert.Equal(HandshakeState.Failed, i.State);
    }

    [Fact]
    public void Unknown_version_rejected()
    {
        (_, Transcript4 t) = Recorded.Value;
        foreach (byte v in new byte[] { 0x00, 0x01, 0x03, 0xFF })
        {
            byte[] m = (byte[])t.M1.Clone();
            m[0] = v;
            Assert.Equal(ProtocolError.UnsupportedVersion, Assert.Throws<ProtocolException>(() => HandshakeMessages.PeekType(m)).Error);
        }

        using var pair = new SessionPair();
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        d[0] = 0x03;
        Assert.Equal(DropReason.Malformed, SessionPair.Open(pair.Server, d).Result.Reason);
    }

    [Fact]
    public void Failed_handshake_releases_its_reserved_index()
    {
        var h = new HandshakeHarness("release");
        int before = h.ServerTable.Count;
        using (ResponderHandshake r = h.NewResponder())
        {
            Assert.Equal(before + 1, h.ServerTable.Count);
            Assert.Throws<ProtocolException>(() => r.ProcessInitiation(new byte[10]));
        }

        Assert.Equal(before, h.ServerTable.Count);
    }

    internal static void MlDsaSign(byte[] secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature) =>
        Crypto.MlDsaManaged.Instance.Sign(Crypto.MlDsaParameterSet.MlDsa65, secretKey, message, context, signature, deterministic: true);

    private sealed class CountingVerifier : Crypto.IMlDsaProvider
    {
        public int Calls { get; private set; }

        public string Name => "counting";

        public void GenerateKey(Crypto.MlDsaParameterSet parameters, Span<byte> publicKey, Span<byte> secretKey) => throw new NotSupportedException();

        public void Sign(Crypto.MlDsaParameterSet parameters, ReadOnlySpan<byte> secretKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, Span<byte> signature, bool deterministic = false) => throw new NotSupportedException();

        public bool Verify(Crypto.MlDsaParameterSet parameters, ReadOnlySpan<byte> publicKey, ReadOnlySpan<byte> message, ReadOnlySpan<byte> context, ReadOnlySpan<byte> signature)
        {
            Calls++;
            return Crypto.MlDsaManaged.Instance.Verify(parameters, publicKey, message, context, signature);
        }
    }
}
