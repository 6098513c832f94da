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

    /// <summary>
    /// The data threads: by default a client runs one data thread that waits on the TUN and both UDP
    /// sockets in one poll(), and a server a TUN reader plus a receive thread per socket;
    /// JORMUNGANDR_ONE_THREAD=1 or 0 makes both ends one way. Each way a TCP transfer over IPv6 and pings
    /// both ways pass, and SIGTERM stops the client at once (the loop leaves before its fds close).
    /// </summary>
    [NetworkLabTheory]
    [InlineData("e2eth", null, false, true)]
    [InlineData("e2eth1", "1", true, true)]
    [InlineData("e2eth0", "0", false, false)]
    public void Data_threads_carry_a_transfer_and_pings_and_stop_on_sigterm(string tag, string? oneThread, bool serverOne, bool clientOne)
    {
        using TunnelLab lab = TunnelLab.Create(tag);
        lab.CommandPrefix = oneThread is null ? ["env", "-u", "JORMUNGANDR_ONE_THREAD"] : ["env", "JORMUNGANDR_ONE_THREAD=" + oneThread];
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer(ipv6: true);
        LabProcess client = lab.StartClient(1, key);
        Assert.True(lab.WaitForClient(1, TimeSpan.FromSeconds(45), client) is not null,
            $"client not established.\nserver: {server.StandardError}\nclient: {client.StandardError}");

        foreach ((LabProcess p, string name, bool one) in new[] { (server, lab.ServerInterface, serverOne), (client, lab.ClientInterface(1), clientOne) })
        {
            string[] threads = ThreadNames(p.Id);
            Assert.Equal(one, threads.Contains(Comm(name + " data")));
            Assert.Equal(!one, threads.Contains(Comm(name + " tun")));
            Assert.Equal(!one, threads.Any(t => t.StartsWith(Comm(name + " udp"), StringComparison.Ordinal)));
        }

        (string sent, string received, _) = TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, TunnelLab.ServerInner6, 20L << 20, 5206, TimeSpan.FromSeconds(120));
        Assert.Equal(sent, received);
        foreach ((NetworkNamespace from, string target) in new[] { (lab.Lab.Client, "198.19.0.1"), (lab.Lab.Server, "198.19.0.2"), (lab.Lab.Server, "fd00:5ec::2") })
        {
            ProcessResult ping = from.Run(["ping", "-n", "-q", "-c", "3", "-W", "1", "-i", "0.2", target], TimeSpan.FromSeconds(15));
            Assert.True(ping.Succeeded, $"ping {target}: {ping.StandardOutput}{ping.StandardError}");
        }

        Assert.True(client.Stop(TimeSpan.FromSeconds(10)), "the client did not exit");
        Assert.NotEqual(137, client.ExitCode); // not the SIGKILL after the grace period
        Assert.DoesNotContain(lab.ClientInterface(1), lab.Lab.Client.Run(["ip", "-o", "link", "show"]).StandardOutput, StringComparison.Ordinal);
    }

    // A thread's name as the kernel keeps it (15 bytes at most).
    private static string Comm(string threadName) => threadName.Length > 15 ? threadName[..15] : threadName;

    private static string[] ThreadNames(int pid) =>
        [.. Directory.GetDirectories($"/proc/{pid}/task").Select(t => File.ReadAllText(Path.Combine(t, "comm")).Trim())];

    private static long Counter(NetworkNamespace ns, string interfaceName, string name)
    {
        ProcessResult r = ns.Run(["cat", $"/sys/class/net/{interfaceName}/statistics/{name}"]);
        Assert.True(r.Succeeded, r.StandardError);
        return long.Parse(r.StandardOutput.Trim(), CultureInfo.InvariantCulture);
    }
}
