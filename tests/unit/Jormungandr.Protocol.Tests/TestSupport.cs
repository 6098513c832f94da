using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Jormungandr.Crypto;
using Jormungandr.Protocol;
using Jormungandr.Time;

namespace Jormungandr.Tests;

/// <summary>A clock the test moves by hand.</summary>
internal sealed class ManualClock : IClock
{
    public TimeSpan Now { get; set; } = TimeSpan.FromSeconds(1000);

    public DateTimeOffset UtcNow => new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero) + Now;

    public void Advance(TimeSpan by) => Now += by;
}

/// <summary>Raw ML-DSA-65 keys from a fixed seed, generated once per process (keygen costs milliseconds).</summary>
internal sealed class TestKeys
{
    private static readonly Dictionary<string, TestKeys> Cache = new();

    private TestKeys(string name)
    {
        MlDsaParameterSet p = MlDsaParameterSet.MlDsa65;
        PublicKey = new byte[p.PublicKeySize];
        SecretKey = new byte[p.SecretKeySize];
        MlDsaManaged.GenerateKey(p, SHA256.HashData(Encoding.UTF8.GetBytes("jormungandr test identity " + name)), PublicKey, SecretKey);
    }

    public byte[] PublicKey { get; }

    public byte[] SecretKey { get; }

    public static TestKeys Get(string name)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue(name, out TestKeys? keys))
            {
                keys = new TestKeys(name);
                Cache[name] = keys;
            }

            return keys;
        }
    }

    public LocalIdentity Identity() => LocalIdentity.FromKeys(PublicKey, SecretKey, MlDsaManaged.Instance, deterministic: true);
}

/// <summary>Inner IP packets for tests, inside the allowed tunnel ranges.</summary>
internal static class Packets
{
    /// <summary>An IPv4 packet 198.19.0.2 → 198.19.0.1 of the given total length (≥ 20).</summary>
    public static byte[] IPv4(int length, byte fill = 0xAB)
    {
        byte[] p = new byte[length];
        p.AsSpan(20).Fill(fill);
        p[0] = 0x45;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(2), (ushort)length);
        p[8] = 64;
        p[9] = 17;
        new byte[] { 198, 19, 0, 2 }.CopyTo(p, 12);
        new byte[] { 198, 19, 0, 1 }.CopyTo(p, 16);
        return p;
    }

    /// <summary>An IPv6 packet fd00:5ec::2 → fd00:5ec::1 of the given total length (≥ 40).</summary>
    public static byte[] IPv6(int length, byte fill = 0xCD)
    {
        byte[] p = new byte[length];
        p.AsSpan(40).Fill(fill);
        p[0] = 0x60;
        BinaryPrimitives.WriteUInt16BigEndian(p.AsSpan(4), (ushort)(length - 40));
        p[6] = 17;
        p[7] = 64;
        byte[] prefix = [0xfd, 0x00, 0x05, 0xec];
        prefix.CopyTo(p, 8);
        p[23] = 2;
        prefix.CopyTo(p, 24);
        p[39] = 1;
        return p;
    }

    /// <summary>Numbers a packet (bytes 20..23) so tests can check order and loss.</summary>
    public static byte[] Numbered(int number, int length = 100)
    {
        byte[] p = IPv4(length);
        BinaryPrimitives.WriteInt32BigEndian(p.AsSpan(20), number);
        return p;
    }
}

/// <summary>Two sessions wired to each other with fixed keys (no handshake): fast data-plane tests.</summary>
internal sealed class SessionPair : IDisposable
{
    public SessionPair(SessionOptions? options = null, ManualClock? clock = null, SessionTable? clientTable = null, SessionTable? serverTable = null)
    {
        Clock = clock ?? new ManualClock();
        Options = options ?? new SessionOptions();
        byte[] i2r = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();
        byte[] r2i = Enumerable.Range(101, 32).Select(i => (byte)i).ToArray();
        using var ck = new SessionKeys(0x11111111, 0x22222222, true, i2r, r2i, TestKeys.Get("server").PublicKey);
        using var sk = new SessionKeys(0x22222222, 0x11111111, false, r2i, i2r, TestKeys.Get("client").PublicKey);
        Client = new Session(ck, Options, Clock, clientTable);
        Server = new Session(sk, Options, Clock, serverTable);
    }

    public ManualClock Clock { get; }

    public SessionOptions Options { get; }

    public Session Client { get; }

    public Session Server { get; }

    /// <summary>Seals a packet and returns each datagram as its own array.</summary>
    public static List<byte[]> Seal(Session from, byte[] packet)
    {
        int count = from.DatagramCountFor(packet.Length);
        byte[] output = new byte[count * 65535];
        int[] lengths = new int[count];
        SealResult r = from.Seal(packet, output, lengths);
        Assert.Equal(SealStatus.Ok, r.Status);
        var list = new List<byte[]>();
        int offset = 0;
        for (int i = 0; i < r.Count; i++)
        {
            list.Add(output.AsSpan(offset, lengths[i]).ToArray());
            offset += lengths[i];
        }

        return list;
    }

    public static (OpenResult Result, byte[] Packet) Open(Session to, byte[] datagram, System.Net.SocketAddress? source = null)
    {
        byte[] buffer = new byte[65535];
        OpenResult r = to.Open(datagram, buffer, source);
        return (r, buffer.AsSpan(0, r.Length).ToArray());
    }

    public void Dispose()
    {
        Client.Dispose();
        Server.Dispose();
    }
}
