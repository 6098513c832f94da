using Jormungandr.Cli.Demo;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>
/// The batched/offloaded data path (issue 7: sendmmsg, UDP GSO/GRO, TUN TSO) end to end (root only):
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
}
