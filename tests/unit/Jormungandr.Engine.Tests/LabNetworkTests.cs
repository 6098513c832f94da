using System.Diagnostics;
using System.Net;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>Real namespaces and veths (root only): reachability, process control, and complete cleanup.</summary>
public class LabNetworkTests
{
    [NetworkLabFact]
    public void Two_host_lab_pings_both_ways_and_leaves_nothing_behind()
    {
        string serverName;
        string clientName;
        string vethA;
        using (var lab = TwoHostLab.Create(new TwoHostLabOptions { Purpose = "labtest" }))
        {
            serverName = lab.Server.Name;
            clientName = lab.Client.Name;
            vethA = lab.Link.NameA;
            Assert.True(NetworkNamespace.NameExists(serverName));
            Assert.True(NetworkNamespace.NameExists(clientName));

            ProcessResult there = TwoHostLab.Ping(lab.Client, lab.ServerAddress, 3);
            Assert.True(there.Succeeded, there.StandardOutput + there.StandardError);
            Assert.Contains("3 received", there.StandardOutput, StringComparison.Ordinal);

            ProcessResult back = TwoHostLab.Ping(lab.Server, lab.ClientAddress, 3);
            Assert.True(back.Succeeded, back.StandardOutput + back.StandardError);

            // The veth lives only inside the namespaces, with the addresses we asked for.
            string addr = lab.Server.Ip("-br", "addr", "show", "dev", lab.Link.NameA).StandardOutput;
            Assert.Contains("198.18.0.1/24", addr, StringComparison.Ordinal);
            Assert.False(ProcessRunner.Run("ip", ["link", "show", vethA]).Succeeded);
        }

        AssertGone(serverName, clientName, vethA);
    }

    [NetworkLabFact]
    public void Lab_is_removed_when_the_using_block_throws()
    {
        string serverName = string.Empty;
        string clientName = string.Empty;
        string vethA = string.Empty;
        Action useLab = () =>
        {
            using var lab = TwoHostLab.Create(new TwoHostLabOptions { Purpose = "labthrow" });
            serverName = lab.Server.Name;
            clientName = lab.Client.Name;
            vethA = lab.Link.NameA;
            _ = lab.Server.Start(["sleep", "60"]);
            throw new InvalidOperationException("boom inside the lab");
        };
        Assert.Throws<InvalidOperationException>(useLab);

        Assert.NotEqual(string.Empty, serverName);
        AssertGone(serverName, clientName, vethA);
    }

    [NetworkLabFact]
    public void Dispose_is_idempotent_and_reports_no_cleanup_error()
    {
        var lab = TwoHostLab.Create(new TwoHostLabOptions { Purpose = "labtwice" });
        string serverName = lab.Server.Name;
        lab.Dispose();
        lab.Dispose();
        Assert.Null(lab.CleanupError);
        Assert.False(NetworkNamespace.NameExists(serverName));
        Assert.Throws<ObjectDisposedException>(() => lab.Server.Run(["true"]));
    }

    [NetworkLabFact]
    public void A_process_started_in_a_namespace_runs_there_and_is_killed_by_pid_on_dispose()
    {
        int pid;
        using (NetworkNamespace ns = NetworkNamespace.Create("labproc"))
        {
            // A shell with a child: the whole tree must go.
            LabProcess process = ns.Start(["sh", "-c", "sleep 60 & echo started; wait"]);
            Assert.True(process.WaitForOutput("started", TimeSpan.FromSeconds(10)), "process did not start: " + process.StandardError);
            Assert.False(process.WaitForOutput("never printed", TimeSpan.FromMilliseconds(200)));
            pid = process.Id;
            Assert.Contains(pid, ns.ProcessIds());
            Assert.True(ns.ProcessIds().Count >= 2, "expected the shell and its sleep inside the namespace");

            // Its network is the namespace's: only loopback, no host interfaces.
            ProcessResult links = ns.Run(["ip", "-o", "link", "show"]).EnsureSuccess();
            Assert.Single(links.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        }

        Assert.False(ProcessAlive(pid), $"pid {pid} still alive after dispose");
    }

    [NetworkLabFact]
    public void Run_inside_a_namespace_is_bounded_by_its_deadline()
    {
        using NetworkNamespace ns = NetworkNamespace.Create("labdeadline");
        var clock = Stopwatch.StartNew();
        ProcessResult result = ns.Run(["sleep", "30"], TimeSpan.FromMilliseconds(500));
        Assert.True(result.TimedOut);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10));
        Assert.Empty(ns.ProcessIds());
    }

    [NetworkLabFact]
    public void Optional_IPv6_underlay_in_fd00_5ec_works()
    {
        using var lab = TwoHostLab.Create(new TwoHostLabOptions
        {
            Purpose = "lab6",
            ServerAddress6 = IPAddress.Parse("fd00:5ec::1"),
            ClientAddress6 = IPAddress.Parse("fd00:5ec::2"),
        });
        ProcessResult ping = TwoHostLab.Ping(lab.Client, lab.ServerAddress6!, 2);
        Assert.True(ping.Succeeded, ping.StandardOutput + ping.StandardError);
    }

    private static void AssertGone(string serverName, string clientName, string vethA)
    {
        Assert.False(NetworkNamespace.NameExists(serverName), serverName + " still exists");
        Assert.False(NetworkNamespace.NameExists(clientName), clientName + " still exists");
        string list = ProcessRunner.Run("ip", ["netns", "list"]).EnsureSuccess().StandardOutput;
        Assert.DoesNotContain(serverName, list, StringComparison.Ordinal);
        Assert.DoesNotContain(clientName, list, StringComparison.Ordinal);
        Assert.False(ProcessRunner.Run("ip", ["link", "show", vethA]).Succeeded, vethA + " visible in the host namespace");
    }

    private static bool ProcessAlive(int pid)
    {
        try
        {
            // A zombie (state Z) has already died; only its exit status is left to collect.
            return !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
