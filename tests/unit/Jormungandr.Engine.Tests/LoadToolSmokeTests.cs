using System.Text.Json;
using Jormungandr.Cli.Demo;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>
/// bench/Jormungandr.Load end to end with three clients (root only): it must authorize them, bring them
/// up against the real server, forward echo requests through every session and bring them all back with
/// the same addresses after the server is killed and restarted; its namespace is gone afterwards.
/// </summary>
[Collection(HandshakeFloodCollection.Name)]
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LoadToolSmokeTests
{
    [NetworkLabFact]
    public void Three_simulated_clients_connect_forward_and_come_back_after_a_server_restart()
    {
        string tool = Path.Combine(AppContext.BaseDirectory, "Jormungandr.Load.dll");
        List<string> snek = TunnelLab.SnekCommand();
        string host = snek.Count == 2 ? snek[0] : "dotnet";
        string name;
        ProcessResult result;
        using (NetworkNamespace ns = NetworkNamespace.Create("loadsmoke"))
        {
            name = ns.Name;
            result = ns.Run([host, tool, "--snek", snek[^1], "--clients", "3", "--forward-seconds", "1", "--idle-seconds", "1", "--deadline", "50", "--json"],
                TimeSpan.FromSeconds(60));
        }

        Assert.False(NetworkNamespace.NameExists(name));
        Assert.True(result.ExitCode == 0, $"exit {result.ExitCode}\n{result.StandardError}\n{result.StandardOutput}");
        using JsonDocument report = JsonDocument.Parse(result.StandardOutput);
        JsonElement r = report.RootElement;
        Assert.True(r.GetProperty("Complete").GetBoolean());
        Assert.Equal(3, r.GetProperty("Connect").GetProperty("Established").GetInt32());
        Assert.True(r.GetProperty("Connect").GetProperty("ServerAuthenticated").GetInt64() >= 3);
        Assert.Equal(3, r.GetProperty("Connect").GetProperty("HandshakeSeconds").GetProperty("Count").GetInt32());
        JsonElement forward = r.GetProperty("Forward");
        Assert.True(forward.GetProperty("Replies").GetInt64() > 0);
        Assert.Equal(0, forward.GetProperty("ClientsWithoutReply").GetInt32());
        JsonElement restart = r.GetProperty("Restart");
        Assert.Equal(3, restart.GetProperty("Established").GetInt32());
        Assert.Equal(0, restart.GetProperty("AddressesChanged").GetInt32());
    }

    [NetworkLabFact]
    public void Refuses_to_run_outside_a_lab_namespace()
    {
        // It adds 198.18.0.1/16 to loopback: never on the machine itself.
        string tool = Path.Combine(AppContext.BaseDirectory, "Jormungandr.Load.dll");
        List<string> snek = TunnelLab.SnekCommand();
        ProcessResult result = ProcessRunner.Run(snek.Count == 2 ? snek[0] : "dotnet", [tool, "--snek", snek[^1], "--clients", "1"], TimeSpan.FromSeconds(30));
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("lab network namespace", result.StandardError, StringComparison.Ordinal);
    }
}
