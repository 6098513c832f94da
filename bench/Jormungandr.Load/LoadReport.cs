using System.Globalization;
using System.Text;

namespace Jormungandr.Load;

/// <summary>How long until all clients were established in one phase, and what it took.</summary>
internal sealed record ConnectPhase
{
    public required int Clients { get; init; }

    public required int Established { get; init; }

    /// <summary>Seconds until the last client was established (or the phase gave up).</summary>
    public required double Seconds { get; init; }

    /// <summary>Seconds from the server accepting connections again until all were back (restart only).</summary>
    public double? SecondsAfterListening { get; init; }

    public required long Attempts { get; init; }

    public required IReadOnlyDictionary<string, long> Failures { get; init; }

    public required Distribution HandshakeSeconds { get; init; }

    public required long ServerAuthenticated { get; init; }

    public required long ServerAdmitted { get; init; }

    public required long ServerRefused { get; init; }

    public required long ServerTimedOut { get; init; }

    public required long ServerEvicted { get; init; }

    public required long ServerFailed { get; init; }

    public required double ServerCpuSeconds { get; init; }

    public required double LoadToolCpuSeconds { get; init; }

    public double ServerHandshakesPerSecond => Seconds > 0 ? ServerAuthenticated / Seconds : 0;

    public double ServerCpuMsPerHandshake => ServerAuthenticated > 0 ? ServerCpuSeconds * 1000 / ServerAuthenticated : 0;

    public double ServerCpuMsPerAdmitted => ServerAdmitted > 0 ? ServerCpuSeconds * 1000 / ServerAdmitted : 0;

    /// <summary>Server handshakes completed beyond one per client: work whose client had already given up.</summary>
    public long ServerWastedHandshakes => Math.Max(0, ServerAuthenticated - Clients);

    public int? AddressesChanged { get; init; }
}

/// <summary>Percentiles and a histogram of a set of durations in seconds.</summary>
internal sealed record Distribution(int Count, double P50, double P90, double P99, double Max, IReadOnlyDictionary<string, int> Histogram)
{
    private static readonly double[] Bounds = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30];

    public static Distribution Of(List<double> samples)
    {
        if (samples.Count == 0)
        {
            return new Distribution(0, 0, 0, 0, 0, new Dictionary<string, int>());
        }

        samples.Sort();
        double P(double p) => samples[Math.Min(samples.Count - 1, (int)Math.Ceiling(p * samples.Count) - 1)];
        var histogram = new Dictionary<string, int>(StringComparer.Ordinal);
        double lower = 0;
        foreach (double upper in Bounds.Append(double.PositiveInfinity))
        {
            string label = double.IsPositiveInfinity(upper) ? $">{lower.ToString(CultureInfo.InvariantCulture)} s" : $"<={upper.ToString(CultureInfo.InvariantCulture)} s";
            histogram[label] = samples.Count(s => s > lower && s <= upper);
            lower = upper;
        }

        return new Distribution(samples.Count, P(0.5), P(0.9), P(0.99), samples[^1], histogram);
    }
}

/// <summary>Forwarding with every session active: echo requests round-robin over the clients.</summary>
internal sealed record ForwardPhase(double Seconds, long Sent, long Replies, int ClientsWithoutReply, double ServerCpuSeconds)
{
    public double RepliesPerSecond => Seconds > 0 ? Replies / Seconds : 0;

    public double ServerCpuUsPerReply => Replies > 0 ? ServerCpuSeconds * 1e6 / Replies : 0;
}

/// <summary>The whole run.</summary>
internal sealed record LoadReport
{
    public required int Clients { get; init; }

    public required int ClientsPerPrefix { get; init; }

    public required string LoadAverage { get; init; }

    public required int Processors { get; init; }

    public required double IdentitySeconds { get; init; }

    public required ConnectPhase Connect { get; init; }

    public required long ServerRssNoneBytes { get; init; }

    public required long ServerRssIdleBytes { get; init; }

    /// <summary>Server CPU with every session idle (keepalives, timers, the authorized-keys check), percent of one CPU.</summary>
    public required double ServerIdleCpuPercent { get; init; }

    /// <summary>Whether reconnect delays were jittered.</summary>
    public required bool Jitter { get; init; }

    /// <summary>The bound on client handshakes in flight in the load tool (0: none).</summary>
    public required int MaxHandshaking { get; init; }

    public double ServerRssPerSessionKiB => Clients > 0 ? (ServerRssIdleBytes - ServerRssNoneBytes) / 1024.0 / Clients : 0;

    public ForwardPhase? Forward { get; init; }

    public ConnectPhase? Restart { get; init; }

    public required long Rekeys { get; init; }

    /// <summary>Established sessions that ended during the run (the restart ends every one).</summary>
    public required long SessionsLost { get; init; }

    public required bool Complete { get; init; }

    public string ToText()
    {
        var b = new StringBuilder();
        CultureInfo c = CultureInfo.InvariantCulture;
        b.AppendLine(c, $"clients {Clients} ({ClientsPerPrefix} per source /24, {(MaxHandshaking > 0 ? $"at most {MaxHandshaking}" : "any number")} handshaking at once, reconnect {(Jitter ? "with" : "without")} jitter), {Processors} CPUs, load average at start {LoadAverage}");
        b.AppendLine(c, $"{Clients} identities generated and authorized in {IdentitySeconds:0.00} s");
        AppendPhase(b, "connect", Connect);
        b.AppendLine(c, $"server RSS: {ServerRssNoneBytes / 1048576.0:0.0} MiB with no session, {ServerRssIdleBytes / 1048576.0:0.0} MiB with {Clients} idle: {ServerRssPerSessionKiB:0.0} KiB per session; idle server CPU {ServerIdleCpuPercent:0.0}% of one CPU");
        if (Forward is ForwardPhase f)
        {
            b.AppendLine(c, $"forwarding: {f.Replies} echo replies of {f.Sent} requests in {f.Seconds:0.0} s = {f.RepliesPerSecond:0} replies/s round-robin over {Clients} sessions; {f.ClientsWithoutReply} clients got none; server CPU {f.ServerCpuUsPerReply:0.0} us per reply");
        }

        if (Restart is ConnectPhase r)
        {
            AppendPhase(b, "restart", r);
        }

        b.AppendLine(c, $"rekeys {Rekeys}; sessions lost {SessionsLost}; complete: {(Complete ? "yes" : "NO")}");
        return b.ToString();
    }

    private static void AppendPhase(StringBuilder b, string name, ConnectPhase p)
    {
        CultureInfo c = CultureInfo.InvariantCulture;
        b.AppendLine(c, $"{name}: {p.Established}/{p.Clients} established in {p.Seconds:0.00} s{(p.SecondsAfterListening is double l ? $" ({l:0.00} s after the server listened again)" : "")}; {p.Attempts} attempts, {p.Failures.Values.Sum()} failed");
        foreach ((string reason, long n) in p.Failures.OrderByDescending(x => x.Value))
        {
            b.AppendLine(c, $"  failed: {n} x {reason}");
        }

        Distribution d = p.HandshakeSeconds;
        b.AppendLine(c, $"  handshake (connect to Confirmation) p50 {d.P50 * 1000:0} ms, p90 {d.P90 * 1000:0} ms, p99 {d.P99 * 1000:0} ms, max {d.Max * 1000:0} ms");
        b.AppendLine(c, $"  histogram: {string.Join(", ", d.Histogram.Where(h => h.Value > 0).Select(h => $"{h.Key}: {h.Value}"))}");
        b.AppendLine(c, $"  server: {p.ServerAuthenticated} authenticated of {p.ServerAdmitted} admitted ({p.ServerWastedHandshakes} beyond one per client), {p.ServerRefused} refused, {p.ServerEvicted} evicted, {p.ServerTimedOut} timed out, {p.ServerFailed} failed");
        b.AppendLine(c, $"  server: {p.ServerHandshakesPerSecond:0.0} handshakes/s, {p.ServerCpuMsPerHandshake:0.00} ms CPU per authenticated handshake, {p.ServerCpuMsPerAdmitted:0.00} ms per admitted ({p.ServerCpuSeconds:0.00} s CPU); load tool {p.LoadToolCpuSeconds:0.00} s CPU");
        if (p.AddressesChanged is int changed)
        {
            b.AppendLine(c, $"  tunnel addresses changed by the restart: {changed}");
        }
    }
}
