using System.Net;
using Jormungandr.Routing;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// Pushed configuration, full tunnel and networks behind clients through the real engine on the
/// simulated network; host changes go to fakes, so what a tunnel would change on its host is checked
/// without root (the namespace tests check the same against real kernels).
/// </summary>
public class VpnBehaviourTests
{
    private static readonly IPAddress ServerTunnel = IPAddress.Parse("198.19.0.1");

    private static async Task<SimClient> Connect(SimLab lab, SimClient c, Func<ClientOptions, ClientOptions>? configure = null)
    {
        await c.StartAsync(configure);
        await SimLab.WaitUntilAsync(() => c.IsEstablished, c.Name + " to be established");
        await SimLab.WaitUntilAsync(() => lab.Server!.Sessions.Any(s => s.PeerName == c.Name && s.Endpoint is not null), "the server to learn the endpoint");
        return c;
    }

    [Fact]
    public async Task Pushed_routes_and_dns_are_applied_within_the_clients_policy()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        SimClient b = lab.AddClient("b");
        lab.StartServer(o => o with
        {
            PushRoutes = ["198.19.64.0/24", "198.18.0.0/16", "fd00:5ec:1::/64"],
            PushDns = ["198.19.0.1"],
            PushSearchDomains = ["corp.example"],
        });
        await Connect(lab, a);
        await Connect(lab, b, o => o with { PullDeny = ["198.19.64.0/20"], NoPullDns = true });

        // a takes the routes its policy allows; never 198.18.0.0/16, which holds the server's own address.
        await SimLab.WaitUntilAsync(() => a.Session.Dns is not null, "a's pushed DNS");
        Assert.Contains("route 198.19.64.0/24", a.Interfaces.Calls);
        Assert.Contains("route fd00:5ec:1::/64", a.Interfaces.Calls);
        Assert.DoesNotContain("route 198.18.0.0/16", a.Interfaces.Calls);
        Assert.Contains("198.19.64.0/24", a.Session.AllowedNetworks);
        Assert.DoesNotContain("198.18.0.0/16", a.Session.AllowedNetworks);
        Assert.Equal("198.19.0.1 via File", a.Session.Dns);
        string resolv = File.ReadAllText(lab.ResolvConf(a.Address));
        Assert.Contains("nameserver 198.19.0.1", resolv);
        Assert.Contains("search corp.example", resolv);

        // b denies the /24 and takes no DNS.
        await SimLab.WaitUntilAsync(() => b.Interfaces.Calls.Contains("route fd00:5ec:1::/64"), "b's pushed route");
        Assert.DoesNotContain("route 198.19.64.0/24", b.Interfaces.Calls);
        Assert.Null(b.Session.Dns);
    }

    [Fact]
    public async Task A_later_push_withdraws_the_routes_the_server_no_longer_pushes_but_not_the_clients_own()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        lab.StartServer(o => o with { PushRoutes = ["198.19.64.0/24", "198.19.65.0/24", "198.19.67.0/24"] });
        await Connect(lab, a, o => o with { Routes = ["198.19.67.0/24"] });
        await SimLab.WaitUntilAsync(() => a.Session.AllowedNetworks.Contains("198.19.65.0/24"), "the first push at a");
        Assert.Contains("route 198.19.65.0/24", a.Interfaces.Calls);

        await RestartServer(lab, a, o => o with { PushRoutes = ["198.19.64.0/24", "198.19.66.0/24"] });
        await SimLab.WaitUntilAsync(() => a.Session.AllowedNetworks.Contains("198.19.66.0/24") && a.Interfaces.Calls.Contains("unroute 198.19.65.0/24"), "the second push at a");

        // 65 was only pushed: gone from the interface and from what the server's peer may send from.
        Assert.DoesNotContain("198.19.65.0/24", a.Session.AllowedNetworks);
        Assert.Contains("route 198.19.66.0/24", a.Interfaces.Calls);
        // 64 is still pushed and 67 is the client's own route: both stay.
        Assert.DoesNotContain("unroute 198.19.64.0/24", a.Interfaces.Calls);
        Assert.DoesNotContain("unroute 198.19.67.0/24", a.Interfaces.Calls);
        Assert.Contains("198.19.64.0/24", a.Session.AllowedNetworks);
        Assert.Contains("198.19.67.0/24", a.Session.AllowedNetworks);
    }

    [Fact]
    public async Task A_later_push_replaces_the_pushed_dns_and_one_without_dns_puts_the_hosts_back()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        const string original = "# the host's own\nnameserver 198.18.0.53\n";
        File.WriteAllText(lab.ResolvConf(a.Address), original);
        lab.StartServer(o => o with { PushDns = ["198.19.0.1"], PushSearchDomains = ["corp.example"] });
        await Connect(lab, a);
        await SimLab.WaitUntilAsync(() => a.Session.Dns == "198.19.0.1 via File", "the first DNS at a");

        await RestartServer(lab, a, o => o with { PushDns = ["198.19.0.2"] });
        await SimLab.WaitUntilAsync(() => a.Session.Dns == "198.19.0.2 via File", "the second DNS at a");
        string resolv = File.ReadAllText(lab.ResolvConf(a.Address));
        Assert.Contains("nameserver 198.19.0.2", resolv);
        Assert.DoesNotContain("198.19.0.1", resolv);
        Assert.DoesNotContain("corp.example", resolv);

        await RestartServer(lab, a, o => o with { PushRoutes = ["198.19.64.0/24"] });
        await SimLab.WaitUntilAsync(() => a.Session.Dns is null && a.Session.AllowedNetworks.Contains("198.19.64.0/24"), "the push without DNS at a");
        Assert.Equal(original, File.ReadAllText(lab.ResolvConf(a.Address)));
    }

    // The server comes back with other options; the client reconnects and asks for the push again.
    private static async Task RestartServer(SimLab lab, SimClient c, Func<ServerOptions, ServerOptions> configure)
    {
        int established = c.Count(SessionEventKind.Established);
        await lab.Server!.DisposeAsync();
        lab.StartServer(configure);
        await lab.AdvanceUntilAsync(() => c.Count(SessionEventKind.Established) > established, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_client_that_pulls_nothing_does_not_ask_and_takes_nothing()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        lab.StartServer(o => o with { PushRoutes = ["198.19.64.0/24"], PushDns = ["198.19.0.1"] });
        await Connect(lab, a, o => o with { RouteNoPull = true });
        await lab.AdvanceAsync(TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(a.Interfaces.Calls, c => c.StartsWith("route", StringComparison.Ordinal));
        Assert.Null(a.Session.Dns);
        Assert.Equal(["198.19.0.0/24", "fd00:5ec::/64"], a.Session.AllowedNetworks);
    }

    [Fact]
    public async Task A_pushed_default_route_becomes_a_full_tunnel_by_policy_routing_undone_on_stop()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        lab.StartServer(o => o with { PushRoutes = ["0.0.0.0/0"], Gateway = true });
        await Connect(lab, a);
        FakeHost host = lab.Hosts[a.Address];
        // The server peer gets 0.0.0.0/0 once the full tunnel is in place (policy rules and a table route,
        // never a route in the main table).
        await SimLab.WaitUntilAsync(() => a.Session.AllowedNetworks.Contains("0.0.0.0/0"), "0.0.0.0/0 allowed");
        Assert.DoesNotContain("route 0.0.0.0/0", a.Interfaces.Calls);
        Assert.Contains(host.Routing.Installed, c => c is RuleChange);
        Assert.Contains(host.Routing.Installed, c => c is TableRouteChange);

        // Anything now goes to the server, and the server (a gateway here) accepts what comes back from anywhere.
        a.Tun.Inject(Ip.Packet(a.TunnelAddress, IPAddress.Parse("198.18.3.2"), 1));
        Assert.Equal(1L, Ip.Number((await ReceiveAsync(lab.Server!.Tun, 1)).Single()));
        lab.Server.Tun.Inject(Ip.Packet(IPAddress.Parse("198.18.3.2"), a.TunnelAddress, 2));
        Assert.Equal(2L, Ip.Number((await ReceiveAsync(a.Tun, 1)).Single()));
        Assert.Contains(lab.Hosts[SimLab.ServerAddress].Nftables.Tables.Keys, t => t.StartsWith("snek_gateway_", StringComparison.Ordinal));
        Assert.Equal("1", lab.Hosts[SimLab.ServerAddress].Sysctl.Values["net.ipv4.ip_forward"]);

        await a.DisposeAsync();
        Assert.Empty(host.Routing.Installed);
        await lab.Server.DisposeAsync();
        Assert.Empty(lab.Hosts[SimLab.ServerAddress].Nftables.Tables);
        Assert.Equal("0", lab.Hosts[SimLab.ServerAddress].Sysctl.Values["net.ipv4.ip_forward"]);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_later_push_without_the_default_route_withdraws_the_full_tunnel_unless_the_client_asks_for_it(bool ownFullTunnel)
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        lab.StartServer(o => o with { PushRoutes = ["0.0.0.0/0", "198.19.64.0/24"], Gateway = true });
        await Connect(lab, a, o => o with { FullTunnel = ownFullTunnel });
        FakeHost host = lab.Hosts[a.Address];
        await SimLab.WaitUntilAsync(() => a.Session.AllowedNetworks.Contains("0.0.0.0/0") && a.Session.AllowedNetworks.Contains("198.19.64.0/24"), "the first push at a");
        Assert.Contains(host.Routing.Installed, c => c is TableRouteChange { V6: false });

        // The pushed DNS is applied last, after the withdrawals: once it shows, the push is done.
        await RestartServer(lab, a, o => o with { PushRoutes = ["198.19.65.0/24"], PushDns = ["198.19.0.1"] });
        await SimLab.WaitUntilAsync(() => a.Session.Dns is not null, "the second push at a");

        // Without its own full tunnel the client goes back to the host's routing: no rule, no table route,
        // src_valid_mark as it was, and the server may no longer send from any address.
        Assert.Equal(ownFullTunnel, a.Session.AllowedNetworks.Contains("0.0.0.0/0"));
        Assert.Equal(ownFullTunnel, host.Routing.Installed.Any(c => c is TableRouteChange { V6: false }));
        Assert.Equal(ownFullTunnel, host.Routing.Installed.Any(c => c is RuleChange { V6: false }));
        Assert.Equal(ownFullTunnel ? "1" : "0", host.Sysctl.Values["net.ipv4.conf.all.src_valid_mark"]);
        Assert.Contains("198.19.65.0/24", a.Session.AllowedNetworks);
        Assert.DoesNotContain("198.19.64.0/24", a.Session.AllowedNetworks);

        await a.DisposeAsync();
        Assert.Empty(host.Routing.Installed);
    }

    [Fact]
    public async Task A_network_behind_a_client_is_routed_to_it_and_accepted_only_from_it()
    {
        await using var lab = new SimLab();
        SimClient site = lab.AddClient("site");
        SimClient other = lab.AddClient("other");
        lab.SetNetworks("site", "198.19.64.0/24", "198.19.0.128/25"); // the second overlaps the pool: refused
        lab.StartServer(o => o with { PushRoutes = ["198.19.64.0/24"] });
        await Connect(lab, site);
        await Connect(lab, other);

        SnekSession row = lab.Server!.Sessions.Single(s => s.PeerName == "site");
        Assert.Contains("198.19.64.0/24", row.AllowedNetworks);
        Assert.DoesNotContain("198.19.0.128/25", row.AllowedNetworks);
        Assert.Contains("route 198.19.64.0/24", lab.Server.Interfaces.Calls);
        Assert.DoesNotContain("route 198.19.0.128/25", lab.Server.Interfaces.Calls);

        // To the network: the site's client. From it: accepted from the site, dropped from the other client.
        lab.Server.Tun.Inject(Ip.Packet(ServerTunnel, IPAddress.Parse("198.19.64.7"), 1));
        Assert.Equal(1L, Ip.Number((await ReceiveAsync(site.Tun, 1)).Single()));
        site.Tun.Inject(Ip.Packet(IPAddress.Parse("198.19.64.7"), ServerTunnel, 2));
        Assert.Equal(2L, Ip.Number((await ReceiveAsync(lab.Server.Tun, 1)).Single()));
        other.Tun.Inject(Ip.Packet(IPAddress.Parse("198.19.64.7"), ServerTunnel, 3));
        await SimLab.WaitUntilAsync(() => lab.Server.Sessions.Single(s => s.PeerName == "other").DropsRouting == 1, "the forged packet to be dropped");
        Assert.Empty(Ip.Drain(lab.Server.Tun));
        Assert.Empty(Ip.Drain(other.Tun));

        // The other client reaches the network through the pushed route: to the server, whose kernel
        // forwards it back into the tunnel (re-injected here), to the site; the answer comes back likewise.
        await SimLab.WaitUntilAsync(() => other.Session.AllowedNetworks.Contains("198.19.64.0/24"), "the pushed route at the other client");
        other.Tun.Inject(Ip.Packet(other.TunnelAddress, IPAddress.Parse("198.19.64.7"), 4));
        byte[] forwarded = (await ReceiveAsync(lab.Server.Tun, 1)).Single();
        lab.Server.Tun.Inject(forwarded);
        Assert.Equal(4L, Ip.Number((await ReceiveAsync(site.Tun, 1)).Single()));
        site.Tun.Inject(Ip.Packet(IPAddress.Parse("198.19.64.7"), other.TunnelAddress, 5));
        lab.Server.Tun.Inject((await ReceiveAsync(lab.Server.Tun, 1)).Single());
        Assert.Equal(5L, Ip.Number((await ReceiveAsync(other.Tun, 1)).Single()));
    }

    private static async Task<List<byte[]>> ReceiveAsync(MemoryTun tun, int count)
    {
        List<byte[]> got = [];
        await SimLab.WaitUntilAsync(() =>
        {
            got.AddRange(Ip.Drain(tun));
            return got.Count >= count;
        }, "packets");
        return got;
    }
}
