using System.Globalization;
using System.Net;
using Jormungandr.Cli.Demo;
using Jormungandr.Engine;
using Jormungandr.Lab;
using Jormungandr.Tunnel;
using Jormungandr.Interop;

namespace Jormungandr.Tests;

/// <summary>
/// The running VPN end to end (root only): real snek server and client processes in two network
/// namespaces, traffic through real TUN interfaces. Tests in this class run one after another; each
/// builds its own lab and removes it (processes, namespaces, keys) and checks nothing is left.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TunnelEndToEndTests
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(45);

    private static SnekSession Establish(TunnelLab lab, int n, LabProcess client, LabProcess? server = null)
    {
        SnekSession? s = lab.WaitForClient(n, Up, client);
        Assert.True(s is not null, $"client {n} not established.\nserver: {server?.StandardError}{server?.StandardOutput}\nclient: {client.StandardError}{client.StandardOutput}");
        return s!;
    }

    private static void AssertPing(NetworkNamespace from, string target, string? device = null, bool expect = true, int count = 3)
    {
        List<string> cmd = ["ping", "-n", "-q", "-c", count.ToString(CultureInfo.InvariantCulture), "-W", "1", "-i", "0.2"];
        if (device is not null)
        {
            cmd.AddRange(["-I", device]);
        }

        cmd.Add(target);
        ProcessResult r = from.Run(cmd, TimeSpan.FromSeconds(15));
        Assert.True(r.Succeeded == expect, $"ping {target} via {device ?? "route"}: expected {(expect ? "replies" : "no replies")}\n{r.StandardOutput}{r.StandardError}");
    }

    private static void AssertNothingLeft(TunnelLab lab)
    {
        string[] names = [lab.ServerInterface, lab.ClientInterface(1), lab.ClientInterface(2)];
        foreach (string name in names)
        {
            Assert.False(File.Exists(StatusServer.PathFor(TunnelDefaults.StatusDirectory, name)), $"socket of {name} left behind");
        }

        Assert.False(NetworkNamespace.NameExists(lab.Lab.Server.Name));
        Assert.False(NetworkNamespace.NameExists(lab.Lab.Client.Name));
        string links = ProcessRunner.Run("ip", ["-o", "link", "show"]).StandardOutput;
        Assert.DoesNotContain("snk" + lab.Tag, links, StringComparison.Ordinal);
        Assert.False(Directory.Exists(lab.Directory));
    }

    [NetworkLabTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Ping_through_the_tunnel_IPv4_and_IPv6_both_ways_and_nothing_is_left_behind(bool ipv6Underlay)
    {
        TunnelLab lab = TunnelLab.Create(ipv6Underlay ? "e2eping6" : "e2eping", ipv6Underlay);
        try
        {
            string key = lab.CreateClientKey("alice");
            LabProcess server = lab.StartServer(ipv6: true);
            LabProcess client = lab.StartClient(1, key);
            SnekSession s = Establish(lab, 1, client, server);
            Assert.Equal(["198.19.0.2", "fd00:5ec::2"], s.TunnelAddresses);

            AssertPing(lab.Lab.Client, "198.19.0.1");
            AssertPing(lab.Lab.Server, "198.19.0.2");
            AssertPing(lab.Lab.Client, "fd00:5ec::1");
            AssertPing(lab.Lab.Server, "fd00:5ec::2");

            // Both ends see each other with the right identity.
            SnekSession serverSide = Assert.Single(TunnelLab.Sessions(lab.ServerInterface));
            Assert.Equal(lab.FingerprintOf(key), serverSide.PeerFingerprint);
            Assert.Equal("alice", serverSide.PeerName);
            Assert.Equal(lab.FingerprintOf(lab.ServerKey), s.PeerFingerprint);
            Assert.True(File.Exists(StatusServer.PathFor(TunnelDefaults.StatusDirectory, lab.ServerInterface)));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite,
                File.GetUnixFileMode(StatusServer.PathFor(TunnelDefaults.StatusDirectory, lab.ServerInterface)) & (UnixFileMode)0x1FF);
        }
        finally
        {
            lab.Dispose();
        }

        AssertNothingLeft(lab);
    }

    [NetworkLabTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_50_MB_TCP_transfer_arrives_with_the_same_SHA256(bool ipv6Underlay)
    {
        using TunnelLab lab = TunnelLab.Create(ipv6Underlay ? "e2etcp6" : "e2etcp", ipv6Underlay);
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key);
        Establish(lab, 1, client, server);

        (string sent, string received, _) = TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, TunnelLab.ServerInner, 50L << 20, 5201, TimeSpan.FromSeconds(150));
        Assert.Equal(sent, received);

        // And the other way, smaller.
        (sent, received, _) = TunnelLab.Transfer(lab.Lab.Server, lab.Lab.Client, IPAddress.Parse("198.19.0.2"), 5L << 20, 5202, TimeSpan.FromSeconds(60));
        Assert.Equal(sent, received);
    }

    [NetworkLabFact]
    public void Status_counters_agree_with_the_traffic_sent()
    {
        using TunnelLab lab = TunnelLab.Create("e2ecount");
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key);
        Establish(lab, 1, client, server);
        SnekSession before = Assert.Single(TunnelLab.Sessions(lab.ServerInterface));

        // 20 echo requests of 1000 data bytes: IPv4 20 + ICMP 8 + 1000 = 1028 bytes each, and as many replies.
        const int Count = 20;
        const int Size = 1028;
        AssertPing(lab.Lab.Client, "198.19.0.1", count: Count);
        AssertPingSized(lab.Lab.Client, Count);
        SnekSession after = Assert.Single(TunnelLab.Sessions(lab.ServerInterface));
        SnekSession clientSide = Assert.Single(TunnelLab.Sessions(lab.ClientInterface(1)));

        long packetsIn = after.PacketsIn - before.PacketsIn;
        long bytesIn = after.BytesIn - before.BytesIn;
        long packetsOut = after.PacketsOut - before.PacketsOut;
        // Our pings plus a little background (IPv6 router solicitations and the like): within a few packets.
        Assert.InRange(packetsIn, 2 * Count, (2 * Count) + 10);
        Assert.InRange(bytesIn, (Count * Size) + (Count * 84), (Count * Size) + (Count * 84) + 2000);
        Assert.InRange(packetsOut, 2 * Count, (2 * Count) + 10);
        // What the server received is what the client sent, and the reverse.
        Assert.InRange(clientSide.PacketsOut - after.PacketsIn, -5, 5);
        Assert.InRange(clientSide.BytesIn - after.BytesOut, -2000, 2000);
        Assert.Equal(0, after.DropsAuth + after.DropsReplay + after.DropsMalformed);

        static void AssertPingSized(NetworkNamespace from, int count)
        {
            ProcessResult r = from.Run(["ping", "-n", "-q", "-c", count.ToString(CultureInfo.InvariantCulture), "-s", "1000", "-W", "1", "-i", "0.2", "198.19.0.1"], TimeSpan.FromSeconds(20));
            Assert.True(r.Succeeded, r.StandardOutput + r.StandardError);
        }
    }

    [NetworkLabFact]
    public void Two_clients_each_reach_the_server_and_cannot_spoof_each_other()
    {
        using TunnelLab lab = TunnelLab.Create("e2etwo");
        string alice = lab.CreateClientKey("alice");
        string bob = lab.CreateClientKey("bob");
        LabProcess server = lab.StartServer();
        LabProcess c1 = lab.StartClient(1, alice);
        LabProcess c2 = lab.StartClient(2, bob);
        SnekSession s1 = Establish(lab, 1, c1, server);
        SnekSession s2 = Establish(lab, 2, c2, server);
        Assert.NotEqual(s1.TunnelAddresses[0], s2.TunnelAddresses[0]);
        Assert.Equal(2, TunnelLab.Sessions(lab.ServerInterface).Count);

        AssertPing(lab.Lab.Client, "198.19.0.1", lab.ClientInterface(1));
        AssertPing(lab.Lab.Client, "198.19.0.1", lab.ClientInterface(2));

        // Bob's tunnel sends packets claiming Alice's address: the server drops and counts them.
        lab.Lab.Client.Run(["nft", "add", "table", "ip", "spoof"]).EnsureSuccess();
        lab.Lab.Client.Run(["nft", "add", "chain", "ip", "spoof", "post", "{ type nat hook postrouting priority 100 ; }"]).EnsureSuccess();
        lab.Lab.Client.Run(["nft", "add", "rule", "ip", "spoof", "post", "oifname", lab.ClientInterface(2), "snat", "to", s1.TunnelAddresses[0]]).EnsureSuccess();
        AssertPing(lab.Lab.Client, "198.19.0.1", lab.ClientInterface(2), expect: false);

        string bobFingerprint = lab.FingerprintOf(bob);
        SnekSession bobOnServer = TunnelLab.Sessions(lab.ServerInterface).Single(s => s.PeerFingerprint == bobFingerprint);
        Assert.True(bobOnServer.DropsRouting >= 3, $"routing drops {bobOnServer.DropsRouting}");
        // Alice is unaffected.
        AssertPing(lab.Lab.Client, "198.19.0.1", lab.ClientInterface(1));
    }

    [NetworkLabFact]
    public void A_client_drops_packets_from_the_server_whose_source_is_outside_its_tunnel_networks()
    {
        using TunnelLab lab = TunnelLab.Create("e2espoof");
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key);
        Establish(lab, 1, client, server);
        AssertPing(lab.Lab.Server, "198.19.0.2");

        // The server side sends into the tunnel with a source outside the pool (as a malicious
        // server injecting traffic from another host would): the client must drop and count it.
        lab.Lab.Server.Run(["nft", "add", "table", "ip", "spoof"]).EnsureSuccess();
        lab.Lab.Server.Run(["nft", "add", "chain", "ip", "spoof", "post", "{ type nat hook postrouting priority 100 ; }"]).EnsureSuccess();
        lab.Lab.Server.Run(["nft", "add", "rule", "ip", "spoof", "post", "oifname", lab.ServerInterface, "snat", "to", "198.18.99.1"]).EnsureSuccess();
        AssertPing(lab.Lab.Server, "198.19.0.2", expect: false);

        SnekSession clientSide = Assert.Single(TunnelLab.Sessions(lab.ClientInterface(1)));
        Assert.True(clientSide.DropsRouting >= 3, $"client routing drops {clientSide.DropsRouting}");
        Assert.Equal(clientSide.DropsAuth + clientSide.DropsReplay + clientSide.DropsRouting + clientSide.DropsMalformed, clientSide.Drops);
    }

    [NetworkLabFact]
    public void An_unauthorized_client_is_refused_and_the_server_is_unchanged()
    {
        using TunnelLab lab = TunnelLab.Create("e2eunauth");
        string mallory = lab.CreateClientKey("mallory", authorize: false);
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, mallory);
        SnekSession? s = lab.WaitForClient(1, TimeSpan.FromSeconds(8), client);
        Assert.Null(s);
        Assert.Empty(TunnelLab.Sessions(lab.ServerInterface));
        Assert.False(server.HasExited);
        Assert.True(server.WaitForOutput("not authorized", TimeSpan.FromSeconds(5)), server.StandardOutput + server.StandardError);
        AssertPing(lab.Lab.Client, "198.19.0.1", expect: false, count: 2);
    }

    [NetworkLabFact]
    public void A_client_refuses_a_server_whose_key_is_not_pinned()
    {
        using TunnelLab lab = TunnelLab.Create("e2epin");
        string key = lab.CreateClientKey("alice");
        string other = lab.CreateClientKey("not-the-server", authorize: false);
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key, serverKey: Path.ChangeExtension(other, ".pub"));
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(30)), "client kept running against an unpinned server");
        Assert.Equal(Commands.ExitCodes.Security, client.ExitCode);
        Assert.Contains("not pinned or trusted", client.StandardError, StringComparison.Ordinal);
        Assert.Empty(TunnelLab.Sessions(lab.ServerInterface));
    }

    [NetworkLabTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void Server_killed_and_restarted_the_client_reconnects_and_traffic_resumes(bool ipv6Underlay)
    {
        using TunnelLab lab = TunnelLab.Create(ipv6Underlay ? "e2erestart6" : "e2erestart", ipv6Underlay);
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key);
        SnekSession first = Establish(lab, 1, client, server);
        AssertPing(lab.Lab.Client, "198.19.0.1");

        Assert.Equal(0, LibC.Kill(server.Id, LibC.SigKill));
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)));
        LabProcess again = lab.StartServer();
        SnekSession? second = TunnelLab.WaitForSession(lab.ClientInterface(1),
            s => s.State == SessionState.Established && s.Established > first.Established, Up, client);
        Assert.True(second is not null, "no reconnect.\nclient: " + client.StandardOutput + client.StandardError + "\nserver: " + again.StandardError);
        AssertPing(lab.Lab.Client, "198.19.0.1");
        AssertPing(lab.Lab.Server, "198.19.0.2");
    }

    [NetworkLabFact]
    public void With_1_percent_UDP_loss_on_the_underlay_a_transfer_completes_intact()
    {
        using TunnelLab lab = TunnelLab.Create("e2eloss");
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key);
        Establish(lab, 1, client, server);
        foreach ((NetworkNamespace ns, string match) in new[] { (lab.Lab.Server, "dport"), (lab.Lab.Client, "sport") })
        {
            ns.Run(["nft", "add", "table", "inet", "loss"]).EnsureSuccess();
            ns.Run(["nft", "add", "chain", "inet", "loss", "in", "{ type filter hook input priority 0 ; }"]).EnsureSuccess();
            ns.Run(["nft", "add", "rule", "inet", "loss", "in", "udp", match, "10666", "numgen", "random", "mod", "100", "<", "1", "counter", "drop"]).EnsureSuccess();
        }

        (string sent, string received, _) = TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, TunnelLab.ServerInner, 20L << 20, 5203, TimeSpan.FromSeconds(150));
        Assert.Equal(sent, received);
        // The rule really dropped packets.
        string counters = lab.Lab.Server.Run(["nft", "list", "table", "inet", "loss"]).StandardOutput;
        Assert.Matches(@"packets [1-9]\d* bytes", counters);
    }

    [NetworkLabTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_client_moving_to_a_new_UDP_port_keeps_its_session(bool ipv6Underlay)
    {
        using TunnelLab lab = TunnelLab.Create(ipv6Underlay ? "e2eroam6" : "e2eroam", ipv6Underlay);
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key);
        Establish(lab, 1, client, server);
        AssertPing(lab.Lab.Client, "198.19.0.1");
        SnekSession before = Assert.Single(TunnelLab.Sessions(lab.ServerInterface));
        Assert.NotNull(before.Endpoint);

        StatusResponse r = StatusClient.QueryAsync(StatusServer.PathFor(TunnelDefaults.StatusDirectory, lab.ClientInterface(1)),
            new StatusRequest { Op = StatusProtocol.OpRebind }, CancellationToken.None).GetAwaiter().GetResult();
        Assert.True(r.Ok, r.Error);
        AssertPing(lab.Lab.Client, "198.19.0.1");
        SnekSession after = Assert.Single(TunnelLab.Sessions(lab.ServerInterface));
        Assert.NotEqual(before.Endpoint, after.Endpoint);
        Assert.StartsWith(ipv6Underlay ? "[2001:2::2]:" : "198.18.0.2:", after.Endpoint, StringComparison.Ordinal);
        Assert.Equal(before.Established, after.Established);
        Assert.Equal(before.Rekeys, after.Rekeys);
        AssertPing(lab.Lab.Server, "198.19.0.2");
    }

    [NetworkLabFact]
    public void Rekeying_under_continuous_traffic_loses_nothing()
    {
        using TunnelLab lab = TunnelLab.Create("e2erekey");
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer();
        LabProcess client = lab.StartClient(1, key, null, "--rekey-after", "2");
        Establish(lab, 1, client, server);

        // 50 pings over 10 s while the client rekeys every 2 s: every one answered.
        ProcessResult r = lab.Lab.Client.Run(["ping", "-n", "-q", "-c", "50", "-i", "0.2", "-W", "2", "198.19.0.1"], TimeSpan.FromSeconds(30));
        Assert.True(r.Succeeded, r.StandardOutput + r.StandardError);
        Assert.Contains(" 0% packet loss", r.StandardOutput, StringComparison.Ordinal);
        SnekSession serverSide = Assert.Single(TunnelLab.Sessions(lab.ServerInterface));
        SnekSession clientSide = Assert.Single(TunnelLab.Sessions(lab.ClientInterface(1)));
        Assert.True(clientSide.Rekeys >= 3, $"client rekeys {clientSide.Rekeys}");
        Assert.True(serverSide.Rekeys >= 3, $"server rekeys {serverSide.Rekeys}");
        Assert.Equal(0, serverSide.DropsAuth + serverSide.DropsReplay + serverSide.DropsMalformed);
        Assert.True(serverSide.LastHandshake > serverSide.Established);
    }
}
