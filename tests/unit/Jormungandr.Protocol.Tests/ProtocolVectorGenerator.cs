using System.Text;
using System.Text.Json;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

/// <summary>
/// Produces docs/protocol-vectors.json: a complete v2 handshake from fixed seeds and a fixed clock
/// (identities, all four messages, transcript hashes, every derived secret) and a few data packets.
/// </summary>
internal static class ProtocolVectorGenerator
{
    public const string ClientSeed = "jormungandr-v2 vectors client";
    public const string ServerSeed = "jormungandr-v2 vectors server";

    public static string Generate()
    {
        var clock = new ManualClock();
        TestKeys client = TestKeys.Get("vector client");
        TestKeys server = TestKeys.Get("vector server");
        var initiatorSecrets = new Dictionary<string, byte[]>();
        var responderSecrets = new Dictionary<string, byte[]>();
        byte[] payload = Encoding.ASCII.GetBytes("{\"address\":\"198.19.0.2/24\"}");

        using var i = new InitiatorHandshake(client.Identity(), new PinnedKeys(server.PublicKey), new HandshakeOptions { Random = new SeededRandom(ClientSeed), Clock = clock }) { Recorder = initiatorSecrets };
        using var r = new ResponderHandshake(server.Identity(), new PinnedKeys(client.PublicKey), new HandshakeOptions { Random = new SeededRandom(ServerSeed), Clock = clock }) { Recorder = responderSecrets };
        byte[] m1 = i.CreateInitiation();
        byte[] m2 = r.ProcessInitiation(m1);
        byte[] m3 = i.ProcessResponse(m2);
        r.ProcessAuthentication(m3);
        byte[] m4 = r.CreateConfirmation(payload, out SessionKeys serverKeys);
        using SessionKeys clientKeys = i.ProcessConfirmation(m4);
        foreach (KeyValuePair<string, byte[]> pair in initiatorSecrets)
        {
            if (!responderSecrets.TryGetValue(pair.Key, out byte[]? other) || !other.AsSpan().SequenceEqual(pair.Value))
            {
                throw new InvalidOperationException($"Initiator and responder disagree on {pair.Key}.");
            }
        }

        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("description", "Jormungandr protocol v2 test vectors (docs/protocol.md). All byte strings are lowercase hex. Regenerate with JORMUNGANDR_REGENERATE_VECTORS=1 dotnet test tests/unit/Jormungandr.Protocol.Tests --filter ProtocolVectorTests.");
            w.WriteString("random", "SHA-256(seed || u64be(block counter)) blocks, consumed in order; ML-DSA signatures deterministic (rnd = 0^32)");
            w.WriteString("initiator_random_seed", ClientSeed);
            w.WriteString("responder_random_seed", ServerSeed);
            w.WriteString("identity_keygen", "ML-DSA-65 KeyGen_internal with seed = SHA-256(\"jormungandr test identity \" || name)");
            w.WriteString("initiator_identity_name", "vector client");
            w.WriteString("responder_identity_name", "vector server");
            Hex(w, "initiator_public_key", client.PublicKey);
            Hex(w, "responder_public_key", server.PublicKey);
            w.WriteNumber("initiator_index", clientKeys.LocalIndex);
            w.WriteNumber("responder_index", serverKeys.LocalIndex);
            w.WriteStartObject("messages");
            Hex(w, "initiation", m1);
            Hex(w, "response", m2);
            Hex(w, "authentication", m3);
            Hex(w, "confirmation", m4);
            Hex(w, "confirmation_payload", payload);
            w.WriteEndObject();
            w.WriteStartObject("transcript");
            for (int k = 0; k < 4; k++)
            {
                Hex(w, $"th{k + 1}", i.TranscriptHashes[k]!);
            }

            w.WriteEndObject();
            w.WriteStartObject("secrets");
            foreach (string name in new[] { "shared_secret", "handshake_secret", "k_hs_i", "k_hs_r", "master_secret", "k_i2r", "k_r2i" })
            {
                Hex(w, name, initiatorSecrets[name]);
            }

            w.WriteEndObject();

            w.WriteStartArray("data_packets");
            var options = new SessionOptions { MaxDatagramSize = 1280 };
            using (var c = new Session(clientKeys, options, clock))
            using (var s = new Session(serverKeys, options, clock))
            using (var unpadded = new Session(serverKeys, new SessionOptions { MaxDatagramSize = 1280, Padding = false }, clock))
            {
                Data(w, "initiator to responder, IPv4 100 bytes, padded (bucket 256)", c, s, Packets.IPv4(100));
                Data(w, "initiator to responder, keepalive (bucket 64)", c, s, null);
                Data(w, "responder to initiator, IPv6 80 bytes, padding off", unpadded, c, Packets.IPv6(80));
                Data(w, "initiator to responder, IPv4 3000 bytes, fragmented at MaxDatagramSize 1280", c, s, Packets.IPv4(3000));
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        serverKeys.Dispose();
        return Encoding.UTF8.GetString(stream.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static void Data(Utf8JsonWriter w, string description, Session from, Session to, byte[]? packet)
    {
        var datagrams = new List<byte[]>();
        if (packet is null)
        {
            byte[] buffer = new byte[2000];
            datagrams.Add(buffer[..from.SealKeepalive(buffer)]);
        }
        else
        {
            datagrams.AddRange(SessionPair.Seal(from, packet));
        }

        // The vectors are checked by opening them, too.
        OpenResult last = default;
        byte[] delivered = [];
        foreach (byte[] d in datagrams)
        {
            (last, delivered) = SessionPair.Open(to, d);
        }

        if (packet is null ? last.Status != OpenStatus.Keepalive : !delivered.AsSpan().SequenceEqual(packet))
        {
            throw new InvalidOperationException("A vector datagram did not open to its packet.");
        }

        w.WriteStartObject();
        w.WriteString("description", description);
        Hex(w, "inner_packet", packet ?? []);
        w.WriteStartArray("datagrams");
        foreach (byte[] d in datagrams)
        {
            w.WriteStringValue(Convert.ToHexStringLower(d));
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    private static void Hex(Utf8JsonWriter w, string name, byte[] value) => w.WriteString(name, Convert.ToHexStringLower(value));
}
