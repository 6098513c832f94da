using System.Globalization;
using System.Net;
using Jormungandr.Commands;
using Jormungandr.Identity;
using Jormungandr.Lab;
using Jormungandr.Tunnel;

namespace Jormungandr.Cli.Demo;

/// <summary>
/// A server and its clients in two network namespaces joined by a veth (198.18.0.1 / 198.18.0.2, and
/// 2001:2::1 / 2001:2::2 when the underlay is IPv6),
/// with identities generated in a private temp directory and <c>snek</c> child processes started
/// through <c>ip netns exec</c>. Used by <c>snek demo</c> and the end-to-end tests. Dispose stops the
/// processes (SIGTERM, so tunnels tear down), removes the namespaces and the temp directory.
/// </summary>
internal sealed class TunnelLab : IDisposable
{
    /// <summary>The server's tunnel address with the default pool.</summary>
    public static readonly IPAddress ServerInner = IPAddress.Parse("198.19.0.1");

    /// <summary>The IPv6 pool used when IPv6 is on (inside fd00:5ec::/64, as the network rules require).</summary>
    public const string Pool6 = "fd00:5ec::/120";

    /// <summary>The server's IPv6 tunnel address.</summary>
    public static readonly IPAddress ServerInner6 = IPAddress.Parse("fd00:5ec::1");

    /// <summary>The server's underlay address when the underlay is IPv6 (2001:2::/48, the IPv6 benchmarking range).</summary>
    public static readonly IPAddress ServerUnderlay6 = IPAddress.Parse("2001:2::1");

    /// <summary>The client's underlay address when the underlay is IPv6.</summary>
    public static readonly IPAddress ClientUnderlay6 = IPAddress.Parse("2001:2::2");

    private readonly List<LabProcess> _processes = [];
    private readonly Lock _disposeGate = new();
    private bool _disposed;

    private TunnelLab(TwoHostLab lab, string directory, string tag)
    {
        Lab = lab;
        Directory = directory;
        Tag = tag;
    }

    /// <summary>The namespaces and the veth.</summary>
    public TwoHostLab Lab { get; }

    /// <summary>The private temp directory with keys.</summary>
    public string Directory { get; }

    /// <summary>Short random tag in interface names (<c>snk&lt;tag&gt;s</c>, <c>snk&lt;tag&gt;c1</c>).</summary>
    public string Tag { get; }

    /// <summary>Directory of authorized client keys.</summary>
    public string AuthorizedDirectory => Path.Combine(Directory, "authorized");

    /// <summary>The server's state directory (address leases), inside the temp dir so nothing outlives the lab.</summary>
    public string StateDirectory => Path.Combine(Directory, "state");

    /// <summary>The server's private key.</summary>
    public string ServerKey => Path.Combine(Directory, "server.priv");

    /// <summary>The server's public key (what clients pin).</summary>
    public string ServerPublicKey => Path.Combine(Directory, "server.pub");

    /// <summary>The server's interface name.</summary>
    public string ServerInterface => $"snk{Tag}s";

    /// <summary>Interface name of client <paramref name="n"/>.</summary>
    public string ClientInterface(int n) => $"snk{Tag}c{n}";

    /// <summary>The address clients connect to: the server's IPv6 underlay address when there is one, else IPv4.</summary>
    public IPAddress ServerUnderlay => Lab.ServerAddress6 ?? Lab.ServerAddress;

    /// <summary>The client namespace's underlay address on the family clients use.</summary>
    public IPAddress ClientUnderlay => Lab.ClientAddress6 ?? Lab.ClientAddress;

    /// <summary>Builds namespaces, veth, a temp dir and a server identity; with <paramref name="ipv6Underlay"/> the
    /// veth also gets 2001:2::1 / 2001:2::2 and clients connect over IPv6.</summary>
    public static TunnelLab Create(string purpose, bool ipv6Underlay = false)
    {
        if (!OperatingSystem.IsLinux())
        {
            throw new SnekException("NeedsLinux", ErrorKind.ResourceUnavailable, "The lab needs Linux.");
        }

        string tag = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(2));
        string dir = Path.Combine(Path.GetTempPath(), "snek-" + purpose + "-" + tag);
        System.IO.Directory.CreateDirectory(dir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        TwoHostLab? lab = null;
        try
        {
            lab = TwoHostLab.Create(new TwoHostLabOptions
            {
                Purpose = purpose,
                ServerAddress6 = ipv6Underlay ? ServerUnderlay6 : null,
                ClientAddress6 = ipv6Underlay ? ClientUnderlay6 : null,
            });
            var result = new TunnelLab(lab, dir, tag);
            System.IO.Directory.CreateDirectory(result.AuthorizedDirectory);
            using SnekIdentity server = SnekIdentity.Generate();
            server.SavePrivate(result.ServerKey);
            server.SavePublic(result.ServerPublicKey);
            return result;
        }
        catch
        {
            lab?.Dispose();
            System.IO.Directory.Delete(dir, recursive: true);
            throw;
        }
    }

    /// <summary>Creates client identity <paramref name="name"/>; authorized unless told otherwise. Returns the private key path.</summary>
    public string CreateClientKey(string name, bool authorize = true)
    {
        string basePath = Path.Combine(Directory, name);
        using SnekIdentity id = SnekIdentity.Generate();
        id.SavePrivate(basePath + ".priv");
        id.SavePublic(basePath + ".pub");
        if (authorize)
        {
            File.Copy(basePath + ".pub", Path.Combine(AuthorizedDirectory, name + ".pub"));
        }

        return basePath + ".priv";
    }

    /// <summary>The fingerprint of a key file pair's public half.</summary>
    public string FingerprintOf(string privateKeyPath)
    {
        using SnekIdentity id = SnekIdentity.LoadPublic(Path.ChangeExtension(privateKeyPath, ".pub"));
        return id.Fingerprint;
    }

    /// <summary>The command line that starts this very <c>snek</c> (apphost, or dotnet + snek.dll).</summary>
    public static List<string> SnekCommand()
    {
        string? process = Environment.ProcessPath;
        if (process is not null && Path.GetFileName(process) == "snek")
        {
            return [process];
        }

        string dll = Path.Combine(AppContext.BaseDirectory, "snek.dll");
        string host = process is not null && Path.GetFileNameWithoutExtension(process) == "dotnet"
            ? process
            : Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
        return [host, dll];
    }

    /// <summary>Words put before the snek command of the next processes started (e.g. <c>env NAME=value</c>).</summary>
    public IReadOnlyList<string> CommandPrefix { get; set; } = [];

    /// <summary>Starts the server in the server namespace.</summary>
    public LabProcess StartServer(bool ipv6 = false, params string[] extra)
    {
        List<string> command = [.. CommandPrefix, .. SnekCommand()];
        command.AddRange(["server", "--authorized-keys", AuthorizedDirectory, "--cert", ServerKey, "--interface", ServerInterface, "--state-dir", StateDirectory]);
        if (ipv6)
        {
            command.AddRange(["--pool6", Pool6]);
        }

        command.AddRange(extra);
        return Track(Lab.Server.Start(command));
    }

    /// <summary>Starts client <paramref name="n"/> in the client namespace, pinning the server key unless <paramref name="serverKey"/> says otherwise.</summary>
    public LabProcess StartClient(int n, string privateKey, string? serverKey = null, params string[] extra)
    {
        List<string> command = [.. CommandPrefix, .. SnekCommand()];
        command.AddRange(["connect", ServerUnderlay.ToString(), "--cert", privateKey, "--server-key", serverKey ?? ServerPublicKey,
            "--interface", ClientInterface(n)]);
        command.AddRange(extra);
        return Track(Lab.Client.Start(command));
    }

    /// <summary>Runs <c>snek</c> with <paramref name="args"/> in <paramref name="where"/>; stopped with the lab.</summary>
    public LabProcess StartSnek(NetworkNamespace where, params string[] args)
    {
        ArgumentNullException.ThrowIfNull(where);
        List<string> command = SnekCommand();
        command.AddRange(args);
        return Track(where.Start(command));
    }

    private LabProcess Track(LabProcess p)
    {
        lock (_processes)
        {
            _processes.Add(p);
        }

        return p;
    }

    /// <summary>The sessions a tunnel reports through its status socket (empty when it does not answer yet).</summary>
    public static List<SnekSession> Sessions(string interfaceName)
    {
        var buffer = new BufferedOutput();
        try
        {
            new GetSessionCommand().ExecuteAsync(new GetSessionOptions { InterfaceName = interfaceName }, buffer, CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (SnekException)
        {
            return [];
        }

        return [.. buffer.ObjectsOf<SnekSession>()];
    }

    /// <summary>Waits until a tunnel reports a session matching <paramref name="predicate"/>; null on timeout.</summary>
    public static SnekSession? WaitForSession(string interfaceName, Func<SnekSession, bool> predicate, TimeSpan timeout, LabProcess? watch = null)
    {
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (Environment.TickCount64 < deadline)
        {
            foreach (SnekSession s in Sessions(interfaceName))
            {
                if (predicate(s))
                {
                    return s;
                }
            }

            if (watch is { HasExited: true })
            {
                return null;
            }

            Thread.Sleep(100);
        }

        return null;
    }

    /// <summary>Waits for client <paramref name="n"/> to be established; returns its session or null.</summary>
    public SnekSession? WaitForClient(int n, TimeSpan timeout, LabProcess? watch = null) =>
        WaitForSession(ClientInterface(n), s => s.State == SessionState.Established, timeout, watch);

    /// <summary>
    /// Moves <paramref name="bytes"/> over TCP from <paramref name="from"/> to <paramref name="to"/> (listening on
    /// <paramref name="address"/>) with <c>snek demo-helper</c>; returns (sent hash, received hash, seconds).
    /// </summary>
    public static (string Sent, string Received, double Seconds) Transfer(NetworkNamespace from, NetworkNamespace to, IPAddress address, long bytes, int port, TimeSpan timeout)
    {
        string secs = ((int)Math.Ceiling(timeout.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        string count = bytes.ToString(CultureInfo.InvariantCulture);
        string p = port.ToString(CultureInfo.InvariantCulture);
        List<string> receive = SnekCommand();
        receive.AddRange(["demo-helper", "receive", "--address", address.ToString(), "--port", p, "--bytes", count, "--timeout", secs]);
        using LabProcess receiver = to.Start(receive);
        if (!receiver.WaitForOutput("listening", TimeSpan.FromSeconds(20)))
        {
            throw new SnekException("DemoReceiver", ErrorKind.NotSpecified, "The receiver did not start: " + receiver.StandardError.Trim());
        }

        List<string> send = SnekCommand();
        send.AddRange(["demo-helper", "send", "--address", address.ToString(), "--port", p, "--bytes", count, "--timeout", secs]);
        ProcessResult sent = from.Run(send, timeout + TimeSpan.FromSeconds(10));
        receiver.WaitForExit(TimeSpan.FromSeconds(10));
        if (!sent.Succeeded)
        {
            throw new SnekException("DemoTransfer", ErrorKind.ConnectionError, "The transfer failed: " + (sent.TimedOut ? "timed out" : sent.StandardError.Trim()));
        }

        string[] s = sent.StandardOutput.Trim().Split(' ');
        string[] r = receiver.StandardOutput.Trim().Split('\n')[^1].Trim().Split(' ');
        if (s.Length != 3 || r.Length != 3)
        {
            throw new SnekException("DemoTransfer", ErrorKind.NotSpecified, "Unexpected helper output: " + sent.StandardOutput + " / " + receiver.StandardOutput + receiver.StandardError);
        }

        return (s[1], r[1], double.Parse(s[2], CultureInfo.InvariantCulture));
    }

    /// <summary>Stops the snek processes (SIGTERM: tunnels tear down), then removes the namespaces and temp dir. Never throws.</summary>
    public void Dispose()
    {
        // A lock, not a flag: when a signal handler is already cleaning up, the main thread (or the
        // process-exit handler) must wait for it to finish instead of returning and letting the process end.
        lock (_disposeGate)
        {
            if (_disposed)
            {
                return;
            }

            DisposeCore();
            _disposed = true;
        }
    }

    private void DisposeCore()
    {
        LabProcess[] all;
        lock (_processes)
        {
            all = [.. _processes];
        }

        foreach (LabProcess p in all)
        {
            try
            {
                p.Stop(TimeSpan.FromSeconds(5));
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
            }
        }

        Lab.Dispose();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
