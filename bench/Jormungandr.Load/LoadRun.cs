using System.Diagnostics;
using System.Net;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Jormungandr.Lab;
using Jormungandr.Protocol;
using Jormungandr.Tunnel;

namespace Jormungandr.Load;

/// <summary>
/// One measured run inside a lab namespace: N identities authorized, the real server started, then the
/// phases connect → idle (memory) → forwarding → server restart, each bounded by the phase timeout and
/// all by the global deadline. Every client, timer and the server process end before it returns.
/// </summary>
internal sealed class LoadRun(LoadOptions options, string workDirectory, IReadOnlyList<string> snekCommand, TextWriter progress)
{
    private static readonly IPAddress ServerAddress = IPAddress.Parse("198.18.0.1");
    private const int KeyPortNumber = 4430;
    private const int DataPortNumber = 4431;
    private const string InterfaceName = "snkload0";
    private readonly LoadCounters _counters = new();
    private readonly List<SimulatedClient> _clients = [];

    private string StatusSocket => StatusServer.PathFor(Path.Combine(workDirectory, "status"), InterfaceName);

    public async Task<LoadReport> RunAsync(CancellationToken deadline)
    {
        string loadAverage = File.ReadAllText("/proc/loadavg").Split(' ')[..3] is var l ? string.Join(' ', l) : "";
        string authorized = Path.Combine(workDirectory, "authorized");
        Directory.CreateDirectory(authorized);
        Directory.CreateDirectory(Path.Combine(workDirectory, "status"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Directory.CreateDirectory(Path.Combine(workDirectory, "state"));
        string serverKey = Path.Combine(workDirectory, "server.key");
        byte[] serverPublic;
        using (SnekIdentity serverIdentity = SnekIdentity.Generate())
        {
            serverIdentity.SavePrivate(serverKey);
            serverPublic = serverIdentity.PublicKey.ToArray();
        }

        using var target = new LoadTarget(new IPEndPoint(ServerAddress, KeyPortNumber), new IPEndPoint(ServerAddress, DataPortNumber), new PinnedKeys(serverPublic), options.MaxHandshaking, !options.NoJitter);
        var identityClock = Stopwatch.StartNew();
        var identities = new LocalIdentity[options.Clients];
        var keys = new SnekIdentity[options.Clients];
        Parallel.For(0, options.Clients, new ParallelOptions { CancellationToken = deadline }, i =>
        {
            keys[i] = SnekIdentity.Generate();
            keys[i].SavePublic(Path.Combine(authorized, $"load-{i:D4}.pub"));
            identities[i] = new LocalIdentity(keys[i].PublicKey, keys[i].Sign);
        });
        double identitySeconds = identityClock.Elapsed.TotalSeconds;
        for (int i = 0; i < options.Clients; i++)
        {
            var source = new IPAddress([198, 18, (byte)(1 + (i / options.PerPrefix)), (byte)(1 + (i % options.PerPrefix))]);
            _clients.Add(new SimulatedClient(i, source, identities[i], target, _counters));
        }

        progress.WriteLine($"{options.Clients} identities in {identitySeconds:0.00} s; starting the server");
        ServerProcess? server = null;
        using var stopClients = CancellationTokenSource.CreateLinkedTokenSource(deadline);
        List<Task> running = [];
        Task? ticker = null;
        try
        {
            server = await StartServerAsync(authorized, serverKey, target, deadline).ConfigureAwait(false);
            await Task.Delay(1000, deadline).ConfigureAwait(false);
            long rssNone = ProcessStats.ResidentBytes(server.Id);

            ticker = TickAsync(stopClients.Token);
            ConnectPhase connect = await MeasureConnectAsync(server, () => running.AddRange(_clients.Select(c => Task.Run(() => c.RunAsync(stopClients.Token), CancellationToken.None))), Stopwatch.GetTimestamp(), null, deadline).ConfigureAwait(false);
            progress.WriteLine($"connect: {connect.Established}/{connect.Clients} in {connect.Seconds:0.00} s");

            double idleCpuBefore = ProcessStats.CpuSeconds(server.Id);
            await Task.Delay(options.IdleTime, deadline).ConfigureAwait(false);
            double idleCpu = ProcessStats.CpuSeconds(server.Id) - idleCpuBefore;
            long rssIdle = ProcessStats.ResidentBytes(server.Id);
            bool complete = connect.Established == options.Clients;

            ForwardPhase? forward = null;
            if (options.ForwardTime > TimeSpan.Zero)
            {
                forward = await ForwardAsync(server, deadline).ConfigureAwait(false);
                progress.WriteLine($"forwarding: {forward.RepliesPerSecond:0} replies/s");
            }

            ConnectPhase? restart = null;
            if (options.Restart)
            {
                Dictionary<int, IPAddress?> before = _clients.ToDictionary(c => c.Number, c => c.TunnelAddress);
                long killed = Stopwatch.GetTimestamp();
                server.Kill();
                server.Dispose();
                server = null;
                ServerProcess? restarted = null;
                restart = await MeasureConnectAsync(null, () => { }, killed, async () =>
                {
                    restarted = await StartServerAsync(authorized, serverKey, target, deadline).ConfigureAwait(false);
                    return restarted;
                }, deadline).ConfigureAwait(false);
                server = restarted;
                restart = restart with { AddressesChanged = _clients.Count(c => !Equals(before[c.Number], c.TunnelAddress)) };
                progress.WriteLine($"restart: {restart.Established}/{restart.Clients} back in {restart.Seconds:0.00} s");
                complete &= restart.Established == options.Clients;
            }

            return new LoadReport
            {
                Clients = options.Clients,
                ClientsPerPrefix = options.PerPrefix,
                LoadAverage = loadAverage,
                Processors = Environment.ProcessorCount,
                IdentitySeconds = identitySeconds,
                Connect = connect,
                ServerRssNoneBytes = rssNone,
                ServerRssIdleBytes = rssIdle,
                ServerIdleCpuPercent = options.IdleTime > TimeSpan.Zero ? idleCpu * 100 / options.IdleTime.TotalSeconds : 0,
                MaxHandshaking = options.MaxHandshaking,
                Jitter = !options.NoJitter,
                Forward = forward,
                Restart = restart,
                Rekeys = _counters.Rekeys,
                SessionsLost = _counters.Losses,
                Complete = complete,
            };
        }
        finally
        {
            await stopClients.CancelAsync().ConfigureAwait(false);
            foreach (SimulatedClient c in _clients)
            {
                c.Dispose();
            }

            await Task.WhenAny(Task.WhenAll(running), Task.Delay(TimeSpan.FromSeconds(10), CancellationToken.None)).ConfigureAwait(false);
            if (ticker is not null)
            {
                await Task.WhenAny(ticker, Task.Delay(TimeSpan.FromSeconds(2), CancellationToken.None)).ConfigureAwait(false);
            }

            server?.Dispose();
            foreach (LocalIdentity id in identities.Where(x => x is not null))
            {
                id.Dispose();
            }

            foreach (SnekIdentity k in keys.Where(x => x is not null))
            {
                k.Dispose();
            }
        }
    }

    private async Task<ServerProcess> StartServerAsync(string authorized, string serverKey, LoadTarget target, CancellationToken deadline)
    {
        List<string> command = [.. snekCommand, "server", "--authorized-keys", authorized, "--cert", serverKey, "--interface", InterfaceName,
            "--state-dir", Path.Combine(workDirectory, "state"), "--status-dir", Path.Combine(workDirectory, "status"),
            "--bind", ServerAddress.ToString(), "--key-port", KeyPortNumber.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--data-port", DataPortNumber.ToString(System.Globalization.CultureInfo.InvariantCulture), "--pool", "198.19.0.0/16"];
        ServerProcess server = ServerProcess.Start(command, Path.Combine(workDirectory, "server.log"));
        if (!await server.WaitListeningAsync(target.KeyPort, StatusSocket, TimeSpan.FromSeconds(60), deadline).ConfigureAwait(false))
        {
            server.Dispose();
            throw new LoadSetupException($"The server did not listen within 60 s; see {Path.Combine(workDirectory, "server.log")}.");
        }

        return server;
    }

    // Starts (or restarts) and waits until every client was established after `since`; the server's CPU and
    // counters cover the same span. With `startServer` the span also covers the server's start-up.
    private async Task<ConnectPhase> MeasureConnectAsync(ServerProcess? server, Action startClients, long since, Func<Task<ServerProcess>>? startServer, CancellationToken deadline)
    {
        _counters.Take();
        long attemptsBefore = _counters.Attempts;
        double toolCpuBefore = ProcessStats.CpuSeconds(Environment.ProcessId);
        double serverCpuBefore = server is null ? 0 : ProcessStats.CpuSeconds(server.Id);
        SnekServerStatus? statusBefore = server is null ? null : await ServerProcess.StatusAsync(StatusSocket, deadline).ConfigureAwait(false);
        double? listening = null;
        if (startServer is not null)
        {
            server = await startServer().ConfigureAwait(false);
            listening = Stopwatch.GetElapsedTime(since).TotalSeconds;
        }

        startClients();
        long phaseEnd = Environment.TickCount64 + (long)options.PhaseTimeout.TotalMilliseconds;
        int established = 0;
        while (Environment.TickCount64 < phaseEnd && !deadline.IsCancellationRequested)
        {
            established = _clients.Count(c => c.IsEstablished && c.EstablishedAt > since);
            if (established == _clients.Count)
            {
                break;
            }

            await Task.Delay(20, deadline).ConfigureAwait(false);
        }

        double seconds = Stopwatch.GetElapsedTime(since).TotalSeconds;
        double serverCpu = ProcessStats.CpuSeconds(server!.Id) - serverCpuBefore;
        double toolCpu = ProcessStats.CpuSeconds(Environment.ProcessId) - toolCpuBefore;
        SnekServerStatus? after = await ServerProcess.StatusAsync(StatusSocket, deadline).ConfigureAwait(false);
        (List<double> handshakes, Dictionary<string, long> failures) = _counters.Take();
        long Delta(Func<SnekServerStatus, long> f) => after is null ? -1 : f(after) - (statusBefore is null ? 0 : f(statusBefore));
        return new ConnectPhase
        {
            Clients = _clients.Count,
            Established = established,
            Seconds = seconds,
            SecondsAfterListening = listening is double l ? seconds - l : null,
            Attempts = _counters.Attempts - attemptsBefore,
            Failures = failures,
            HandshakeSeconds = Distribution.Of(handshakes),
            ServerAuthenticated = Delta(s => s.Authenticated),
            ServerAdmitted = Delta(s => s.Admitted),
            ServerRefused = Delta(s => s.RefusedRate + s.RefusedPrefixBusy + s.RefusedFull),
            ServerTimedOut = Delta(s => s.TimedOut),
            ServerEvicted = Delta(s => s.Evicted),
            ServerFailed = Delta(s => s.Failed + s.Unauthorized),
            ServerCpuSeconds = serverCpu,
            LoadToolCpuSeconds = toolCpu,
        };
    }

    // Echo requests round-robin over the established clients, at most `Window` unanswered at once.
    private async Task<ForwardPhase> ForwardAsync(ServerProcess server, CancellationToken deadline)
    {
        byte[] packet = new byte[IcmpEcho.Size];
        byte[] datagram = new byte[2048];
        long repliesBefore = _counters.Replies;
        var perClientBefore = _clients.Select(c => c.Replies).ToArray();
        double cpuBefore = ProcessStats.CpuSeconds(server.Id);
        var clock = Stopwatch.StartNew();
        long sent = 0;
        long forgiven = 0; // requests taken as lost, so the window does not stay shut
        ushort sequence = 0;
        int next = 0;
        int idle = 0;
        while (clock.Elapsed < options.ForwardTime && !deadline.IsCancellationRequested)
        {
            if (sent - forgiven - (_counters.Replies - repliesBefore) >= options.Window)
            {
                if (++idle % 64 == 0)
                {
                    await Task.Delay(1, deadline).ConfigureAwait(false);
                }
                else
                {
                    await Task.Yield();
                }

                if (idle < 2000)
                {
                    continue;
                }

                forgiven = sent - (_counters.Replies - repliesBefore);
            }

            idle = 0;
            SimulatedClient c = _clients[next];
            next = (next + 1) % _clients.Count;
            if (c.SendEcho(sequence, packet, datagram))
            {
                sent++;
                sequence++;
            }
        }

        double seconds = clock.Elapsed.TotalSeconds;
        await Task.Delay(200, deadline).ConfigureAwait(false); // late replies still count, but not toward the rate's time
        long replies = _counters.Replies - repliesBefore;
        int silent = _clients.Count(c => c.Replies == perClientBefore[c.Number]);
        return new ForwardPhase(seconds, sent, replies, silent, ProcessStats.CpuSeconds(server.Id) - cpuBefore);
    }

    private async Task TickAsync(CancellationToken stop)
    {
        byte[] scratch = new byte[DataPacket.MinSize + 64];
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(250));
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                foreach (SimulatedClient c in _clients)
                {
                    c.Tick(scratch);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
