using System.Globalization;
using System.Net;
using Jormungandr.Interop;

namespace Jormungandr.Lab;

/// <summary>
/// Two network namespaces, "server" and "client", joined by a veth pair (198.18.0.1/24 and
/// 198.18.0.2/24 by default): the disposable topology used by <c>snek demo</c>, the end-to-end tests
/// and the benches. Every address is checked against <see cref="LabAddressPolicy"/> before anything is
/// created. <see cref="Dispose"/> removes processes, veth and namespaces; it is idempotent, never
/// throws, and may be called from a signal handler (see <see cref="TerminationCleanup"/>).
/// </summary>
public sealed class TwoHostLab : IDisposable
{
    private int _disposed;

    private TwoHostLab(NetworkNamespace server, NetworkNamespace client, VethPair link, TwoHostLabOptions options)
    {
        Server = server;
        Client = client;
        Link = link;
        ServerAddress = options.ServerAddress;
        ClientAddress = options.ClientAddress;
        ServerAddress6 = options.ServerAddress6;
        ClientAddress6 = options.ClientAddress6;
    }

    /// <summary>The server host.</summary>
    public NetworkNamespace Server { get; }

    /// <summary>The client host.</summary>
    public NetworkNamespace Client { get; }

    /// <summary>The veth between them (end A in <see cref="Server"/>, end B in <see cref="Client"/>).</summary>
    public VethPair Link { get; }

    /// <summary>The server's underlay IPv4 address.</summary>
    public IPAddress ServerAddress { get; }

    /// <summary>The client's underlay IPv4 address.</summary>
    public IPAddress ClientAddress { get; }

    /// <summary>The server's underlay IPv6 address, if configured.</summary>
    public IPAddress? ServerAddress6 { get; }

    /// <summary>The client's underlay IPv6 address, if configured.</summary>
    public IPAddress? ClientAddress6 { get; }

    /// <summary>First cleanup failure of any part, or null when everything was removed.</summary>
    public string? CleanupError => Server.CleanupError ?? Client.CleanupError;

    /// <summary>
    /// Null when a lab can be built here (Linux, root, <c>ip</c> on PATH, /dev/net/tun); otherwise
    /// one line saying what is missing, for <c>snek demo</c> and test skips.
    /// </summary>
    public static string? WhyUnavailable()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "needs Linux (network namespaces and TUN)";
        }

        if (LibC.GetEffectiveUserId() != 0)
        {
            return "needs root to create network namespaces and TUN devices (run with sudo)";
        }

        if (!File.Exists("/dev/net/tun"))
        {
            return "needs /dev/net/tun";
        }

        string? path = Environment.GetEnvironmentVariable("PATH");
        foreach (string dir in (path ?? "/usr/sbin:/usr/bin:/sbin:/bin").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            if (File.Exists(Path.Combine(dir, "ip")))
            {
                return null;
            }
        }

        return "needs the 'ip' command (Debian package iproute2)";
    }

    /// <summary>Builds the lab; on any failure removes what was already made and rethrows.</summary>
    /// <exception cref="ArgumentException">An address or prefix breaks the network rules, or the purpose is invalid.</exception>
    /// <exception cref="Commands.SnekException">A namespace or link could not be created.</exception>
    public static TwoHostLab Create(TwoHostLabOptions? options = null)
    {
        options ??= new TwoHostLabOptions();
        Validate(options);
        NetworkNamespace? server = null;
        NetworkNamespace? client = null;
        VethPair? link = null;
        try
        {
            server = NetworkNamespace.Create(options.Purpose + "-server");
            client = NetworkNamespace.Create(options.Purpose + "-client");
            link = VethPair.Create(server, options.ServerAddress, client, options.ClientAddress, options.PrefixLength, options.Mtu);
            if (options.ServerAddress6 is { } s6 && options.ClientAddress6 is { } c6)
            {
                link.AddAddresses(s6, c6, 64);
            }

            return new TwoHostLab(server, client, link, options);
        }
        catch
        {
            link?.Dispose();
            client?.Dispose();
            server?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Pings <paramref name="target"/> from <paramref name="from"/> with <c>ping -c count -W 1 -i 0.2</c>
    /// (bounded: at most about count × 0.2 s + 1 s; hard deadline 10 s + count). True when every reply came.
    /// </summary>
    /// <exception cref="ArgumentException">The target is outside the lab ranges.</exception>
    public static ProcessResult Ping(NetworkNamespace from, IPAddress target, int count = 3)
    {
        LabAddressPolicy.EnsureAllowed(target, nameof(target));
        ArgumentNullException.ThrowIfNull(from);
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, 100);
        string c = count.ToString(CultureInfo.InvariantCulture);
        return from.Run(["ping", "-n", "-q", "-c", c, "-W", "1", "-i", "0.2", target.ToString()],
            TimeSpan.FromSeconds(10 + count));
    }

    /// <summary>Removes veth, then client and server namespaces (stopping their processes). Idempotent; never throws.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Client.Dispose();
        Server.Dispose();
        Link.Dispose();
    }

    private static void Validate(TwoHostLabOptions options)
    {
        LabAddressPolicy.EnsureAllowed(options.ServerAddress, options.PrefixLength, nameof(options.ServerAddress));
        LabAddressPolicy.EnsureAllowed(options.ClientAddress, options.PrefixLength, nameof(options.ClientAddress));
        if (options.ServerAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork
            || options.ClientAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            throw new ArgumentException("ServerAddress and ClientAddress are the IPv4 underlay; put IPv6 in ServerAddress6/ClientAddress6", nameof(options));
        }

        if (options.ServerAddress.Equals(options.ClientAddress))
        {
            throw new ArgumentException("server and client need different addresses", nameof(options));
        }

        if ((options.ServerAddress6 is null) != (options.ClientAddress6 is null))
        {
            throw new ArgumentException("give both ServerAddress6 and ClientAddress6, or neither", nameof(options));
        }

        if (options.ServerAddress6 is { } s6 && options.ClientAddress6 is { } c6)
        {
            LabAddressPolicy.EnsureAllowed(s6, 64, nameof(options.ServerAddress6));
            LabAddressPolicy.EnsureAllowed(c6, 64, nameof(options.ClientAddress6));
            if (s6.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || s6.Equals(c6))
            {
                throw new ArgumentException("ServerAddress6/ClientAddress6 must be two different IPv6 addresses", nameof(options));
            }
        }
    }
}
