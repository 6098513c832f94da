using Jormungandr.Cli.Demo;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>
/// The soak (bench/soak.sh) at CI size: two minutes of a server and two clients with 1% loss, fast
/// rekeys, roaming and one server crash, every transfer hash-checked. The 30-minute run is a benchmark.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class SoakTests
{
    [NetworkLabFact]
    public void Two_minutes_of_loss_rekeys_roaming_and_a_server_crash_lose_no_byte()
    {
        List<string> command = TunnelLab.SnekCommand();
        command.AddRange(["soak", "--minutes", "2", "--loss-percent", "1", "--rekey-after", "15", "--rebind-every", "20", "--restart-every", "60"]);
        ProcessResult r = ProcessRunner.Run(command[0], command[1..], TimeSpan.FromMinutes(6));
        string output = r.StandardOutput + r.StandardError;
        Assert.True(r.Succeeded, output);
        Assert.Contains("soak: PASS", output, StringComparison.Ordinal);
        Assert.Contains("0 hash mismatches", output, StringComparison.Ordinal);
        Assert.Matches(@"server restarts: 1, reconnects failed 0", output);
        Assert.Matches(@"rebinds of client 1: [1-9]\d*, failed 0", output);
    }
}
