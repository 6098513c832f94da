using System.Buffers.Binary;
using System.Net;
using System.Security;
using System.Text;
using Jormungandr.Crypto;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Jormungandr.Legacy;
using Jormungandr.Protocol;
using Jormungandr.Tests;

namespace Jormungandr.Fuzz;

/// <summary>
/// The starting corpus of every target: genuine messages (from the protocol vectors or made by the code
/// itself) and a few edge cases. Written once with <c>seeds</c> and checked in; afl++ mutates from here.
/// </summary>
internal static class SeedCorpus
{
    /// <summary>One seed file.</summary>
    public sealed record Seed(string Name, byte[] Bytes);

    /// <summary>Writes every target's seeds to <paramref name="directory"/>/TARGET/NAME.</summary>
    public static void WriteAll(string directory)
    {
        foreach ((string name, IEnumerable<Seed> seeds) in All())
        {
            string dir = Path.Combine(directory, name);
            Directory.CreateDirectory(dir);
            foreach (Seed seed in seeds)
            {
                File.WriteAllBytes(Path.Combine(dir, seed.Name), seed.Bytes);
            }
        }
    }

    public static IEnumerable<(string Target, IEnumerable<Seed> Seeds)> All()
    {
        yield return ("handshake", Handshake());
        yield return ("data", Data());
        yield return ("reassembler", Reassembler());
        yield return ("ip-packet", IpPackets());
        yield return ("tcp-segmenter", Segmenter());
        yield return ("tcp-coalescer", Coalescer());
        yield return ("tunnel-config", TunnelConfigs());
        yield return ("key-channel", KeyChannel());
        yield return ("status-socket", Status());
        yield return ("key-file", KeyFiles());
        yield return ("legacy-echo", Legacy());
        yield return ("toml", Toml());
    }

    private static byte[] Cat(params byte[][] parts) => [.. parts.SelectMany(p => p)];

    private static IEnumerable<Seed> Handshake()
    {
        ProtocolVectors v = ProtocolVectors.Instance;
        byte[][] messages = [v.Initiation, v.Response, v.Authentication, v.Confirmation];
        string[] names = ["initiation", "response", "authentication", "confirmation"];
        for (byte state = 0; state < 4; state++)
        {
            for (int m = 0; m < 4; m++)
            {
                yield return new($"state{state}-{names[m]}", Cat([state], messages[m]));
            }

            yield return new($"state{state}-header-only", [state, 2, (byte)(state + 1), 0, 0]);
        }
    }

    private static byte[] Records(params (byte Mode, byte[] Body)[] records)
    {
        var output = new List<byte>();
        foreach ((byte mode, byte[] body) in records)
        {
            output.Add(mode);
            FuzzReader.AppendRecord(output, body);
        }

        return [.. output];
    }

    private static byte[] Inner(byte kind, byte[] payload, uint id = 0, int offset = 0, int total = 0)
    {
        int header = kind == 2 ? 12 : 4;
        byte[] b = new byte[header + payload.Length + 7]; // some zero padding, as a sender adds
        b[0] = kind;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(2), (ushort)payload.Length);
        if (kind == 2)
        {
            BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(4), id);
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(8), (ushort)offset);
            BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(10), (ushort)total);
        }

        payload.CopyTo(b, header);
        return b;
    }

    private static IEnumerable<Seed> Data()
    {
        ProtocolVectors v = ProtocolVectors.Instance;
        int i = 0;
        foreach (IReadOnlyList<byte[]> packet in v.InitiatorDatagrams)
        {
            yield return new($"vector-{i++}", Records([.. packet.Select(d => ((byte)0, d))]));
        }

        byte[] ip = IPv4(1200, 17);
        yield return new("sealed-keepalive-packet", Records((1, Inner(0, [])), (1, Inner(1, IPv4(60, 17)))));
        yield return new("sealed-fragments", Records((1, Inner(2, ip[..600], 9, 0, 1200)), (1, Inner(2, ip[600..], 9, 600, 1200))));
        yield return new("sealed-fragments-reversed-replayed", Records((1, Inner(2, ip[600..], 9, 600, 1200)), (3, Inner(2, ip[600..], 9, 600, 1200)), (1, Inner(2, ip[..600], 9, 0, 1200))));
        yield return new("sealed-fragment-expired", Records((1, Inner(2, ip[..600], 9, 0, 1200)), (0x81, Inner(2, ip[600..], 9, 600, 1200))));
        yield return new("raw-short", Records((0, [2, 5, 0, 0])));
    }

    private static byte[] IPv4(int length, byte protocol)
    {
        byte[] p = new byte[length];
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)length);
        p[8] = 64;
        p[9] = protocol;
        new byte[] { 198, 19, 0, 2 }.CopyTo(p, 12);
        new byte[] { 198, 19, 0, 1 }.CopyTo(p, 16);
        for (int k = 20; k < length; k++)
        {
            p[k] = (byte)k;
        }

        return p;
    }

    private static byte[] IPv6(int length, byte next)
    {
        byte[] p = new byte[length];
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(length - 40));
        p[6] = next;
        p[7] = 64;
        IPAddress.Parse("fd00:5ec::2").GetAddressBytes().CopyTo(p, 8);
        IPAddress.Parse("fd00:5ec::1").GetAddressBytes().CopyTo(p, 24);
        return p;
    }

    private static byte[] Fragment(byte id, int offset, int total, int length) =>
        [(byte)(id << 1), (byte)(offset >> 8), (byte)offset, (byte)(total >> 8), (byte)total, (byte)(length >> 8), (byte)length];

    private static IEnumerable<Seed> Reassembler()
    {
        yield return new("in-order", Cat(Fragment(1, 0, 3000, 1400), Fragment(1, 1400, 3000, 1400), Fragment(1, 2800, 3000, 200)));
        yield return new("reversed", Cat(Fragment(2, 1600, 2000, 400), Fragment(2, 0, 2000, 1600)));
        yield return new("overlap", Cat(Fragment(3, 0, 2000, 1600), Fragment(3, 800, 2000, 1200), Fragment(3, 1600, 2000, 400)));
        yield return new("interleaved-five", Cat(Fragment(0, 0, 100, 48), Fragment(1, 0, 100, 48), Fragment(2, 0, 100, 48), Fragment(3, 0, 100, 48), Fragment(4, 0, 100, 48), Fragment(0, 48, 100, 52)));
        yield return new("expired", Cat(Fragment(5, 0, 200, 96), [0x65], Fragment(5, 96, 200, 104)));
        yield return new("largest", Cat(Fragment(6, 0, 65535, 65528), Fragment(6, 65528, 65535, 7)));
    }

    private static IEnumerable<Seed> IpPackets()
    {
        yield return new("ipv4", IPv4(100, 17));
        yield return new("ipv6", IPv6(80, 17));
        yield return new("ipv4-options", Cat([0x46], IPv4(24, 6)[1..]));
        yield return new("ipv4-short", IPv4(100, 17)[..19]);
        yield return new("ipv6-short", IPv6(80, 17)[..39]);
    }

    private static byte[] Tcp(bool v4, int payload, uint seq, byte flags = 0x18, int flow = 1)
    {
        byte[] p = v4 ? IPv4(20 + 32 + payload, 6) : IPv6(40 + 32 + payload, 6);
        if (v4)
        {
            p[6] = 0x40; // DF
        }

        Span<byte> tcp = p.AsSpan(v4 ? 20 : 40);
        BinaryPrimitives.WriteUInt16BigEndian(tcp, (ushort)(40000 + flow));
        BinaryPrimitives.WriteUInt16BigEndian(tcp[2..], 5201);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[4..], seq);
        BinaryPrimitives.WriteUInt32BigEndian(tcp[8..], 7777);
        tcp[12] = 8 << 4;
        tcp[13] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(tcp[14..], 512);
        tcp[20] = 1;
        tcp[21] = 1;
        tcp[22] = 8;
        tcp[23] = 10;
        InternetChecksum.Repair(p);
        return p;
    }

    private static byte[] Gso(byte[] packet, bool v4, int mss)
    {
        int l4 = v4 ? 20 : 40;
        byte[] header = new byte[10];
        header[0] = 1;
        header[1] = v4 ? (byte)1 : (byte)4;
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(2), (ushort)(l4 + 32));
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), (ushort)mss);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), (ushort)l4);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(8), 16);
        return Cat(header, packet);
    }

    private static IEnumerable<Seed> Segmenter()
    {
        yield return new("gso-v4", Gso(Tcp(true, 4000, 1), true, 1360));
        yield return new("gso-v6", Gso(Tcp(false, 3000, 0xFFFFFF00), false, 1340));
        yield return new("gso-v4-tiny-mss", Gso(Tcp(true, 40, 1), true, 7));
        byte[] partial = Cat(new byte[10], IPv4(60, 17));
        partial[0] = 1;
        partial[6] = 20;
        partial[8] = 6;
        yield return new("plain-partial-checksum", partial);
        yield return new("plain", Cat(new byte[10], IPv6(80, 17)));
    }

    private static IEnumerable<Seed> Coalescer()
    {
        static byte[] Sequence(IEnumerable<byte[]> packets)
        {
            var output = new List<byte> { 1 };
            foreach (byte[] p in packets)
            {
                FuzzReader.AppendRecord(output, p);
            }

            return [.. output];
        }

        uint s = 1000;
        yield return new("one-flow-v4", Sequence(Enumerable.Range(0, 5).Select(i => Tcp(true, i == 4 ? 300 : 1300, s + (uint)(i * 1300), i == 4 ? (byte)0x18 : (byte)0x10))));
        yield return new("one-flow-v6", Sequence(Enumerable.Range(0, 4).Select(i => Tcp(false, 1200, s + (uint)(i * 1200), 0x10))));
        yield return new("two-flows-and-udp", Sequence([Tcp(true, 1000, 0, 0x10, 1), Tcp(true, 1000, 0, 0x10, 2), IPv4(200, 17), Tcp(true, 1000, 1000, 0x10, 1), Tcp(true, 1000, 1000, 0x10, 2)]));
        yield return new("out-of-order", Sequence([Tcp(true, 1000, 2000, 0x10), Tcp(true, 1000, 1000, 0x10), Tcp(true, 1000, 3000, 0x10)]));
        yield return new("syn-fin", Sequence([Tcp(true, 0, 0, 0x02), Tcp(true, 100, 1, 0x11)]));
    }

    private static IEnumerable<Seed> TunnelConfigs()
    {
        yield return new("v4", new TunnelConfig(IPAddress.Parse("198.19.0.2"), 24, null, 0, 1380).Encode());
        yield return new("v4-v6", new TunnelConfig(IPAddress.Parse("198.19.0.2"), 24, IPAddress.Parse("fd00:5ec::2"), 64, 1380).Encode());
        byte[] wide = new TunnelConfig(IPAddress.Parse("198.19.0.2"), 24, null, 0, 1380).Encode();
        wide[6] = 1;
        yield return new("wide-prefix", wide);
    }

    private static IEnumerable<Seed> KeyChannel()
    {
        ProtocolVectors v = ProtocolVectors.Instance;
        yield return new("handshake", Cat(KeyChannelFraming.Frame(v.Initiation), KeyChannelFraming.Frame(v.Response), KeyChannelFraming.Frame(v.Authentication), KeyChannelFraming.Frame(v.Confirmation)));
        yield return new("zero-length", [0, 0]);
        yield return new("too-long", [0x20, 0x01, 1, 2, 3]);
        yield return new("truncated", [0, 10, 1, 2, 3]);
    }

    private static IEnumerable<Seed> Status()
    {
        yield return new("request-status", Cat([0], StatusProtocol.Encode(new StatusRequest { Op = StatusProtocol.OpStatus })));
        yield return new("request-disconnect", Cat([0], StatusProtocol.Encode(new StatusRequest { Op = StatusProtocol.OpDisconnect, Fingerprint = "SHA256:" + new string('A', 43) })));
        yield return new("request-rebind", Cat([0], StatusProtocol.Encode(new StatusRequest { Op = StatusProtocol.OpRebind })));
        yield return new("response-error", Cat([1], StatusProtocol.Encode(new StatusResponse { Ok = false, ErrorId = "NoSuchPeer", Error = "No session with that fingerprint." })));
        yield return new("response-ok", Cat([1], Encoding.UTF8.GetBytes("{\"ok\":true,\"interfaceName\":\"snk0\",\"sessions\":[{}]}\n")));
    }

    private static IEnumerable<Seed> KeyFiles()
    {
        VectorHandshake.Instance.Keys(out byte[] pk, out byte[] sk);
        yield return new("raw-secret", sk);
        yield return new("raw-public", pk);
        using var passphrase = new SecureString();
        foreach (char c in "fuzz")
        {
            passphrase.AppendChar(c);
        }

        yield return new("armored", Encoding.ASCII.GetBytes(ArmoredPrivateKey.Encrypt(sk, passphrase, new SeededRandom("fuzz armor"))));
        yield return new("armor-lines-only", Encoding.ASCII.GetBytes(ArmoredPrivateKey.BeginLine + "\n" + ArmoredPrivateKey.EndLine + "\n"));
    }

    private static IEnumerable<Seed> Legacy()
    {
        yield return new("proposal", Cat([0], Encoding.UTF8.GetBytes(CipherProposal.DefaultClient.Format())));
        yield return new("choice", Cat([1], Encoding.UTF8.GetBytes(CipherNegotiation.FormatChoice(CipherSuite.Create(CipherSuite.Aes, 256)))));
        using (var dh = new DiffieHellmanKeyExchange(DiffieHellmanGroups.DefaultGroup, new SeededRandom("fuzz dh")))
        {
            yield return new("dh", Cat([2], Encoding.ASCII.GetBytes(dh.FormatMessage())));
        }

        using var codec = new LegacyMessageCodec(CipherSuite.Create(CipherSuite.Aes, 256), Targets.LegacyEchoTarget.SharedKey);
        yield return new("sealed", Cat([3], codec.Seal("hello, snek")));
        yield return new("text", Cat([4], Encoding.UTF8.GetBytes("héllo 🐍")));
    }

    private static IEnumerable<Seed> Toml()
    {
        yield return new("cipher-file", Encoding.UTF8.GetBytes("# ciphers\n[[supported_cipher]]\nname = \"AES\"\nkeys = [128, 192, 256]\n\n[[supported_cipher]]\nname = 'DES3'\nkeys = [ 192 ]\n"));
        yield return new("tables", Encoding.UTF8.GetBytes("title = \"x\"\n[server]\nport = 8080\nnames = [\"a\", \"b\"]\n[server.limits]\nmax = -1\n"));
    }
}
