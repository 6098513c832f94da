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
    /// The data threads: by default each end runs one data thread that waits on the TUN and the UDP
    /// sockets in one poll(), and hands the sockets to a receive helper ("recv") while it is busy;
    /// JORMUNGANDR_ONE_THREAD=1 keeps one thread always, =0 a TUN reader plus a receive thread per socket.
    /// With the load thresholds at their extremes the sockets pass to the helper and back every load
    /// window, all through the transfer. Each way a TCP transfer over IPv6 arrives intact, pings pass
    /// both ways, and SIGTERM stops the client at once (the loops leave before their fds close).
    /// </summary>
    [NetworkLabTheory]
    [InlineData("e2eth", new string[0], true, null)]
    [InlineData("e2eth1", new[] { "JORMUNGANDR_ONE_THREAD=1" }, true, false)]
    [InlineData("e2eth0", new[] { "JORMUNGANDR_ONE_THREAD=0" }, false, false)]
    [InlineData("e2ethx", new[] { "JORMUNGANDR_SPLIT_LOAD=0", "JORMUNGANDR_MERGE_LOAD=2" }, true, true)]
    public void Data_threads_carry_a_transfer_and_pings_and_stop_on_sigterm(string tag, string[] environment, bool dataThread, bool? helper)
    {
        using TunnelLab lab = TunnelLab.Create(tag);
        lab.CommandPrefix = ["env", "-u", "JORMUNGANDR_ONE_THREAD", "-u", "JORMUNGANDR_SPLIT_LOAD", "-u", "JORMUNGANDR_MERGE_LOAD", .. environment];
        string key = lab.CreateClientKey("alice");
        LabProcess server = lab.StartServer(true, "--verbose");
        LabProcess client = lab.StartClient(1, key, null, "--verbose");
        Assert.True(lab.WaitForClient(1, TimeSpan.FromSeconds(45), client) is not null,
            $"client not established.\nserver: {server.StandardError}\nclient: {client.StandardError}");

        (LabProcess Process, string Interface)[] ends = [(server, lab.ServerInterface), (client, lab.ClientInterface(1))];
        foreach ((LabProcess p, string name) in ends)
        {
            string[] threads = ThreadNames(p.Id);
            Assert.Equal(dataThread, threads.Contains(Comm(name + " data")));
            Assert.Equal(!dataThread, threads.Contains(Comm(name + " tun")));
            Assert.Equal(!dataThread, threads.Any(t => t.StartsWith(Comm(name + " udp"), StringComparison.Ordinal)));
        }

        (string sent, string received, _) = TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, TunnelLab.ServerInner6, 20L << 20, 5206, TimeSpan.FromSeconds(120));
        Assert.Equal(sent, received);
        foreach ((NetworkNamespace from, string target) in new[] { (lab.Lab.Client, "198.19.0.1"), (lab.Lab.Server, "198.19.0.2"), (lab.Lab.Server, "fd00:5ec::2") })
        {
            ProcessResult ping = from.Run(["ping", "-n", "-q", "-c", "3", "-W", "1", "-i", "0.2", target], TimeSpan.FromSeconds(15));
            Assert.True(ping.Succeeded, $"ping {target}: {ping.StandardOutput}{ping.StandardError}");
        }

        if (helper is bool expected)
        {
            // The helper is started at the first hand-over and stays (asleep) for the next; each hand-over
            // and return is a debug line. At the extremes the sockets go to and fro every window under load.
            foreach ((LabProcess p, string name) in ends)
            {
                Assert.Equal(expected, ThreadNames(p.Id).Contains(Comm(name + " recv")));
                int splits = Occurrences(p.StandardError, "Receive helper takes the UDP sockets");
                int merges = Occurrences(p.StandardError, "Receive helper gives the UDP sockets back");
                Assert.True(expected ? splits >= 5 && merges >= 4 : splits == 0 && merges == 0, $"{name}: {splits} hand-overs, {merges} returns");
            }
        }

        Assert.True(client.Stop(TimeSpan.FromSeconds(10)), "the client did not exit");
        Assert.NotEqual(137, client.ExitCode); // not the SIGKILL after the grace period
        Assert.DoesNotContain(lab.ClientInterface(1), lab.Lab.Client.Run(["ip", "-o", "link", "show"]).StandardOutput, StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string value)
    {
        int n = 0;
        for (int i = text.IndexOf(value, StringComparison.Ordinal); i >= 0; i = text.IndexOf(value, i + value.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
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
