using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Lab;
using Jormungandr.Tunnel;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// Hidden <c>snek soak</c> (run by <c>bench/soak.sh</c>): a server and two clients in the lab for a given
/// time with faults: random UDP loss on the data port in both namespaces (nftables), rekeys every
/// --rekey-after seconds, client 1 moving its data channel to a new UDP port every --rebind-every seconds,
/// the server killed and restarted every --restart-every seconds, and continuous SHA-256-checked TCP
/// transfers client 1 → server and server → client 2. Reports bytes, hashes, handshakes, reconnect
/// times and the processes' RSS and descriptors with their slopes; exits 1 on any lost or corrupted
/// transfer, failed reconnect, failed rebind or dead client. Bounded: --minutes plus about two minutes.
/// </summary>
internal static class SoakCli
{
    private const long TransferBytes = 4L << 20;
    private static readonly TimeSpan SampleEvery = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReconnectLimit = TimeSpan.FromSeconds(60);

    public static Command Create()
    {
        Option<double> minutes = new("--minutes") { DefaultValueFactory = _ => 30 };
        Option<int> rekey = new("--rekey-after") { DefaultValueFactory = _ => 30 };
        Option<int> rebind = new("--rebind-every") { DefaultValueFactory = _ => 60 };
        Option<int> restart = new("--restart-every") { DefaultValueFactory = _ => 300 };
        Option<int> loss = new("--loss-percent") { DefaultValueFactory = _ => 1 };
        Command command = new("soak", "Internal: a long run of a server and two clients with loss, rekeys, roaming and restarts.") { Hidden = true };
        command.Add(minutes);
        command.Add(rekey);
        command.Add(rebind);
        command.Add(restart);
        command.Add(loss);
        command.SetAction((parse, ct) => Task.Run(
            () => Run(TimeSpan.FromMinutes(parse.GetValue(minutes)), parse.GetValue(rekey), TimeSpan.FromSeconds(parse.GetValue(rebind)), TimeSpan.FromSeconds(parse.GetValue(restart)), parse.GetValue(loss), ct),
            ct));
        return command;
    }

    private static int Run(TimeSpan duration, int rekeySeconds, TimeSpan rebindEvery, TimeSpan restartEvery, int lossPercent, CancellationToken ct)
    {
        TextWriter o = CliContext.Current.Stdout;
        if (TwoHostLab.WhyUnavailable() is string why)
        {
            throw new SnekException("SoakNeedsRoot", ErrorKind.PermissionDenied, "soak " + why + ".");
        }

        if (duration <= TimeSpan.Zero || duration > TimeSpan.FromHours(24) || rekeySeconds is < 5 or > 3600 || lossPercent is < 0 or > 50
            || rebindEvery < TimeSpan.FromSeconds(5) || restartEvery < TimeSpan.FromSeconds(30))
        {
            throw new SnekException("SoakArguments", ErrorKind.InvalidArgument, "--minutes up to 1440, --rekey-after 5..3600, --loss-percent 0..50, --rebind-every >= 5, --restart-every >= 30.");
        }

        using TunnelLab lab = TunnelLab.Create("soak");
        using var cleanup = new TerminationCleanup(lab);
        string alice = lab.CreateClientKey("alice");
        string bob = lab.CreateClientKey("bob");
        string rekey = rekeySeconds.ToString(CultureInfo.InvariantCulture);
        LabProcess server = lab.StartServer();
        LabProcess c1 = lab.StartClient(1, alice, null, "--rekey-after", rekey);
        LabProcess c2 = lab.StartClient(2, bob, null, "--rekey-after", rekey);
        _ = lab.WaitForClient(1, ReconnectLimit, c1) ?? throw NoTunnel(c1, server);
        SnekSession s2 = lab.WaitForClient(2, ReconnectLimit, c2) ?? throw NoTunnel(c2, server);
        PinSourceRoutes(lab);
        foreach ((NetworkNamespace ns, string match) in new[] { (lab.Lab.Server, "dport"), (lab.Lab.Client, "sport") })
        {
            ns.Run(["nft", "add", "table", "inet", "soakloss"]).EnsureSuccess();
            ns.Run(["nft", "add", "chain", "inet", "soakloss", "in", "{ type filter hook input priority 0 ; }"]).EnsureSuccess();
            ns.Run(["nft", "add", "rule", "inet", "soakloss", "in", "udp", match, TunnelDefaults.DataPort.ToString(CultureInfo.InvariantCulture),
                "numgen", "random", "mod", "100", "<", lossPercent.ToString(CultureInfo.InvariantCulture), "counter", "drop"]).EnsureSuccess();
        }

        o.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"soak: {duration.TotalMinutes:F1} min, {lossPercent}% UDP loss each way, rekey every {rekeySeconds} s, client 1 rebinds every {rebindEvery.TotalSeconds:F0} s, server restart every {restartEvery.TotalSeconds:F0} s"));
        var up = new SoakTransfers("client 1 -> server", lab.Lab.Client, lab.Lab.Server, () => TunnelLab.ServerInner, 5301, TransferBytes);
        var down = new SoakTransfers("server -> client 2", lab.Lab.Server, lab.Lab.Client, () => AddressOf(lab, 2) ?? IPAddress.Parse(s2.TunnelAddresses[0]), 5401, TransferBytes);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        Task[] transfers = [Task.Run(() => up.Run(stop.Token), CancellationToken.None), Task.Run(() => down.Run(stop.Token), CancellationToken.None)];

        var serverLifetimes = new List<ResourceSamples> { new() };
        var clientSamples = new[] { new ResourceSamples(), new ResourceSamples() };
        var handshakes = new HandshakeCount[] { new(), new() };
        var reconnects = new List<double>();
        int rebinds = 0, rebindFailures = 0, reconnectFailures = 0;
        var clock = Stopwatch.StartNew();
        TimeSpan nextSample = TimeSpan.Zero, nextRebind = rebindEvery, nextRestart = restartEvery;
        while (clock.Elapsed < duration && !ct.IsCancellationRequested && !c1.HasExited && !c2.HasExited)
        {
            TimeSpan now = clock.Elapsed;
            if (now >= nextSample)
            {
                nextSample += SampleEvery;
                serverLifetimes[^1].Sample(server.Id, now);
                clientSamples[0].Sample(c1.Id, now);
                clientSamples[1].Sample(c2.Id, now);
                handshakes[0].Observe(TunnelLab.Sessions(lab.ClientInterface(1)));
                handshakes[1].Observe(TunnelLab.Sessions(lab.ClientInterface(2)));
                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{now.TotalMinutes:F1} min: {up.Describe()}; {down.Describe()}"));
            }

            if (now >= nextRebind)
            {
                nextRebind += rebindEvery;
                rebinds++;
                if (!Rebind(lab.ClientInterface(1)))
                {
                    rebindFailures++;
                }
            }

            if (now >= nextRestart)
            {
                nextRestart += restartEvery;
                DateTimeOffset? before1 = TunnelLab.Sessions(lab.ClientInterface(1)).FirstOrDefault()?.Established;
                DateTimeOffset? before2 = TunnelLab.Sessions(lab.ClientInterface(2)).FirstOrDefault()?.Established;
                using (Process p = Process.GetProcessById(server.Id))
                {
                    p.Kill(); // SIGKILL: a crash, not a clean stop
                }

                server.WaitForExit(TimeSpan.FromSeconds(10));
                var restarted = Stopwatch.StartNew();
                server = lab.StartServer();
                serverLifetimes.Add(new ResourceSamples());
                bool back = TunnelLab.WaitForSession(lab.ClientInterface(1), s => s.State == SessionState.Established && s.Established > before1, ReconnectLimit, c1) is not null
                    && TunnelLab.WaitForSession(lab.ClientInterface(2), s => s.State == SessionState.Established && s.Established > before2, ReconnectLimit, c2) is not null;
                if (back)
                {
                    reconnects.Add(restarted.Elapsed.TotalSeconds);
                    PinSourceRoutes(lab);
                }
                else
                {
                    reconnectFailures++;
                }

                o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{clock.Elapsed.TotalMinutes:F1} min: server restarted, both clients {(back ? $"back after {restarted.Elapsed.TotalSeconds:F1} s" : "NOT back within 60 s")}"));
            }

            ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(250));
        }

        bool clientDied = c1.HasExited || c2.HasExited;
        handshakes[0].Observe(TunnelLab.Sessions(lab.ClientInterface(1)));
        handshakes[1].Observe(TunnelLab.Sessions(lab.ClientInterface(2)));
        stop.Cancel();
        Task.WaitAll(transfers, TimeSpan.FromSeconds(90));

        o.WriteLine();
        o.WriteLine(string.Create(CultureInfo.InvariantCulture, $"## Soak result ({clock.Elapsed.TotalMinutes:F1} min)"));
        o.WriteLine(up.Describe());
        o.WriteLine(down.Describe());
        foreach (string e in up.Errors.Concat(down.Errors).Take(10))
        {
            o.WriteLine("  " + e);
        }

        o.WriteLine($"handshakes: client 1 {handshakes[0].Total}, client 2 {handshakes[1].Total} (initial, rekeys and reconnects)");
        o.WriteLine($"rebinds of client 1: {rebinds}, failed {rebindFailures}");
        o.WriteLine(reconnects.Count == 0 && reconnectFailures == 0
            ? "server restarts: none in this run"
            : string.Create(CultureInfo.InvariantCulture, $"server restarts: {reconnects.Count + reconnectFailures}, reconnects failed {reconnectFailures}, reconnect seconds {string.Join(" ", reconnects.Select(r => r.ToString("F1", CultureInfo.InvariantCulture)))}"));
        for (int i = 0; i < serverLifetimes.Count; i++)
        {
            o.WriteLine($"server lifetime {i + 1}: {serverLifetimes[i].Describe()}");
        }

        o.WriteLine($"client 1: {clientSamples[0].Describe()}");
        o.WriteLine($"client 2: {clientSamples[1].Describe()}");
        if (clientDied)
        {
            o.WriteLine("a client exited: " + c1.StandardError + c2.StandardError);
        }

        bool ok = !clientDied && up.Completed > 0 && down.Completed > 0 && up.HashMismatches == 0 && down.HashMismatches == 0
            && reconnectFailures == 0 && rebindFailures == 0;
        o.WriteLine(ok ? "soak: PASS" : "soak: FAIL");
        return ok ? 0 : 1;
    }

    private static IPAddress? AddressOf(TunnelLab lab, int n) =>
        TunnelLab.Sessions(lab.ClientInterface(n)).FirstOrDefault()?.TunnelAddresses is [string a, ..] ? IPAddress.Parse(a) : null;

    /// <summary>
    /// Both clients live in one namespace with the same on-link tunnel network, so the kernel would send
    /// either client's packets out of whichever tunnel's route comes first, where the server drops them as
    /// spoofed. A rule per client address picks its own tunnel; redone after reconnects, which may swap addresses.
    /// </summary>
    private static void PinSourceRoutes(TunnelLab lab)
    {
        for (int n = 1; n <= 2; n++)
        {
            string table = (100 + n).ToString(CultureInfo.InvariantCulture);
            lab.Lab.Client.Run(["ip", "rule", "del", "priority", table]);
            lab.Lab.Client.Run(["ip", "route", "flush", "table", table]);
            if (AddressOf(lab, n) is IPAddress address)
            {
                lab.Lab.Client.Run(["ip", "rule", "add", "from", address.ToString(), "lookup", table, "priority", table]).EnsureSuccess();
                lab.Lab.Client.Run(["ip", "route", "add", "198.19.0.0/16", "dev", lab.ClientInterface(n), "table", table]).EnsureSuccess();
            }
        }
    }

    private static SnekException NoTunnel(LabProcess client, LabProcess server) =>
        new("SoakNoTunnel", ErrorKind.OperationTimeout, "The tunnel did not come up: " + client.StandardError + server.StandardError);

    /// <summary>Asks a client to move its data channel to a new UDP port (the status socket's rebind request).</summary>
    private static bool Rebind(string interfaceName)
    {
        try
        {
            using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified) { ReceiveTimeout = 5000, SendTimeout = 5000 };
            socket.Connect(new UnixDomainSocketEndPoint(Path.Combine(TunnelDefaults.StatusDirectory, interfaceName + ".sock")));
            socket.Send("{\"op\":\"rebind\"}\n"u8);
            byte[] reply = new byte[4096];
            int n = socket.Receive(reply);
            return Encoding.UTF8.GetString(reply, 0, n).Contains("\"ok\":true", StringComparison.Ordinal);
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>Handshakes of one client across reconnects: each session (by its establishment time) counts 1 + its rekeys.</summary>
    private sealed class HandshakeCount
    {
        private readonly Dictionary<DateTimeOffset, int> _rekeysBySession = [];

        public int Total => _rekeysBySession.Values.Sum(r => 1 + r);

        public void Observe(List<SnekSession> sessions)
        {
            foreach (SnekSession s in sessions)
            {
                if (s.Established is DateTimeOffset e)
                {
                    _rekeysBySession[e] = Math.Max(_rekeysBySession.GetValueOrDefault(e), s.Rekeys);
                }
            }
        }
    }
}
