using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

/// <summary>One test per flaw of the original design (docs/protocol.md §11); each fails on the flawed behaviour.</summary>
public class FlawTests
{
    [Fact]
    public void Modified_header_counter_is_rejected()
    {
        // Original: the sequence number was outside the AEAD. v2: the header is associated data.
        using var pair = new SessionPair();
        byte[] d = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        byte[] moved = (byte[])d.Clone();
        BinaryPrimitives.WriteUInt64BigEndian(moved.AsSpan(8), 12345);
        Assert.Equal(DropReason.Authentication, SessionPair.Open(pair.Server, moved).Result.Reason);

        // And the type / reserved bytes are covered too (a reserved bit set is refused before crypto).
        byte[] reserved = (byte[])d.Clone();
        reserved[3] = 1;
        Assert.Equal(DropReason.Malformed, SessionPair.Open(pair.Server, reserved).Result.Reason);

        // The untouched packet still opens: the failures were the modifications.
        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, d).Result.Status);
    }

    [Fact]
    public void Nonces_come_from_the_counter_not_randomness()
    {
        // Same plaintext, same key: ciphertexts differ only because the counter differs, and the
        // datagram decrypts under exactly the nonce 0^32 || counter.
        using var pair = new SessionPair(new SessionOptions { Padding = false });
        byte[] packet = Packets.IPv4(64);
        byte[] d0 = SessionPair.Seal(pair.Client, packet)[0];
        byte[] d1 = SessionPair.Seal(pair.Client, packet)[0];
        byte[] key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        using var aead = new ChaCha20Poly1305(key);
        foreach ((byte[] d, ulong counter) in new[] { (d0, 0UL), (d1, 1UL) })
        {
            byte[] nonce = new byte[12];
            BinaryPrimitives.WriteUInt64BigEndian(nonce.AsSpan(4), counter);
            byte[] plain = new byte[d.Length - 32];
            aead.Decrypt(nonce, d.AsSpan(16, plain.Length), d.AsSpan(d.Length - 16), plain, d.AsSpan(0, 16));
            Assert.Equal(packet, plain[4..]);
        }
    }

    [Fact]
    public void Unauthenticated_packet_cannot_move_endpoint()
    {
        // Original: the endpoint came from an unauthenticated hello. v2: only authenticated data moves it.
        using var pair = new SessionPair();
        SocketAddress real = new IPEndPoint(IPAddress.Parse("198.18.0.2"), 40000).Serialize();
        SocketAddress attacker = new IPEndPoint(IPAddress.Parse("198.18.0.66"), 666).Serialize();
        byte[] good = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        SessionPair.Open(pair.Server, good, real);

        byte[] forged = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        forged[^1] ^= 1;
        Assert.False(SessionPair.Open(pair.Server, forged, attacker).Result.EndpointChanged);
        Assert.False(SessionPair.Open(pair.Server, good, attacker).Result.EndpointChanged); // replayed authentic packet
        Assert.False(SessionPair.Open(pair.Server, new byte[100], attacker).Result.EndpointChanged);
        Assert.Equal(real, pair.Server.Endpoint);
    }

    [Fact]
    public void Held_back_older_packet_cannot_pull_the_endpoint_away()
    {
        // An on-path attacker drops packet n, lets n+1 through, then sends n from its own address:
        // n is authentic and not yet seen, so it is delivered, but only the newest packet may move
        // the endpoint (docs/protocol.md 7.4).
        using var pair = new SessionPair();
        SocketAddress real = new IPEndPoint(IPAddress.Parse("198.18.0.2"), 40000).Serialize();
        SocketAddress attacker = new IPEndPoint(IPAddress.Parse("198.18.0.66"), 666).Serialize();
        byte[] held = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        byte[] next = SessionPair.Seal(pair.Client, Packets.IPv4(100))[0];
        Assert.True(SessionPair.Open(pair.Server, next, real).Result.EndpointChanged);

        OpenResult late = SessionPair.Open(pair.Server, held, attacker).Result;
        Assert.Equal(OpenStatus.Packet, late.Status);
        Assert.False(late.EndpointChanged);
        Assert.Equal(real, pair.Server.Endpoint);

        // The real peer moving still works: its next packet is the newest.
        SocketAddress moved = new IPEndPoint(IPAddress.Parse("198.18.0.3"), 40001).Serialize();
        Assert.True(SessionPair.Open(pair.Server, SessionPair.Seal(pair.Client, Packets.IPv4(100))[0], moved).Result.EndpointChanged);
        Assert.Equal(moved, pair.Server.Endpoint);
    }

    [Fact]
    public void Server_is_authenticated()
    {
        // Original: only the client proved its identity. v2: a server whose key is not pinned is refused.
        var h = new HandshakeHarness("flaw-server", server: "impostor");
        using InitiatorHandshake i = h.NewInitiator(new PinnedKeys(TestKeys.Get("server").PublicKey));
        using ResponderHandshake r = h.NewResponder();
        byte[] m2 = r.ProcessInitiation(i.CreateInitiation());
        Assert.Equal(ProtocolError.PeerNotTrusted, Assert.Throws<ProtocolException>(() => i.ProcessResponse(m2)).Error);
    }

    [Fact]
    public void Signatures_never_cover_keys()
    {
        // Original: the session key was signed. v2: each side signs a transcript hash; record every
        // signed message and check no derived key or secret is among them or inside them.
        var signed = new List<byte[]>();
        var h = new HandshakeHarness("flaw-sign");
        var keys = new Dictionary<string, byte[]>();
        var clientId = new LocalIdentity(h.ClientKeys.PublicKey, (m, c, s) => { signed.Add(m.ToArray()); HandshakeTests.MlDsaSign(h.ClientKeys.SecretKey, m, c, s); });
        var serverId = new LocalIdentity(h.ServerKeys.PublicKey, (m, c, s) => { signed.Add(m.ToArray()); HandshakeTests.MlDsaSign(h.ServerKeys.SecretKey, m, c, s); });
        using var i = new InitiatorHandshake(clientId, h.PinnedServer, new HandshakeOptions { Random = new SeededRandom("a"), Clock = h.Clock }) { Recorder = keys };
        using var r = new ResponderHandshake(serverId, h.AuthorizedClients, new HandshakeOptions { Random = new SeededRandom("b"), Clock = h.Clock });
        r.ProcessAuthentication(i.ProcessResponse(r.ProcessInitiation(i.CreateInitiation())));
        byte[] m4 = r.CreateConfirmation([], out SessionKeys sk);
        using SessionKeys ck = i.ProcessConfirmation(m4);
        Assert.Equal(i.TranscriptHashes[1], signed[0]); // responder signed th2
        Assert.Equal(i.TranscriptHashes[2], signed[1]); // initiator signed th3
        Assert.Equal(2, signed.Count);
        Assert.All(signed, m => Assert.Equal(32, m.Length));
        Assert.NotEmpty(keys);
        foreach (byte[] secret in keys.Values)
        {
            Assert.All(signed, m => Assert.NotEqual(secret, m));
        }

        Assert.All(signed, m => Assert.False(m.AsSpan().SequenceEqual(sk.SendKey) || m.AsSpan().SequenceEqual(sk.ReceiveKey)));
        sk.Dispose();
    }
}
