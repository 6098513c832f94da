using System.CommandLine;
using System.Globalization;
using Jormungandr.Commands;
using Jormungandr.Lab;
using Jormungandr.Tunnel;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// <c>snek demo</c>: two namespaces joined by a veth (198.18.0.0/16), fresh identities, a server in one
/// and a client in the other (child <c>snek</c> processes), ping both ways through the tunnel
/// (198.19.0.0/16), a few MB over TCP with their SHA-256 compared, the session table and the
/// throughput; everything removed at the end, also on Ctrl+C. Without root it says so in one line.
/// </summary>
internal static class DemoCli
{
    private const long DemoBytes = 8L * 1024 * 1024;

    public static Command Create()
    {
        Option<int> megabytes = new("--megabytes") { Description = "How much to move through the tunnel (1 to 1024 MB).", DefaultValueFactory = _ => (int)(DemoBytes >> 20) };
        Command command = new("demo", "As root: build two namespaces, run a server and a client, ping and move data through the tunnel, clean up.") { megabytes };
        command.SetAction((parse, ct) => RunAsync(parse, parse.GetValue(megabytes), ct));
        return command;
    }

    private static async Task<int> RunAsync(ParseResult parse, int megabytes, CancellationToken ct)
    {
        try
        {
            return await RunDemoAsync(parse, megabytes, ct).ConfigureAwait(false);
        }
        catch (Exception e) when (ct.IsCancellationRequested && e is not OutOfMemoryException)
        {
            // Ctrl+C / SIGTERM: the lab was removed (by the signal handler and the using block).
            await CliContext.Current.Stderr.WriteLineAsync("snek demo: interrupted; everything it created was removed.").ConfigureAwait(false);
            return ExitCodes.Interrupted;
        }
    }

    private static async Task<int> RunDemoAsync(ParseResult parse, int megabytes, CancellationToken ct)
    {
        TextWriter o = CliContext.Current.Stdout;
        string? why = TwoHostLab.WhyUnavailable();
        if (why is not null)
        {
            throw new SnekException("DemoNeedsRoot", why.Contains("root", StringComparison.Ordinal) ? ErrorKind.PermissionDenied : ErrorKind.ResourceUnavailable,
                "snek demo " + why + ".");
        }

        if (megabytes is < 1 or > 1024)
        {
            throw new SnekException("DemoArguments", ErrorKind.InvalidArgument, "--megabytes must be between 1 and 1024.");
        }

        await o.WriteLineAsync("Jormungandr demo: two network namespaces joined by a veth (198.18.0.1 <-> 198.18.0.2)").ConfigureAwait(false);
        using TunnelLab lab = TunnelLab.Create("demo");
        using var cleanup = new TerminationCleanup(lab);
        string clientKey = lab.CreateClientKey("client");
        await o.WriteLineAsync($"  identities (ML-DSA-65) in {lab.Directory}").ConfigureAwait(false);
        await o.WriteLineAsync($"  server key {lab.FingerprintOf(lab.ServerKey)}, client key {lab.FingerprintOf(clientKey)}").ConfigureAwait(false);

        using LabProcess server = lab.StartServer(ipv6: true);
        using LabProcess client = lab.StartClient(1, clientKey);
        await o.WriteLineAsync($"  started 'snek server' in {lab.Lab.Server.Name} ({lab.ServerInterface}) and 'snek connect 198.18.0.1' in {lab.Lab.Client.Name} ({lab.ClientInterface(1)})").ConfigureAwait(false);
        SnekSession? session = await Task.Run(() => lab.WaitForClient(1, TimeSpan.FromSeconds(45), client), ct).ConfigureAwait(false);
        if (session is null)
        {
            throw new SnekException("DemoNoTunnel", ErrorKind.OperationTimeout,
                "The tunnel did not come up within 45 s. Server: " + Tail(server) + " Client: " + Tail(client));
        }

        string clientInner = session.TunnelAddresses[0];
        await o.WriteLineAsync($"  tunnel up: client {string.Join(", ", session.TunnelAddresses)} <-> server {TunnelLab.ServerInner}, {TunnelLab.ServerInner6}").ConfigureAwait(false);

        bool ok = true;
        ok &= await PingAsync(o, lab.Lab.Client, "client -> server", TunnelLab.ServerInner.ToString(), ct).ConfigureAwait(false);
        ok &= await PingAsync(o, lab.Lab.Server, "server -> client", clientInner, ct).ConfigureAwait(false);
        if (session.TunnelAddresses.Length > 1)
        {
            ok &= await PingAsync(o, lab.Lab.Client, "client -> server (IPv6)", TunnelLab.ServerInner6.ToString(), ct).ConfigureAwait(false);
            ok &= await PingAsync(o, lab.Lab.Server, "server -> client (IPv6)", session.TunnelAddresses[1], ct).ConfigureAwait(false);
        }

        long bytes = megabytes * 1024L * 1024L;
        (string sent, string received, double seconds) = await Task.Run(() =>
            TunnelLab.Transfer(lab.Lab.Client, lab.Lab.Server, TunnelLab.ServerInner, bytes, 5201, TimeSpan.FromSeconds(120)), ct).ConfigureAwait(false);
        bool same = sent == received;
        ok &= same;
        double mbits = bytes * 8 / seconds / 1e6;
        await o.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"  TCP {megabytes} MB client -> server in {seconds:F2} s = {mbits:F0} Mbit/s; SHA-256 {(same ? "match" : "MISMATCH")} {sent[..16]}…")).ConfigureAwait(false);

        await o.WriteLineAsync("").ConfigureAwait(false);
        await o.WriteLineAsync("Sessions (snek show):").ConfigureAwait(false);
        ConsoleOutput table = CliRunner.CreateOutput(parse);
        await new GetSessionCommand().ExecuteAsync(new GetSessionOptions { InterfaceName = lab.ServerInterface }, table, ct).ConfigureAwait(false);
        await new GetSessionCommand().ExecuteAsync(new GetSessionOptions { InterfaceName = lab.ClientInterface(1) }, table, ct).ConfigureAwait(false);
        table.Flush();

        await o.WriteLineAsync("").ConfigureAwait(false);
        await o.WriteLineAsync("Cleaning up: stopping both tunnels, removing namespaces, veth and keys.").ConfigureAwait(false);
        lab.Dispose();
        await o.WriteLineAsync(ok ? "Demo passed." : "Demo FAILED (see above).").ConfigureAwait(false);
        return ok ? ExitCodes.Success : ExitCodes.Failure;
    }

    private static async Task<bool> PingAsync(TextWriter o, NetworkNamespace from, string label, string target, CancellationToken ct)
    {
        ProcessResult r = await Task.Run(() => TwoHostLab.Ping(from, System.Net.IPAddress.Parse(target), 3), ct).ConfigureAwait(false);
        string summary = r.StandardOutput.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries) is { Length: > 0 } lines ? lines[^1] : r.StandardError.Trim();
        await o.WriteLineAsync($"  ping {label} {target}: {(r.Succeeded ? "ok" : "FAILED")}  {summary}").ConfigureAwait(false);
        return r.Succeeded;
    }

    private static string Tail(LabProcess p)
    {
        string text = (p.StandardError + p.StandardOutput).Trim();
        return text.Length > 400 ? text[^400..] : text;
    }
}
