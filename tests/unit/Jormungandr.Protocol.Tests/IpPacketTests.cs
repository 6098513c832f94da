using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class IpPacketTests
{
    [Fact]
    public void Reads_IPv4_and_IPv6_addresses()
    {
        byte[] v4 = Packets.IPv4(60);
        Assert.True(IpPacket.IsValid(v4));
        Assert.Equal(4, IpPacket.GetVersion(v4));
        Assert.Equal(new byte[] { 198, 19, 0, 2 }, IpPacket.SourceAddress(v4).ToArray());
        Assert.Equal(new byte[] { 198, 19, 0, 1 }, IpPacket.DestinationAddress(v4).ToArray());

        byte[] v6 = Packets.IPv6(80);
        Assert.Equal(6, IpPacket.GetVersion(v6));
        Assert.Equal(System.Net.IPAddress.Parse("fd00:5ec::2"), new System.Net.IPAddress(IpPacket.SourceAddress(v6)));
        Assert.Equal(System.Net.IPAddress.Parse("fd00:5ec::1"), new System.Net.IPAddress(IpPacket.DestinationAddress(v6)));
    }

    [Fact]
    public void Refuses_other_versions_bad_headers_and_length_mismatch()
    {
        byte[] v4 = Packets.IPv4(60);
        Assert.False(IpPacket.IsValid(v4.AsSpan(0, 59)));
        byte[] ihl = (byte[])v4.Clone();
        ihl[0] = 0x44;
        Assert.False(IpPacket.IsValid(ihl));
        byte[] arp = (byte[])v4.Clone();
        arp[0] = 0x15;
        Assert.False(IpPacket.IsValid(arp));
        Assert.True(IpPacket.SourceAddress(arp).IsEmpty);
        Assert.False(IpPacket.IsValid(Packets.IPv6(80).AsSpan(0, 79)));
        Assert.False(IpPacket.IsValid([]));
    }

    [Fact]
    public void Malformed_inner_packet_is_dropped_after_authentication()
    {
        // A peer that seals a non-IP payload (bypassing Seal's check) gets it dropped as malformed.
        using var pair = new SessionPair();
        byte[] key = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray(); // SessionPair's client-to-server key
        byte[] junk = new byte[48];
        junk[0] = 0x15; // not IPv4/IPv6
        byte[] plain = new byte[4 + junk.Length];
        plain[0] = 1;
        plain[3] = (byte)junk.Length;
        junk.CopyTo(plain, 4);
        byte[] d = new byte[16 + plain.Length + 16];
        new byte[] { 2, 5, 0, 0, 0x22, 0x22, 0x22, 0x22 }.CopyTo(d, 0);
        using var aead = new System.Security.Cryptography.ChaCha20Poly1305(key);
        aead.Encrypt(new byte[12], plain, d.AsSpan(16, plain.Length), d.AsSpan(16 + plain.Length), d.AsSpan(0, 16));
        OpenResult r = SessionPair.Open(pair.Server, d).Result;
        Assert.Equal(DropReason.Malformed, r.Reason);
        Assert.Equal(1, pair.Server.Counters.DropsMalformed);

        // The same construction with a real IPv4 packet is delivered, so the drop was the payload.
        byte[] ip = Packets.IPv4(48);
        ip.CopyTo(plain, 4);
        BitConverter.GetBytes(1UL).Reverse().ToArray().CopyTo(d, 8);
        byte[] nonce = new byte[12];
        nonce[11] = 1;
        aead.Encrypt(nonce, plain, d.AsSpan(16, plain.Length), d.AsSpan(16 + plain.Length), d.AsSpan(0, 16));
        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Server, d).Result.Status);
    }
}
