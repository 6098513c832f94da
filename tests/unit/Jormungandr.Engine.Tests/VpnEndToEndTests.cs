using System.Net;
using System.Runtime.Versioning;
using Jormungandr.Cli.Demo;
using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Lab;
using Jormungandr.Tunnel;
using Jormungandr.Interop;

namespace Jormungandr.Tests;

/// <summary>
/// Real <c>snek</c> processes in a <see cref="RoutedLab"/> (client — router — server — internet; root
/// only): a laptop-style client sends everything through a gateway server and comes back to exactly the
/// routing it had, after a clean stop and after <c>kill -9</c>. The client reaches the server only through
/// its default route, and the internet host only through the tunnel (no route to it exists outside).
/// </summary>
[SupportedOSPlatform("linux")]
public sealed class VpnEndToEndTests : IDisposable
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-vpn-").FullName;
    private readonly string _status;

    public VpnEndToEndTests()
    {
        _status = Path.Combine(_dir, "run");
        Directory.CreateDirectory(_status);
        File.SetUnixFileMode(_status, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(_dir, "authorized"));
        using (SnekIdentity server = SnekIdentity.Generate())
        {
            server.SavePrivate(Path.Combine(_dir, "server.priv"));
            server.SavePublic(Path.Combine(_dir, "server.pub"));
        }

        using SnekIdentity client = SnekIdentity.Generate();
        client.SavePrivate(Path.Combine(_dir, "laptop.priv"));
        client.SavePublic(Path.Combine(_dir, "authorized", "laptop.pub"));
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [NetworkLabTheory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_full_tunnel_through_a_gateway_reaches_the_internet_and_leaves_routing_as_it_was_also_after_kill_9(bool ipv6Underlay)
    {
        using RoutedLab lab = RoutedLab.Create(ipv6Underlay ? "vpnft6" : "vpnft");
        string tag = Guid.NewGuid().ToString("N")[..4];
        string serverIf = "snk" + tag + "s";
        string clientIf = "snk" + tag + "c";
        string before = lab.Client.RoutingSnapshot();
        string forwarding = lab.Server.Run(["sysctl", "-n", "net.ipv4.ip_forward"]).StandardOutput.Trim();
        Assert.False(Ping(lab.Client, RoutedLab.InternetAddress), "the internet host must not be reachable without the tunnel");

        var processes = new List<LabProcess>();
        try
        {
            LabProcess server = Start(processes, lab.Server, "server", "--authorized-keys", Path.Combine(_dir, "authorized"), "--cert", Path.Combine(_dir, "server.priv"),
                "--interface", serverIf, "--state-dir", Path.Combine(_dir, "state"), "--pool6", "fd00:5ec::/120", "--gateway", "--status-dir", _status);
            Assert.True(server.WaitForOutput("Listening", Up), server.StandardError);
            Assert.Equal("1", lab.Server.Run(["sysctl", "-n", "net.ipv4.ip_forward"]).StandardOutput.Trim());

            // A clean run: everything through the tunnel, then exactly the routing of before.
            LabProcess client = StartClient(processes, lab, clientIf, ipv6Underlay);
            AssertThroughTheTunnel(lab, clientIf, client);
            Assert.True(client.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(before, lab.Client.RoutingSnapshot());

            // kill -9 leaves the rules behind; the next start finds and removes them.
            client = StartClient(processes, lab, clientIf, ipv6Underlay);
            AssertThroughTheTunnel(lab, clientIf, client);
            Assert.Equal(0, LibC.Kill(client.Id, LibC.SigKill));
            Assert.True(client.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.NotEqual(before, lab.Client.RoutingSnapshot());
            Assert.False(Ping(lab.Client, RoutedLab.InternetAddress), "with the client dead and its rules left, nothing leaves");
            client = StartClient(processes, lab, clientIf, ipv6Underlay);
            AssertThroughTheTunnel(lab, clientIf, client);
            Assert.True(client.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(before, lab.Client.RoutingSnapshot());

            Assert.True(server.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(forwarding, lab.Server.Run(["sysctl", "-n", "net.ipv4.ip_forward"]).StandardOutput.Trim());
            Assert.DoesNotContain("snek_gateway", lab.Server.Run(["nft", "list", "tables"]).StandardOutput, StringComparison.Ordinal);
        }
        finally
        {
            foreach (LabProcess p in processes)
            {
                p.Stop(TimeSpan.FromSeconds(5));
                p.Dispose();
            }
        }
    }

    /// <summary>
    /// A full tunnel taken from a pushed default route is withdrawn when the server, restarted with
    /// other settings, pushes none: the rules and the table route go, the internet host is out of reach
    /// again (no route to it outside the tunnel) while the session and the router stay reachable, and the
    /// client's stop leaves the routing as it was.
    /// </summary>
    [NetworkLabFact]
    public void A_full_tunnel_from_a_push_is_withdrawn_when_a_later_push_has_no_default_route()
    {
        using RoutedLab lab = RoutedLab.Create("vpnpw");
        string tag = Guid.NewGuid().ToString("N")[..4];
        string serverIf = "snk" + tag + "s";
        string clientIf = "snk" + tag + "c";
        string before = lab.Client.RoutingSnapshot();
        var processes = new List<LabProcess>();
        try
        {
            string[] server = ["server", "--authorized-keys", Path.Combine(_dir, "authorized"), "--cert", Path.Combine(_dir, "server.priv"),
                "--interface", serverIf, "--state-dir", Path.Combine(_dir, "state"), "--gateway", "--status-dir", _status];
            LabProcess first = Start(processes, lab.Server, [.. server, "--push-route", "0.0.0.0/0"]);
            LabProcess client = Start(processes, lab.Client, "connect", RoutedLab.ServerAddress.ToString(), "--cert", Path.Combine(_dir, "laptop.priv"),
                "--server-key", Path.Combine(_dir, "server.pub"), "--interface", clientIf, "--status-dir", _status);
            SnekSession? session = WaitForSession(clientIf, s => s.State == SessionState.Established && s.AllowedNetworks.Contains("0.0.0.0/0"), client);
            Assert.True(session is not null, client.StandardError + first.StandardError);
            Assert.True(Ping(lab.Client, RoutedLab.InternetAddress), "IPv4 through the pushed full tunnel");
            Assert.Contains("fwmark 0x536e", lab.Client.Ip("rule").StandardOutput, StringComparison.Ordinal);

            Assert.True(first.Stop(TimeSpan.FromSeconds(10)));
            LabProcess second = Start(processes, lab.Server, [.. server, "--push-route", "198.19.64.0/24"]);
            session = WaitForSession(clientIf, s => s.State == SessionState.Established && s.AllowedNetworks.Contains("198.19.64.0/24") && !s.AllowedNetworks.Contains("0.0.0.0/0"), client);
            Assert.True(session is not null, client.StandardError + second.StandardError);
            // Logged once every change is undone.
            Assert.True(WaitFor(() => client.StandardError.Contains("Full tunnel for IPv4 withdrawn by the server", StringComparison.Ordinal)), client.StandardError);
            Assert.DoesNotContain("0x536e", lab.Client.Ip("rule").StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("suppress_prefixlength", lab.Client.Ip("rule").StandardOutput, StringComparison.Ordinal);
            Assert.DoesNotContain("table 21358", lab.Client.Ip("route", "show", "table", "all").StandardOutput, StringComparison.Ordinal);
            Assert.False(Ping(lab.Client, RoutedLab.InternetAddress), "without the full tunnel the internet host is out of reach");
            Assert.True(Ping(lab.Client, RoutedLab.RouterClientSide), "the host's own routing is back");
            Assert.True(Ping(lab.Client, IPAddress.Parse("198.19.0.1")), "the tunnel itself carries on");

            Assert.True(client.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(before, lab.Client.RoutingSnapshot());
        }
        finally
        {
            foreach (LabProcess p in processes)
            {
                p.Stop(TimeSpan.FromSeconds(5));
                p.Dispose();
            }
        }
    }

    [NetworkLabFact]
    public void Pushed_routes_and_dns_are_taken_within_policy_and_put_back_and_the_kill_switch_holds_while_reconnecting()
    {
        using RoutedLab lab = RoutedLab.Create("vpnpush");
        string tag = Guid.NewGuid().ToString("N")[..4];
        string serverIf = "snk" + tag + "s";
        string clientIf = "snk" + tag + "c";
        bool hadNetns = Directory.Exists("/etc/netns");
        string netns = Path.Combine("/etc/netns", lab.Client.Name);
        string resolvConf = Path.Combine(netns, "resolv.conf");
        byte[] original = "nameserver 198.18.1.1\n"u8.ToArray();
        Directory.CreateDirectory(netns);
        File.WriteAllBytes(resolvConf, original);
        var processes = new List<LabProcess>();
        try
        {
            string before = lab.Client.RoutingSnapshot();
            Assert.True(Ping(lab.Client, RoutedLab.RouterClientSide));

            // The kill switch is on from the start: with no server to reach, nothing leaves the host.
            LabProcess client = Start(processes, lab.Client, "connect", RoutedLab.ServerAddress.ToString(), "--cert", Path.Combine(_dir, "laptop.priv"),
                "--server-key", Path.Combine(_dir, "server.pub"), "--interface", clientIf, "--status-dir", _status, "--kill-switch");
            Assert.True(WaitFor(() => lab.Client.Run(["nft", "list", "tables"]).StandardOutput.Contains("snek_killswitch", StringComparison.Ordinal)), client.StandardError);
            Assert.False(Ping(lab.Client, RoutedLab.RouterClientSide), "the kill switch lets nothing out while the tunnel is down");

            LabProcess server = Start(processes, lab.Server, "server", "--authorized-keys", Path.Combine(_dir, "authorized"), "--cert", Path.Combine(_dir, "server.priv"),
                "--interface", serverIf, "--state-dir", Path.Combine(_dir, "state"), "--gateway", "--status-dir", _status,
                "--push-route", "198.18.3.0/24", "--push-route", "198.18.2.0/24", "--push-dns", "198.19.0.1", "--push-search-domain", "corp.example");
            SnekSession? session = WaitForSession(clientIf, s => s.State == SessionState.Established && s.Dns is not null, client);
            Assert.True(session is not null, client.StandardError + server.StandardError);
            Assert.StartsWith("198.19.0.1 via ", session!.Dns, StringComparison.Ordinal);

            // The pushed route reaches the internet host through the gateway; the one holding the server's own address is refused.
            Assert.True(Ping(lab.Client, RoutedLab.InternetAddress));
            string routes = lab.Client.Ip("route").StandardOutput;
            Assert.Contains("198.18.3.0/24 dev " + clientIf, routes, StringComparison.Ordinal);
            Assert.DoesNotContain("198.18.2.0/24 dev " + clientIf, routes, StringComparison.Ordinal);
            string seen = lab.Client.Run(["cat", "/etc/resolv.conf"]).StandardOutput;
            Assert.Contains("nameserver 198.19.0.1", seen, StringComparison.Ordinal);
            Assert.Contains("search corp.example", seen, StringComparison.Ordinal);

            Assert.True(client.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(original, File.ReadAllBytes(resolvConf));
            Assert.Equal(before, lab.Client.RoutingSnapshot());
            Assert.DoesNotContain("snek_killswitch", lab.Client.Run(["nft", "list", "tables"]).StandardOutput, StringComparison.Ordinal);
            Assert.True(Ping(lab.Client, RoutedLab.RouterClientSide));
        }
        finally
        {
            foreach (LabProcess p in processes)
            {
                p.Stop(TimeSpan.FromSeconds(5));
                p.Dispose();
            }

            Directory.Delete(netns, recursive: true);
            if (!hadNetns && Directory.GetFileSystemEntries("/etc/netns").Length == 0)
            {
                Directory.Delete("/etc/netns");
            }
        }
    }

    [NetworkLabFact]
    public void A_network_behind_one_client_is_reached_from_the_server_and_another_client_and_cannot_be_forged_by_it()
    {
        // The site's network (198.19.64.0/24) is an address of the client host ("site"; on its loopback, as
        // this kernel has no dummy links); a second client runs on the router host ("roamer"), which also
        // reaches the server's underlay.
        using RoutedLab lab = RoutedLab.Create("vpnsite");
        string tag = Guid.NewGuid().ToString("N")[..4];
        string serverIf = "snk" + tag + "s";
        using (SnekIdentity roamer = SnekIdentity.Generate())
        {
            roamer.SavePrivate(Path.Combine(_dir, "roamer.priv"));
            roamer.SavePublic(Path.Combine(_dir, "authorized", "roamer.pub"));
        }

        File.Copy(Path.Combine(_dir, "authorized", "laptop.pub"), Path.Combine(_dir, "authorized", "site.pub"));
        File.Copy(Path.Combine(_dir, "laptop.priv"), Path.Combine(_dir, "site.priv"));
        File.Delete(Path.Combine(_dir, "authorized", "laptop.pub"));
        File.WriteAllText(Path.Combine(_dir, "authorized", "site.networks"), "198.19.64.0/24\n");
        lab.Client.Ip("addr", "add", "198.19.64.1/32", "dev", "lo").EnsureSuccess();

        var processes = new List<LabProcess>();
        try
        {
            // Gateway mode turns forwarding on: the server's kernel passes client-to-client packets back into the tunnel.
            LabProcess server = Start(processes, lab.Server, "server", "--authorized-keys", Path.Combine(_dir, "authorized"), "--cert", Path.Combine(_dir, "server.priv"),
                "--interface", serverIf, "--state-dir", Path.Combine(_dir, "state"), "--gateway", "--status-dir", _status, "--push-route", "198.19.64.0/24");
            Assert.True(server.WaitForOutput("Listening", Up), server.StandardError);
            LabProcess site = Start(processes, lab.Client, "connect", RoutedLab.ServerAddress.ToString(), "--cert", Path.Combine(_dir, "site.priv"),
                "--server-key", Path.Combine(_dir, "server.pub"), "--interface", "snk" + tag + "a", "--status-dir", _status);
            LabProcess roamer = Start(processes, lab.Router, "connect", RoutedLab.ServerAddress.ToString(), "--cert", Path.Combine(_dir, "roamer.priv"),
                "--server-key", Path.Combine(_dir, "server.pub"), "--interface", "snk" + tag + "b", "--status-dir", _status);
            Assert.NotNull(WaitForSession("snk" + tag + "a", s => s.State == SessionState.Established, site));
            Assert.NotNull(WaitForSession("snk" + tag + "b", s => s.State == SessionState.Established && s.AllowedNetworks.Contains("198.19.64.0/24"), roamer));
            SnekSession siteRow = WaitForSession(serverIf, s => s.PeerName == "site" && s.Endpoint is not null, server)!;
            Assert.Contains("198.19.64.0/24", siteRow.AllowedNetworks);

            // From the server, and from the other client through the server.
            Assert.True(Ping(lab.Server, IPAddress.Parse("198.19.64.1")), "the server reaches the site's network");
            Assert.True(Ping(lab.Router, IPAddress.Parse("198.19.64.1")), "the other client reaches the site's network");

            // The other client sending as the site's network is dropped by the server.
            lab.Router.Ip("addr", "add", "198.19.64.1/32", "dev", "lo").EnsureSuccess();
            Assert.False(lab.Router.Run(["ping", "-c", "2", "-i", "0.2", "-W", "1", "-I", "198.19.64.1", "198.19.0.1"], TimeSpan.FromSeconds(10)).Succeeded);
            Assert.NotNull(WaitForSession(serverIf, s => s.PeerName == "roamer" && s.DropsRouting >= 2, server));
        }
        finally
        {
            foreach (LabProcess p in processes)
            {
                p.Stop(TimeSpan.FromSeconds(5));
                p.Dispose();
            }
        }
    }

    private static bool WaitFor(Func<bool> condition)
    {
        long deadline = Environment.TickCount64 + (long)Up.TotalMilliseconds;
        while (!condition())
        {
            if (Environment.TickCount64 > deadline)
            {
                return false;
            }

            Thread.Sleep(100);
        }

        return true;
    }

    private LabProcess StartClient(List<LabProcess> processes, RoutedLab lab, string clientIf, bool ipv6Underlay) =>
        Start(processes, lab.Client, "connect", (ipv6Underlay ? RoutedLab.ServerAddress6 : RoutedLab.ServerAddress).ToString(), "--cert", Path.Combine(_dir, "laptop.priv"),
            "--server-key", Path.Combine(_dir, "server.pub"), "--interface", clientIf, "--status-dir", _status, "--full-tunnel");

    private void AssertThroughTheTunnel(RoutedLab lab, string clientIf, LabProcess client)
    {
        SnekSession? session = WaitForSession(clientIf, s => s.State == SessionState.Established && s.AllowedNetworks.Contains("0.0.0.0/0"), client);
        Assert.True(session is not null, client.StandardError);
        Assert.Contains("::/0", session!.AllowedNetworks);
        Assert.True(Ping(lab.Client, RoutedLab.InternetAddress), "IPv4 through the tunnel and the gateway");
        Assert.True(Ping(lab.Client, RoutedLab.InternetAddress6), "IPv6 through the tunnel and the gateway");
        Assert.Contains("fwmark 0x536e", lab.Client.Ip("rule").StandardOutput, StringComparison.Ordinal);

        // The server's key and data ports are still reached (over the underlay, by mark): the session carries on.
        Thread.Sleep(1000);
        Assert.True(Ping(lab.Client, RoutedLab.InternetAddress));
        Assert.Equal(SessionState.Established, WaitForSession(clientIf, _ => true, client)?.State);
    }

    private static LabProcess Start(List<LabProcess> processes, NetworkNamespace where, params string[] args)
    {
        List<string> command = TunnelLab.SnekCommand();
        command.AddRange(args);
        LabProcess p = where.Start(command);
        processes.Add(p);
        return p;
    }

    private SnekSession? WaitForSession(string interfaceName, Func<SnekSession, bool> predicate, LabProcess watch)
    {
        long deadline = Environment.TickCount64 + (long)Up.TotalMilliseconds;
        while (Environment.TickCount64 < deadline && !watch.HasExited)
        {
            var buffer = new BufferedOutput();
            try
            {
                new GetSessionCommand().ExecuteAsync(new GetSessionOptions { InterfaceName = interfaceName, StatusDirectory = _status }, buffer, CancellationToken.None).GetAwaiter().GetResult();
                SnekSession? match = buffer.ObjectsOf<SnekSession>().FirstOrDefault(predicate);
                if (match is not null)
                {
                    return match;
                }
            }
            catch (SnekException)
            {
            }

            Thread.Sleep(100);
        }

        return null;
    }

    private static bool Ping(NetworkNamespace from, IPAddress to) =>
        from.Run(["ping", "-c", "2", "-i", "0.2", "-W", "2", to.ToString()], TimeSpan.FromSeconds(10)).Succeeded;
}
