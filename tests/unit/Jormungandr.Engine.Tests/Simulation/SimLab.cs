using System.Collections.Concurrent;
using System.Net;
using Jormungandr.Crypto;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Jormungandr.Service;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// A server and clients of the real engine (<see cref="Server"/>, <see cref="Client"/>) on in-memory TUNs,
/// a <see cref="SimulatedNetwork"/> and a <see cref="TestClock"/>: no root, no sockets, no real time.
/// Everything is torn down by <see cref="DisposeAsync"/>.
/// </summary>
internal sealed class SimLab : IAsyncDisposable
{
    public static readonly IPAddress ServerAddress = IPAddress.Parse("198.18.0.1");
    private readonly string _root;
    private readonly List<SimClient> _clients = [];
    private SnekIdentity? _serverIdentity;

    public SimLab(int seed = 1)
    {
        Clock = new TestClock();
        Network = new SimulatedNetwork(Clock, seed);
        _root = Directory.CreateTempSubdirectory("snek-sim-").FullName;
        Directory.CreateDirectory(AuthorizedKeys);
    }

    public TestClock Clock { get; }

    public SimulatedNetwork Network { get; }

    public SimServer? Server { get; private set; }

    public string AuthorizedKeys => Path.Combine(_root, "authorized");

    public string ServerKeyPath => Path.Combine(_root, "server.key");

    /// <summary>The server's state directory (its lease file).</summary>
    public string StateDirectory => Path.Combine(_root, "state");

    /// <summary>How servers started from here on watch their authorized-keys directory (the real inotify watch unless a test replaces it).</summary>
    public DirectoryWatchFactory WatchDirectory { get; set; } = DirectoryChangeSignal.Start;

    /// <summary>The fake host routing of each simulated host (what full tunnel, gateway and DNS changed), by underlay address.</summary>
    public Dictionary<IPAddress, FakeHost> Hosts { get; } = [];

    public TunnelPlatform Platform(IPAddress host, MemoryTun tun, RecordingInterfaces interfaces) => new()
    {
        OpenHostRouting = (name, runDirectory) => Jormungandr.Routing.HostRouting.Open(HostOf(host).System, runDirectory, name, out _),
        ResolvConf = ResolvConf(host),
        Clock = Clock,
        Random = SystemRandom.Instance,
        OpenTun = (name, taken) => tun,
        BindTransport = Network.TransportFor(host),
        ListenKeyChannel = Network.ListenerFor(host),
        DialKeyChannel = Network.DialerFor(host),
        Interfaces = interfaces,
        WatchDirectory = WatchDirectory,
    };

    /// <summary>The resolver file of a simulated host (DNS by file: no resolved, no resolvconf there).</summary>
    public string ResolvConf(IPAddress host) => Path.Combine(_root, "resolv-" + host + ".conf");

    private FakeHost HostOf(IPAddress host)
    {
        lock (Hosts)
        {
            if (!Hosts.TryGetValue(host, out FakeHost? fake))
            {
                fake = new FakeHost();
                Hosts[host] = fake;
            }

            return fake;
        }
    }

    /// <summary>Writes <c>NAME.networks</c> beside an authorized key: networks behind that client.</summary>
    public void SetNetworks(string name, params string[] networks) =>
        File.WriteAllText(Path.Combine(AuthorizedKeys, name + ".networks"), string.Join("\n", networks) + "\n");

    /// <summary>Starts a server (a restart when one ran before: same key, same state directory, a new process).</summary>
    public SimServer StartServer(Func<ServerOptions, ServerOptions>? configure = null, ServiceLifecycle? service = null)
    {
        if (_serverIdentity is null)
        {
            _serverIdentity = SnekIdentity.Generate();
            _serverIdentity.SavePrivate(ServerKeyPath);
            _serverIdentity.SavePublic(Path.ChangeExtension(ServerKeyPath, ".pub"));
        }

        var options = new ServerOptions
        {
            AuthorizedKeysPath = AuthorizedKeys,
            CertificatePath = ServerKeyPath,
            StatusDirectory = PrivateDirectory("status-server-" + Guid.NewGuid().ToString("N")[..8]),
            StateDirectory = StateDirectory,
            Pool6 = "fd00:5ec::/64",
        };
        Server = new SimServer(this, configure?.Invoke(options) ?? options, service);
        return Server;
    }

    // Status sockets live in private directories (the tunnel refuses others).
    private string PrivateDirectory(string name)
    {
        string path = Directory.CreateDirectory(Path.Combine(_root, name)).FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>A client (authorized unless asked otherwise) on its own underlay address (not started).</summary>
    public SimClient AddClient(string name, bool authorize = true)
    {
        // Each client in its own /24, as clients from different places (the limiter shares a prefix's slots).
        var address = IPAddress.Parse($"198.18.{_clients.Count + 1}.2");
        string keyPath = Path.Combine(_root, name + ".key");
        using (SnekIdentity id = SnekIdentity.Generate())
        {
            id.SavePrivate(keyPath);
            if (authorize)
            {
                id.SavePublic(Path.Combine(AuthorizedKeys, name + ".pub"));
            }
        }

        var options = new ClientOptions
        {
            Address = ServerAddress.ToString(),
            CertificatePath = keyPath,
            ServerKeyPath = Path.ChangeExtension(ServerKeyPath, ".pub"),
            StatusDirectory = PrivateDirectory("status-" + name),
        };
        var client = new SimClient(this, name, address, options);
        _clients.Add(client);
        return client;
    }

    /// <summary>Advances the test clock in <paramref name="step"/>s, letting the engine run between steps, until <paramref name="done"/> (or <paramref name="limit"/> of test time).</summary>
    public async Task<TimeSpan> AdvanceUntilAsync(Func<bool> done, TimeSpan step, TimeSpan limit)
    {
        TimeSpan start = Clock.Now;
        while (!done())
        {
            if (Clock.Now - start >= limit)
            {
                throw new TimeoutException($"Not done after {limit.TotalSeconds} s of test time.");
            }

            Clock.Advance(step);
            await Settle().ConfigureAwait(false);
        }

        return Clock.Now - start;
    }

    /// <summary>Advances the test clock by <paramref name="total"/> in <paramref name="step"/>s, running <paramref name="each"/> after every step.</summary>
    public async Task AdvanceAsync(TimeSpan total, TimeSpan step, Action? each = null)
    {
        for (TimeSpan t = TimeSpan.Zero; t < total; t += step)
        {
            Clock.Advance(step);
            await Settle().ConfigureAwait(false);
            each?.Invoke();
        }
    }

    /// <summary>Waits in real time (bounded) for <paramref name="done"/> without moving the test clock: handshakes take real CPU time.</summary>
    public static async Task WaitUntilAsync(Func<bool> done, string what, int seconds = 30)
    {
        DateTime until = DateTime.UtcNow.AddSeconds(seconds);
        while (!done())
        {
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"Timed out waiting for {what}.");
            }

            await Task.Delay(5).ConfigureAwait(false);
        }
    }

    // Lets continuations of completed timers run before the clock moves again.
    private static async Task Settle()
    {
        await Task.Delay(2).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (SimClient c in _clients)
        {
            await c.DisposeAsync().ConfigureAwait(false);
        }

        if (Server is not null)
        {
            await Server.DisposeAsync().ConfigureAwait(false);
        }

        Network.Dispose();
        _serverIdentity?.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}

/// <summary>Records what a tunnel configured on its interface.</summary>
internal sealed class RecordingInterfaces : IInterfaceConfigurator
{
    public ConcurrentQueue<string> Calls { get; } = new();

    public void AddAddress(string name, IPAddress address, int prefix) => Calls.Enqueue($"address {address}/{prefix}");

    public void Up(string name, int mtu) => Calls.Enqueue($"up mtu {mtu}");

    public void AddRoute(string name, IPNetwork network) => Calls.Enqueue($"route {network}");

    public void RemoveRoute(string name, IPNetwork network) => Calls.Enqueue($"unroute {network}");

    public void FlushAddresses(string name) => Calls.Enqueue("flush");
}

/// <summary>The simulated server: a real <see cref="Server"/> on an in-memory TUN.</summary>
internal sealed class SimServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _run;

    public SimServer(SimLab lab, ServerOptions options, ServiceLifecycle? service = null)
    {
        Tun = new MemoryTun("snk0");
        Engine = new Server(options, Log, Events.Enqueue, service, lab.Platform(SimLab.ServerAddress, Tun, Interfaces));
        Engine.Start();
        _run = Engine.RunAsync(_stop.Token);
    }

    public Server Engine { get; }

    public MemoryTun Tun { get; }

    public RecordingInterfaces Interfaces { get; } = new();

    public ConcurrentQueue<SnekSessionEvent> Events { get; } = new();

    public ListLogger Log { get; } = new();

    public List<SnekSession> Sessions => Engine.Snapshot();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _run.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        Engine.Dispose();
    }
}

/// <summary>A simulated client: a real <see cref="Client"/> on an in-memory TUN and its own underlay address.</summary>
internal sealed class SimClient : IAsyncDisposable
{
    private readonly SimLab _lab;
    private readonly ClientOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private Task? _run;

    public SimClient(SimLab lab, string name, IPAddress address, ClientOptions options)
    {
        _lab = lab;
        _options = options;
        Name = name;
        Address = address;
        Tun = new MemoryTun("snk-" + name);
    }

    public string Name { get; }

    public IPAddress Address { get; }

    public MemoryTun Tun { get; }

    public RecordingInterfaces Interfaces { get; } = new();

    public Client? Engine { get; private set; }

    public ConcurrentQueue<SnekSessionEvent> Events { get; } = new();

    public ListLogger Log { get; } = new();

    /// <summary>The run loop's outcome (faulted when the client gave up, e.g. an untrusted server).</summary>
    public Task? Run => _run;

    public SnekSession Session => Engine!.Snapshot()[0];

    public bool IsEstablished => Engine is not null && Session.State == SessionState.Established;

    public IPAddress TunnelAddress => IPAddress.Parse(Session.TunnelAddresses[0]);

    public int Count(SessionEventKind kind) => Events.Count(e => e.Kind == kind);

    public async Task StartAsync(Func<ClientOptions, ClientOptions>? configure = null)
    {
        ClientOptions options = configure?.Invoke(_options) ?? _options;
        Engine = new Client(options, Log, Events.Enqueue, _lab.Platform(Address, Tun, Interfaces));
        await Engine.StartAsync(CancellationToken.None).ConfigureAwait(false);
        _run = Engine.RunAsync(_stop.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_run is not null)
        {
            try
            {
                await _run.WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not TimeoutException)
            {
                // A client that gave up already reported why to its test.
            }
        }

        Engine?.Dispose();
    }
}
