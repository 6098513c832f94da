using System.Net;
using System.Runtime.Versioning;
using Jormungandr.Cli.Demo;
using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Lab;
using Jormungandr.Tunnel;

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

    [NetworkLabFact]
    public void A_full_tunnel_through_a_gateway_reaches_the_internet_and_leaves_routing_as_it_was_also_after_kill_9()
    {
        using RoutedLab lab = RoutedLab.Create("vpnft");
        string tag = Guid.NewGuid().ToString("N")[..4];
        string serverIf = "snk" + tag + "s";
        string clientIf = "snk" + tag + "c";
        string before = Snapshot(lab.Client);
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
            LabProcess client = StartClient(processes, lab, clientIf);
            AssertThroughTheTunnel(lab, clientIf, client);
            Assert.True(client.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(before, Snapshot(lab.Client));

            // kill -9 leaves the rules behind; the next start finds and removes them.
            client = StartClient(processes, lab, clientIf);
            AssertThroughTheTunnel(lab, clientIf, client);
            Assert.Equal(0, LibC.Kill(client.Id, LibC.SigKill));
            Assert.True(client.WaitForExit(TimeSpan.FromSeconds(10)));
            Assert.NotEqual(before, Snapshot(lab.Client));
            Assert.False(Ping(lab.Client, RoutedLab.InternetAddress), "with the client dead and its rules left, nothing leaves");
            client = StartClient(processes, lab, clientIf);
            AssertThroughTheTunnel(lab, clientIf, client);
            Assert.True(client.Stop(TimeSpan.FromSeconds(10)));
            Assert.Equal(before, Snapshot(lab.Client));

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

    private LabProcess StartClient(List<LabProcess> processes, RoutedLab lab, string clientIf) =>
        Start(processes, lab.Client, "connect", RoutedLab.ServerAddress.ToString(), "--cert", Path.Combine(_dir, "laptop.priv"),
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

    private static string Snapshot(NetworkNamespace ns) => string.Join(
        "\n--\n",
        ns.Ip("route", "show", "table", "all").StandardOutput,
        ns.Ip("-6", "route", "show", "table", "all").StandardOutput,
        ns.Ip("rule").StandardOutput,
        ns.Ip("-6", "rule").StandardOutput);
}
