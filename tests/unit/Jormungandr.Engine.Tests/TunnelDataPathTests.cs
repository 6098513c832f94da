using System.Globalization;
using Jormungandr.Cli.Demo;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>
/// The batched/offloaded data path (sendmmsg, UDP GSO/GRO, TUN TSO) end to end (root only):
/// without padding, and with an inner MTU above the underlay's so packets are fragmented into datagrams
/// of unequal size, a TCP transfer still arrives byte for byte.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TunnelDataPathTests
{
    [NetworkLabTheory]
    [InlineData("e2enopad", new[] { "--no-padding" })]
    [InlineData("e2efrag", new[] { "--mtu", "4000" })]
    public void A_TCP_transfer_arrives_intact(string tag, string[] options)
    {
        using TunnelLab lab = TunnelLab.Create(tag);
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer(false, options);
        LabProcess client = lab.StartClient(1, key, null, options);
        Assert.True(lab.WaitForClient(1, TimeSpan.FromSeconds(45), client) is not null,
            $"client not established.\nserver: {server.StandardError}\nclient: {client.StandardError}");

        (string sent, string received, _) = TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, TunnelLab.ServerInner, 20L << 20, 5204, TimeSpan.FromSeconds(120));
        Assert.Equal(sent, received);
    }

    /// <summary>
    /// TUN GRO with the real kernel, over IPv4 and IPv6: the transfer arrives intact, and the server's TUN
    /// received far fewer (bigger) packets than 1.4 KB segments, so merged GSO writes were taken by the
    /// kernel (each packet counted by rx_packets is one write; JORMUNGANDR_TUN_GRO=0 gives one per segment).
    /// </summary>
    [NetworkLabTheory]
    [InlineData("e2egro4", false)]
    [InlineData("e2egro6", true)]
    public void Coalesced_TUN_writes_carry_a_TCP_transfer_intact(string tag, bool ipv6)
    {
        using TunnelLab lab = TunnelLab.Create(tag);
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer(ipv6);
        LabProcess client = lab.StartClient(1, key);
        Assert.True(lab.WaitForClient(1, TimeSpan.FromSeconds(45), client) is not null,
            $"client not established.\nserver: {server.StandardError}\nclient: {client.StandardError}");

        long packetsBefore = Counter(lab.Lab.Server, lab.ServerInterface, "rx_packets");
        long bytesBefore = Counter(lab.Lab.Server, lab.ServerInterface, "rx_bytes");
        System.Net.IPAddress target = ipv6 ? TunnelLab.ServerInner6 : TunnelLab.ServerInner;
        (string sent, string received, _) = TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, target, 20L << 20, 5205, TimeSpan.FromSeconds(120));
        Assert.Equal(sent, received);

        long packets = Counter(lab.Lab.Server, lab.ServerInterface, "rx_packets") - packetsBefore;
        long bytes = Counter(lab.Lab.Server, lab.ServerInterface, "rx_bytes") - bytesBefore;
        Assert.True(bytes >= 20L << 20, $"rx_bytes grew by only {bytes}");
        Assert.True(bytes / packets > 4000, $"{packets} packets for {bytes} bytes ({bytes / packets} B each): the TUN writes were not coalesced");
    }

    private static long Counter(NetworkNamespace ns, string interfaceName, string name)
    {
        ProcessResult r = ns.Run(["cat", $"/sys/class/net/{interfaceName}/statistics/{name}"]);
        Assert.True(r.Succeeded, r.StandardError);
        return long.Parse(r.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }
}
