using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Lab;
using Jormungandr.Routing;

namespace Jormungandr.Tests;

/// <summary>
/// The host routing components against real kernels, inside a <see cref="RoutedLab"/> (client — router —
/// server — internet; root only). Every change is made from a thread inside the lab namespace
/// (<see cref="NamespaceThread"/>), so the machine's own routing is never touched; the namespaces, and
/// with them every route, rule, nftables table and setting, go when the lab is disposed, also on failure.
/// "Identical" means the text of <c>ip route show table all</c>, <c>ip -6 route show table all</c>,
/// <c>ip rule</c> and <c>ip -6 rule</c>.
/// </summary>
public sealed class HostRoutingLabTests : IDisposable
{
    private const string Tun = "snk0";
    private const int Port = 4433;
    private readonly string _runDirectory = Directory.CreateTempSubdirectory("snek-hostrouting-").FullName;

    public void Dispose()
    {
        Directory.Delete(_runDirectory, recursive: true);
    }

    [NetworkLabFact]
    public void Full_tunnel_routes_unmarked_traffic_into_the_tunnel_marked_through_the_underlay_and_leaves_routing_identical()
    {
        using RoutedLab lab = RoutedLab.Create("ftun");
        using TunDevice tun = CreateTun(lab.Client);
        string before = lab.Client.RoutingSnapshot();
        string validMark = Sysctl(lab.Client, "net.ipv4.conf.all.src_valid_mark");

        HostRouting routing = NamespaceThread.Run(lab.Client, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _));
        try
        {
            NamespaceThread.Run(lab.Client, () => routing.ApplyFullTunnel(new FullTunnelOptions(Tun)));

            string rules = lab.Client.Ip("rule").StandardOutput;
            Assert.Contains("32760:\tfrom all lookup main suppress_prefixlength 0", rules, StringComparison.Ordinal);
            Assert.Contains("32761:\tnot from all fwmark 0x536e lookup 21358", rules, StringComparison.Ordinal);
            Assert.Contains("32761:\tnot from all fwmark 0x536e lookup 21358", lab.Client.Ip("-6", "rule").StandardOutput, StringComparison.Ordinal);
            Assert.Equal("1", Sysctl(lab.Client, "net.ipv4.conf.all.src_valid_mark"));

            // The server (not on-link) goes into the tunnel unless marked; the LAN stays on the LAN.
            Assert.Contains("dev " + Tun + " table 21358", RouteGet(lab.Client, RoutedLab.ServerAddress), StringComparison.Ordinal);
            Assert.Contains("via " + RoutedLab.RouterClientSide + " dev " + lab.ClientLink.NameB, RouteGet(lab.Client, RoutedLab.ServerAddress, "0x536e"), StringComparison.Ordinal);
            Assert.Contains("dev " + Tun + " table 21358", RouteGet(lab.Client, RoutedLab.ServerAddress6), StringComparison.Ordinal);
            Assert.Contains("via " + RoutedLab.RouterClientSide6 + " dev " + lab.ClientLink.NameB, RouteGet(lab.Client, RoutedLab.ServerAddress6, "0x536e"), StringComparison.Ordinal);
            Assert.Contains("dev " + lab.ClientLink.NameB, RouteGet(lab.Client, RoutedLab.RouterClientSide), StringComparison.Ordinal);
            Assert.DoesNotContain(Tun, RouteGet(lab.Client, RoutedLab.RouterClientSide), StringComparison.Ordinal);

            // Real traffic: a marked TCP connection reaches the server through the router, IPv4 and IPv6 ...
            foreach (IPAddress server in new[] { RoutedLab.ServerAddress, RoutedLab.ServerAddress6 })
            {
                using Socket listener = Listen(lab.Server, server);
                using Socket marked = NamespaceThread.Run(lab.Client, () => new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
                SocketMark.Apply(marked, FullTunnelOptions.DefaultMark);
                Assert.Equal(FullTunnelOptions.DefaultMark, SocketMark.Read(marked));
                Assert.True(marked.ConnectAsync(server, Port).Wait(TimeSpan.FromSeconds(5)), "marked connection to " + server + " did not complete");
                using Socket accepted = listener.Accept();
                Assert.Equal(RoutedLab.ClientAddress.AddressFamily == server.AddressFamily ? RoutedLab.ClientAddress : RoutedLab.ClientAddress6, ((IPEndPoint)accepted.RemoteEndPoint!).Address);
            }

            // ... while an unmarked datagram to the same server comes out of the tunnel interface.
            using (Socket unmarked = NamespaceThread.Run(lab.Client, () => new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp)))
            {
                unmarked.SendTo("into the tunnel"u8, new IPEndPoint(RoutedLab.ServerAddress, Port));
                byte[] packet = ReadIPv4Packet(tun, RoutedLab.ServerAddress);
                Assert.Equal(17, packet[9]); // UDP
            }

            NamespaceThread.Run(lab.Client, routing.Remove);
            Assert.Empty(routing.Changes);
            Assert.Empty(Journals());
            Assert.Equal(before, lab.Client.RoutingSnapshot());
            Assert.Equal(validMark, Sysctl(lab.Client, "net.ipv4.conf.all.src_valid_mark"));
        }
        finally
        {
            TryRemove(lab.Client, routing);
        }
    }

    [NetworkLabFact]
    public void After_a_crash_the_next_start_removes_the_full_tunnel_leftovers()
    {
        using RoutedLab lab = RoutedLab.Create("ftcrash");
        using TunDevice tun = CreateTun(lab.Client);
        string before = lab.Client.RoutingSnapshot();
        string validMark = Sysctl(lab.Client, "net.ipv4.conf.all.src_valid_mark");

        // First run: applies, then "dies" (never removes).
        NamespaceThread.Run(lab.Client, () =>
        {
            HostRouting crashed = HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _);
            crashed.ApplyFullTunnel(new FullTunnelOptions(Tun));
        });
        Assert.NotEqual(before, lab.Client.RoutingSnapshot());
        Assert.Equal(NamespaceThread.Run(lab.Client, () => HostJournal.PathFor(_runDirectory, Tun)), Assert.Single(Journals()));

        // Next start under the same name finds the journal and undoes it before anything new.
        (HostRouting next, IReadOnlyList<HostChange> recovered) = NamespaceThread.Run(lab.Client, () =>
        {
            HostRouting routing = HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out IReadOnlyList<HostChange> undone);
            return (routing, undone);
        });
        Assert.Equal(7, recovered.Count); // src_valid_mark, and per family a route and two rules
        Assert.Empty(next.Changes);
        Assert.Equal(before, lab.Client.RoutingSnapshot());
        Assert.Equal(validMark, Sysctl(lab.Client, "net.ipv4.conf.all.src_valid_mark"));

        // The same when the interface went with the crashed process (as a TUN does) and the journal is an orphan.
        NamespaceThread.Run(lab.Client, () => next.ApplyFullTunnel(new FullTunnelOptions(Tun)));
        NamespaceThread.Run(lab.Client, tun.Dispose);
        string withoutTun = lab.Client.RoutingSnapshot();
        Assert.Contains("fwmark 0x536e", withoutTun, StringComparison.Ordinal); // rules outlive the interface
        IReadOnlyList<string> errors = [];
        IReadOnlyList<HostChange> orphans = NamespaceThread.Run(lab.Client, () =>
            HostRouting.RecoverOrphans(HostSystem.Linux(), _runDirectory, TunDevice.Exists, null, out errors));
        Assert.Empty(errors);
        Assert.Equal(7, orphans.Count);
        Assert.DoesNotContain("fwmark", lab.Client.Ip("rule").StandardOutput + lab.Client.Ip("-6", "rule").StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("21358", lab.Client.Ip("route", "show", "table", "all").StandardOutput, StringComparison.Ordinal);
        Assert.Empty(Journals());
    }

    [NetworkLabFact]
    public void A_failed_step_undoes_the_steps_before_it()
    {
        using RoutedLab lab = RoutedLab.Create("ftfail");
        using TunDevice tun = CreateTun(lab.Client);
        // Someone else's rule with exactly our IPv6 mark rule's attributes: adding ours fails with EEXIST.
        lab.Client.Ip("-6", "rule", "add", "not", "fwmark", "0x536e", "table", "21358", "pref", "32761");
        string before = lab.Client.RoutingSnapshot();

        HostRouting routing = NamespaceThread.Run(lab.Client, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _));
        SnekException e = Assert.Throws<SnekException>(() => NamespaceThread.Run(lab.Client, () => routing.ApplyFullTunnel(new FullTunnelOptions(Tun))));
        Assert.Equal(ErrorKind.ResourceExists, e.Kind);
        Assert.Contains("File exists", e.Message, StringComparison.Ordinal);
        Assert.Empty(routing.Changes);
        Assert.Equal(before, lab.Client.RoutingSnapshot()); // the other rule is still there, ours are gone
    }

    [NetworkLabFact]
    public void Kill_switch_drops_unmarked_traffic_outside_the_tunnel_and_is_removed_on_down()
    {
        using RoutedLab lab = RoutedLab.Create("kill");
        using TunDevice tun = CreateTun(lab.Client);
        string tablesBefore = lab.Client.Run(["nft", "list", "tables"]).EnsureSuccess().StandardOutput;
        using Socket listener = Listen(lab.Server, RoutedLab.ServerAddress);
        using Socket listener6 = Listen(lab.Server, RoutedLab.ServerAddress6);

        HostRouting routing = NamespaceThread.Run(lab.Client, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _));
        try
        {
            NamespaceThread.Run(lab.Client, () => routing.ApplyKillSwitch(FullTunnelOptions.DefaultMark));
            Assert.Contains("table inet snek_killswitch_snk0", lab.Client.Run(["nft", "list", "tables"]).StandardOutput, StringComparison.Ordinal);

            // The neighbour caches start empty: the IPv6 marked connection also proves neighbour discovery passes.
            foreach (IPAddress server in new[] { RoutedLab.ServerAddress6, RoutedLab.ServerAddress })
            {
                Assert.False(Connects(lab.Client, server, mark: null), "unmarked traffic to " + server + " leaked past the kill switch");
                Assert.True(Connects(lab.Client, server, FullTunnelOptions.DefaultMark), "the tunnel's marked socket to " + server + " was blocked");
            }

            Assert.True(lab.Client.Run(["ping", "-n", "-q", "-c", "1", "-W", "1", "127.0.0.1"]).Succeeded, "loopback was blocked");

            NamespaceThread.Run(lab.Client, routing.Remove);
            Assert.Equal(tablesBefore, lab.Client.Run(["nft", "list", "tables"]).EnsureSuccess().StandardOutput);
            Assert.True(Connects(lab.Client, RoutedLab.ServerAddress, mark: null), "traffic still blocked after the kill switch was removed");
        }
        finally
        {
            TryRemove(lab.Client, routing);
        }
    }

    [NetworkLabFact]
    public void Gateway_masquerades_pool_traffic_to_the_internet_host_and_restores_forwarding()
    {
        using RoutedLab lab = RoutedLab.Create("gw");
        // A host on the "pool" behind a veth that stands in for the server's TUN.
        using NetworkNamespace poolHost = NetworkNamespace.Create("gw-pool");
        using VethPair pool = VethPair.Create(lab.Server, IPAddress.Parse("198.19.0.1"), poolHost, IPAddress.Parse("198.19.0.2"));
        pool.AddAddresses(IPAddress.Parse("fd00:5ec::1"), IPAddress.Parse("fd00:5ec::2"), 64);
        poolHost.Ip("route", "add", "default", "via", "198.19.0.1");
        poolHost.Ip("-6", "route", "add", "default", "via", "fd00:5ec::1");
        RoutedLab.WaitForSettledAddresses(poolHost);
        RoutedLab.WaitForSettledAddresses(lab.Server);
        // A new namespace may inherit IPv4 forwarding from the host: start from a known "off".
        _ = lab.Server.Run(["sysctl", "-q", "-w", "net.ipv4.ip_forward=0", "net.ipv6.conf.all.forwarding=0"]).EnsureSuccess();
        string before = lab.Server.RoutingSnapshot();
        string tablesBefore = lab.Server.Run(["nft", "list", "tables"]).EnsureSuccess().StandardOutput;
        IPAddress[] internet = [RoutedLab.InternetAddress, RoutedLab.InternetAddress6];
        foreach (IPAddress target in internet)
        {
            Assert.False(Connects(poolHost, target, mark: null, listenIn: lab.Internet), "reached " + target + " without the gateway");
        }

        HostRouting routing = NamespaceThread.Run(lab.Server, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, pool.NameA, out _));
        try
        {
            NamespaceThread.Run(lab.Server, () => routing.ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), IPNetwork.Parse("fd00:5ec::/64")));
            Assert.Equal("1", Sysctl(lab.Server, "net.ipv4.ip_forward"));
            Assert.Equal("1", Sysctl(lab.Server, "net.ipv6.conf.all.forwarding"));
            foreach (IPAddress target in internet)
            {
                // The internet host sees the server's address on its link, not the pool's.
                IPAddress seen = target.AddressFamily == AddressFamily.InterNetwork ? RoutedLab.ServerInternetSide : RoutedLab.ServerInternetSide6;
                Assert.Equal(seen, ConnectAndSeeSource(poolHost, lab.Internet, target));
            }

            // Crash, then the next start: forwarding and the table are undone from the journal.
            HostRouting next = NamespaceThread.Run(lab.Server, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, pool.NameA, out _));
            Assert.Equal("0", Sysctl(lab.Server, "net.ipv4.ip_forward"));
            Assert.Equal("0", Sysctl(lab.Server, "net.ipv6.conf.all.forwarding"));
            Assert.Equal(tablesBefore, lab.Server.Run(["nft", "list", "tables"]).EnsureSuccess().StandardOutput);
            Assert.Equal(before, lab.Server.RoutingSnapshot());

            // And a clean stop.
            NamespaceThread.Run(lab.Server, () => next.ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), null));
            Assert.Equal(RoutedLab.ServerInternetSide, ConnectAndSeeSource(poolHost, lab.Internet, RoutedLab.InternetAddress));
            Assert.Equal("0", Sysctl(lab.Server, "net.ipv6.conf.all.forwarding")); // no IPv6 pool, IPv6 untouched
            NamespaceThread.Run(lab.Server, next.Remove);
            Assert.Equal("0", Sysctl(lab.Server, "net.ipv4.ip_forward"));
            Assert.Equal(tablesBefore, lab.Server.Run(["nft", "list", "tables"]).EnsureSuccess().StandardOutput);
            Assert.Equal(before, lab.Server.RoutingSnapshot());
            Assert.False(Connects(poolHost, RoutedLab.InternetAddress, mark: null, listenIn: lab.Internet), "still forwarding after the gateway was removed");
        }
        finally
        {
            TryRemove(lab.Server, routing);
        }
    }

    [NetworkLabFact]
    public void Dns_in_a_namespace_replaces_its_resolv_conf_and_puts_it_back_byte_for_byte()
    {
        using NetworkNamespace ns = NetworkNamespace.Create("dns");
        string directory = Path.Combine("/etc/netns", ns.Name);
        bool hadNetnsDirectory = Directory.Exists("/etc/netns");
        try
        {
            Directory.CreateDirectory(directory);
            string resolvConf = Path.Combine(directory, "resolv.conf");
            byte[] original = "# the namespace's own\nnameserver 198.18.0.53\nsearch lab.example\noptions edns0\n"u8.ToArray();
            File.WriteAllBytes(resolvConf, original);
            ns.Ip("tuntap", "add", "dev", Tun, "mode", "tun");
            var settings = new DnsSettings([IPAddress.Parse("198.19.0.1"), IPAddress.Parse("fd00:5ec::1")], ["corp.example", "lab.example"], routeAllQueries: true);

            HostRouting routing = NamespaceThread.Run(ns, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _));
            Assert.Equal(DnsMethod.File, NamespaceThread.Run(ns, () => routing.ApplyDns(settings, DnsMethod.File, resolvConf)));
            string seen = ns.Run(["cat", "/etc/resolv.conf"]).EnsureSuccess().StandardOutput;
            Assert.Equal(TunnelDns.FileText(Tun, settings), seen);
            Assert.Contains("nameserver 198.19.0.1\nnameserver fd00:5ec::1\nsearch corp.example lab.example\n", seen, StringComparison.Ordinal);

            NamespaceThread.Run(ns, routing.Remove);
            Assert.Equal(original, File.ReadAllBytes(resolvConf));
            Assert.Equal(Convert.ToHexString(original), Convert.ToHexString(System.Text.Encoding.UTF8.GetBytes(ns.Run(["cat", "/etc/resolv.conf"]).StandardOutput)));
            Assert.Empty(Directory.GetFiles(_runDirectory));

            // Crash and recovery.
            NamespaceThread.Run(ns, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _).ApplyDns(settings, DnsMethod.File, resolvConf));
            Assert.NotEqual(original, File.ReadAllBytes(resolvConf));
            NamespaceThread.Run(ns, () => HostRouting.Open(HostSystem.Linux(), _runDirectory, Tun, out _));
            Assert.Equal(original, File.ReadAllBytes(resolvConf));
            Assert.Empty(Directory.GetFiles(_runDirectory));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
            if (!hadNetnsDirectory)
            {
                Directory.Delete("/etc/netns");
            }
        }
    }

    // ---------- helpers ----------

    private string[] Journals() => Directory.GetFiles(_runDirectory, "*" + HostJournal.Suffix);

    private static TunDevice CreateTun(NetworkNamespace ns)
    {
        TunDevice tun = NamespaceThread.Run(ns, () =>
        {
            TunDevice device = TunDevice.Open(Tun);
            InterfaceConfig.Up(Tun, 1400);
            InterfaceConfig.AddAddress(Tun, IPAddress.Parse("198.19.0.2"), 24);
            InterfaceConfig.AddAddress(Tun, IPAddress.Parse("fd00:5ec::2"), 64);
            return device;
        });
        RoutedLab.WaitForSettledAddresses(ns);
        return tun;
    }

    private static string Sysctl(NetworkNamespace ns, string key) => ns.Run(["sysctl", "-n", key]).EnsureSuccess().StandardOutput.Trim();

    private static string RouteGet(NetworkNamespace ns, IPAddress destination, string? mark = null) =>
        mark is null
            ? ns.Ip(destination.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4", "route", "get", destination.ToString()).StandardOutput
            : ns.Ip(destination.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4", "route", "get", destination.ToString(), "mark", mark).StandardOutput;

    private static Socket Listen(NetworkNamespace ns, IPAddress address) => NamespaceThread.Run(ns, () =>
    {
        var listener = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(address, Port));
        listener.Listen(4);
        return listener;
    });

    /// <summary>True when a TCP connection from <paramref name="from"/> to the target completes within 2 s (a listener in <paramref name="listenIn"/> if given).</summary>
    private static bool Connects(NetworkNamespace from, IPAddress target, uint? mark, NetworkNamespace? listenIn = null)
    {
        using Socket? listener = listenIn is null ? null : Listen(listenIn, target);
        using Socket socket = NamespaceThread.Run(from, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        if (mark is uint m)
        {
            SocketMark.Apply(socket, m);
        }

        try
        {
            return socket.ConnectAsync(target, Port).Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException e) when (e.InnerException is SocketException)
        {
            return false; // refused by the firewall (EPERM) or unreachable
        }
    }

    private static IPAddress ConnectAndSeeSource(NetworkNamespace from, NetworkNamespace listenIn, IPAddress target)
    {
        using Socket listener = Listen(listenIn, target);
        using Socket socket = NamespaceThread.Run(from, () => new Socket(target.AddressFamily, SocketType.Stream, ProtocolType.Tcp));
        Assert.True(socket.ConnectAsync(target, Port).Wait(TimeSpan.FromSeconds(5)), "no connection to " + target + " through the gateway");
        using Socket accepted = listener.Accept();
        return ((IPEndPoint)accepted.RemoteEndPoint!).Address;
    }

    /// <summary>Reads packets from the TUN for at most 5 s until an IPv4 one to <paramref name="destination"/> comes.</summary>
    private static byte[] ReadIPv4Packet(TunDevice tun, IPAddress destination)
    {
        byte[] buffer = new byte[65536];
        byte[] wanted = destination.GetAddressBytes();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(5))
        {
            int length = tun.TryRead(buffer);
            if (length <= 0)
            {
                Thread.Sleep(20);
                continue;
            }

            if (length >= 20 && buffer[0] >> 4 == 4 && buffer.AsSpan(16, 4).SequenceEqual(wanted))
            {
                return buffer[..length];
            }
        }

        throw new TimeoutException("no packet to " + destination + " came out of the tunnel interface within 5 s");
    }

    private static void TryRemove(NetworkNamespace ns, HostRouting routing)
    {
        try
        {
            NamespaceThread.Run(ns, routing.Remove);
        }
        catch (SnekException)
        {
            // The namespace goes with the lab anyway.
        }
    }
}
