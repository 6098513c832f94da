using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Jormungandr.Commands;
using Jormungandr.Lab;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// Hidden <c>snek bench-tunnel</c> (run by <c>bench/tunnel.sh</c>): in one lab, iperf3 TCP throughput and
/// ping latency over the bare veth (198.18.0.1) and through our tunnel (198.19.0.1), interleaved per
/// run, medians printed as a Markdown table. Bounded: runs × 2 × (seconds + ~6 s).
/// </summary>
internal static class TunnelBenchCli
{
    public static Command Create()
    {
        Option<int> runs = new("--runs") { DefaultValueFactory = _ => 3 };
        Option<int> seconds = new("--seconds") { DefaultValueFactory = _ => 8 };
        Option<int> streams = new("--streams") { DefaultValueFactory = _ => 1 };
        Command command = new("bench-tunnel", "Internal: iperf3 and ping through the tunnel next to the bare veth.") { Hidden = true };
        command.Add(runs);
        command.Add(seconds);
        command.Add(streams);
        command.SetAction((parse, ct) => Task.Run(() => Run(parse.GetValue(runs), parse.GetValue(seconds), parse.GetValue(streams), ct), ct));
        return command;
    }

    private static int Run(int runs, int seconds, int streams, CancellationToken ct)
    {
        TextWriter o = CliContext.Current.Stdout;
        if (TwoHostLab.WhyUnavailable() is string why)
        {
            throw new SnekException("BenchNeedsRoot", ErrorKind.PermissionDenied, "bench-tunnel " + why + ".");
        }

        if (runs is < 1 or > 20 || seconds is < 1 or > 60 || streams is < 1 or > 16)
        {
            throw new SnekException("BenchArguments", ErrorKind.InvalidArgument, "--runs 1..20, --seconds 1..60, --streams 1..16.");
        }

        using TunnelLab lab = TunnelLab.Create("bench");
        using var cleanup = new TerminationCleanup(lab);
        string key = lab.CreateClientKey("bench");
        using LabProcess server = lab.StartServer();
        using LabProcess client = lab.StartClient(1, key);
        if (lab.WaitForClient(1, TimeSpan.FromSeconds(45), client) is null)
        {
            throw new SnekException("BenchNoTunnel", ErrorKind.OperationTimeout, "The tunnel did not come up: " + client.StandardError);
        }

        (string Name, string Target)[] modes = [("direct veth", lab.Lab.ServerAddress.ToString()), ("jormungandr", TunnelLab.ServerInner.ToString())];
        var mbits = new Dictionary<string, List<double>>();
        var pings = new Dictionary<string, List<double>>();
        foreach ((string name, _) in modes)
        {
            mbits[name] = [];
            pings[name] = [];
        }

        using LabProcess iperfServer = lab.Lab.Server.Start(["iperf3", "-s", "-B", "198.18.0.1"]);
        using LabProcess iperfServerInner = lab.Lab.Server.Start(["iperf3", "-s", "-B", "198.19.0.1", "-p", "5202"]);
        Thread.Sleep(500);
        for (int run = 0; run < runs && !ct.IsCancellationRequested; run++)
        {
            foreach ((string name, string target) in modes)
            {
                string port = target == "198.18.0.1" ? "5201" : "5202";
                ProcessResult r = lab.Lab.Client.Run(["iperf3", "-c", target, "-p", port, "-t", seconds.ToString(CultureInfo.InvariantCulture),
                    "-P", streams.ToString(CultureInfo.InvariantCulture), "-J"], TimeSpan.FromSeconds(seconds + 20), 4 * 1024 * 1024);
                double bps = ParseIperf(r);
                mbits[name].Add(bps / 1e6);
                ProcessResult p = lab.Lab.Client.Run(["ping", "-n", "-q", "-c", "20", "-i", "0.2", "-W", "1", target], TimeSpan.FromSeconds(20));
                pings[name].Add(ParsePingAvg(p.StandardOutput));
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"run {run + 1} {name}: {bps / 1e6:F0} Mbit/s, ping avg {pings[name][^1]:F3} ms"));
            }
        }

        o.WriteLine();
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| mode | iperf3 TCP Mbit/s ({streams} stream{(streams > 1 ? "s" : "")}, {seconds} s, median of {runs}) | ping avg ms (median) |"));
        o.WriteLine("|---|---:|---:|");
        foreach ((string name, _) in modes)
        {
            o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {Median(mbits[name]):F0} | {Median(pings[name]):F3} |"));
        }

        return 0;
    }

    private static double ParseIperf(ProcessResult r)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(r.StandardOutput);
            return doc.RootElement.GetProperty("end").GetProperty("sum_received").GetProperty("bits_per_second").GetDouble();
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return double.NaN;
        }
    }

    private static double ParsePingAvg(string output)
    {
        // rtt min/avg/max/mdev = 0.443/10.548/30.710/14.256 ms
        int eq = output.LastIndexOf('=');
        if (eq < 0)
        {
            return double.NaN;
        }

        string[] parts = output[(eq + 1)..].Trim().Split('/');
        return parts.Length >= 2 && double.TryParse(parts[1], NumberStyles.Float, CultureInfo.InvariantCulture, out double avg) ? avg : double.NaN;
    }

    private static double Median(List<double> values)
    {
        List<double> v = [.. values.Where(x => !double.IsNaN(x)).Order()];
        return v.Count == 0 ? double.NaN : v.Count % 2 == 1 ? v[v.Count / 2] : (v[(v.Count / 2) - 1] + v[v.Count / 2]) / 2;
    }
}
