using Jormungandr.Cli.Demo;
using Jormungandr.Engine;
using Jormungandr.Lab;
using Jormungandr.Tunnel;
using Jormungandr.Interop;

namespace Jormungandr.Tests;

/// <summary>
/// snek as a service (root only): real server and client processes in two namespaces with a fake
/// <c>NOTIFY_SOCKET</c> the test binds, SIGHUP and SIGTERM as systemd sends them, and address leases
/// across a restart. Every lab is removed by the test, also on failure.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class ServiceEndToEndTests
{
    private static readonly TimeSpan Up = TimeSpan.FromSeconds(45);

    private static string Output(LabProcess p) => p.StandardOutput + p.StandardError;

    private static bool InterfaceExists(NetworkNamespace ns, string name) =>
        ns.Run(["ip", "-o", "link", "show", "dev", name]).Succeeded;

    private static void AssertGone(TunnelLab lab, NetworkNamespace ns, string name)
    {
        Assert.False(InterfaceExists(ns, name), $"{name} left behind");
        Assert.False(File.Exists(StatusServer.PathFor(TunnelDefaults.StatusDirectory, name)), $"status socket of {name} left behind");
    }

    [NetworkLabFact]
    public void Server_is_ready_only_with_the_tunnel_up_reloads_keys_on_SIGHUP_and_cleans_up_on_SIGTERM()
    {
        using TunnelLab lab = TunnelLab.Create("svcsrv");
        string notifyPath = Path.Combine(lab.Directory, "notify");
        using var notify = new ServiceNotifierTests.FakeNotifySocket(notifyPath);
        lab.CreateClientKey("alice");
        string bob = lab.CreateClientKey("bob", authorize: false);
        lab.CommandPrefix = ["env", "NOTIFY_SOCKET=" + notifyPath];
        LabProcess server = lab.StartServer();
        lab.CommandPrefix = [];

        List<string>? boot = notify.ReceiveUntil("READY=1", Up);
        Assert.True(boot is not null, "no READY=1\n" + Output(server));
        // READY=1 came after the work: the interface is up and the status socket answers.
        string link = lab.Lab.Server.Run(["ip", "-o", "link", "show", "dev", lab.ServerInterface]).StandardOutput;
        Assert.Contains(",UP", link, StringComparison.Ordinal);
        Assert.True(StatusServer.IsLive(StatusServer.PathFor(TunnelDefaults.StatusDirectory, lab.ServerInterface)));
        Assert.Contains($"STATUS={lab.ServerInterface}: listening on key port", boot![^1], StringComparison.Ordinal);

        // Bob's key replaces Alice's under her file name, same size and modification time: the re-read
        // on the directory's change sees no change, so Bob stays refused until the reload.
        string alicePub = Path.Combine(lab.AuthorizedDirectory, "alice.pub");
        DateTime mtime = File.GetLastWriteTimeUtc(alicePub);
        File.Copy(Path.ChangeExtension(bob, ".pub"), alicePub, overwrite: true);
        File.SetLastWriteTimeUtc(alicePub, mtime);
        LabProcess client = lab.StartClient(1, bob);
        Assert.True(server.WaitForOutput("not authorized", TimeSpan.FromSeconds(20)), Output(server));
        Assert.Null(lab.WaitForClient(1, TimeSpan.FromSeconds(3), client));

        Assert.Equal(0, LibC.Kill(server.Id, LibHup));
        List<string>? reload = notify.ReceiveUntil("READY=1", TimeSpan.FromSeconds(10));
        Assert.True(reload is not null, "no READY=1 after SIGHUP\n" + Output(server));
        string reloading = Assert.Single(reload!, m => m.StartsWith("RELOADING=1\n", StringComparison.Ordinal));
        Assert.Matches(@"^RELOADING=1\nMONOTONIC_USEC=[0-9]+$", reloading);
        Assert.True(lab.WaitForClient(1, Up, client) is not null, "bob not admitted after the reload\n" + Output(server) + Output(client));
        Assert.False(server.HasExited);

        // SIGTERM as systemd stops a unit: STOPPING=1, then everything it created is gone.
        Assert.Equal(0, LibC.Kill(server.Id, LibC.SigTerm));
        Assert.True(notify.ReceiveUntil("STOPPING=1", TimeSpan.FromSeconds(10)) is not null, Output(server));
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(20)), "server did not exit on SIGTERM");
        Assert.Equal(Commands.ExitCodes.Interrupted, server.ExitCode);
        AssertGone(lab, lab.Lab.Server, lab.ServerInterface);
    }

    [NetworkLabFact]
    public void Client_is_ready_only_once_its_first_session_is_established_and_cleans_up_on_SIGTERM()
    {
        using TunnelLab lab = TunnelLab.Create("svccli");
        string notifyPath = Path.Combine(lab.Directory, "notify");
        using var notify = new ServiceNotifierTests.FakeNotifySocket(notifyPath);
        string alice = lab.CreateClientKey("alice");
        lab.CommandPrefix = ["env", "NOTIFY_SOCKET=" + notifyPath];
        LabProcess client = lab.StartClient(1, alice); // before the server: it cannot be ready yet
        lab.CommandPrefix = [];
        Assert.Null(notify.ReceiveUntil("READY=1", TimeSpan.FromSeconds(3)));
        Assert.False(client.HasExited, Output(client));

        LabProcess server = lab.StartServer();
        List<string>? ready = notify.ReceiveUntil("READY=1", Up);
        Assert.True(ready is not null, "no READY=1\n" + Output(client) + Output(server));
        SnekSession session = Assert.Single(TunnelLab.Sessions(lab.ClientInterface(1)));
        Assert.Equal(SessionState.Established, session.State);
        Assert.Contains($"STATUS={lab.ClientInterface(1)}: connected to", ready![^1], StringComparison.Ordinal);

        Assert.Equal(0, LibC.Kill(client.Id, LibC.SigTerm));
        Assert.True(notify.ReceiveUntil("STOPPING=1", TimeSpan.FromSeconds(10)) is not null, Output(client));
        Assert.True(client.WaitForExit(TimeSpan.FromSeconds(20)), "client did not exit on SIGTERM");
        Assert.Equal(Commands.ExitCodes.Interrupted, client.ExitCode);
        AssertGone(lab, lab.Lab.Client, lab.ClientInterface(1));
    }

    [NetworkLabFact]
    public void After_a_server_restart_each_client_gets_its_old_address_back()
    {
        using TunnelLab lab = TunnelLab.Create("svclease");
        string alice = lab.CreateClientKey("alice");
        string bob = lab.CreateClientKey("bob");
        LabProcess server = lab.StartServer();
        LabProcess a = lab.StartClient(1, alice);
        Assert.Equal("198.19.0.2", lab.WaitForClient(1, Up, a)?.TunnelAddresses[0]);
        LabProcess b = lab.StartClient(2, bob);
        Assert.Equal("198.19.0.3", lab.WaitForClient(2, Up, b)?.TunnelAddresses[0]);

        // Alice goes away; the server restarts (SIGTERM, as systemctl restart does); Bob comes back
        // first. Without the saved leases he would now get .2.
        Assert.True(a.Stop(TimeSpan.FromSeconds(10)));
        Assert.True(b.Stop(TimeSpan.FromSeconds(10)));
        Assert.True(server.Stop(TimeSpan.FromSeconds(20)));
        string leases = Path.Combine(lab.StateDirectory, Engine.LeaseFile.FileName);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(leases));

        LabProcess again = lab.StartServer();
        LabProcess b2 = lab.StartClient(2, bob);
        Assert.Equal("198.19.0.3", lab.WaitForClient(2, Up, b2)?.TunnelAddresses[0]);
        LabProcess a2 = lab.StartClient(1, alice);
        Assert.Equal("198.19.0.2", lab.WaitForClient(1, Up, a2)?.TunnelAddresses[0]);
        Assert.Contains("Restored 2 address leases", Output(again), StringComparison.Ordinal);
    }

    [NetworkLabFact]
    public void After_a_server_crash_the_clients_keep_their_addresses_too()
    {
        using TunnelLab lab = TunnelLab.Create("svccrash");
        string alice = lab.CreateClientKey("alice");
        string bob = lab.CreateClientKey("bob");
        LabProcess server = lab.StartServer();
        LabProcess a = lab.StartClient(1, alice);
        Assert.Equal("198.19.0.2", lab.WaitForClient(1, Up, a)?.TunnelAddresses[0]);
        LabProcess b = lab.StartClient(2, bob);
        Assert.Equal("198.19.0.3", lab.WaitForClient(2, Up, b)?.TunnelAddresses[0]);
        Assert.True(a.Stop(TimeSpan.FromSeconds(10)));

        // No clean stop: only what was saved when the leases changed (200 ms after each change) survives.
        string leases = Path.Combine(lab.StateDirectory, Engine.LeaseFile.FileName);
        long deadline = Environment.TickCount64 + 10_000;
        while (!(File.Exists(leases) && File.ReadAllText(leases).Split('\n').Count(l => l.EndsWith(" live", StringComparison.Ordinal)) == 1) && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(100);
        }

        Assert.Equal(0, LibC.Kill(server.Id, LibC.SigKill));
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(10)));
        Assert.True(b.Stop(TimeSpan.FromSeconds(10)));

        LabProcess again = lab.StartServer();
        LabProcess b2 = lab.StartClient(2, bob);
        Assert.True(lab.WaitForClient(2, Up, b2)?.TunnelAddresses[0] == "198.19.0.3", File.ReadAllText(leases) + Output(again));
        LabProcess a2 = lab.StartClient(1, alice);
        Assert.Equal("198.19.0.2", lab.WaitForClient(1, Up, a2)?.TunnelAddresses[0]);
    }

    private const int LibHup = 1;
}
