using System.Net;
using Jormungandr.Crypto;
using Jormungandr.Engine.Linux;
using Jormungandr.Routing;
using Jormungandr.Time;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Engine;

/// <summary>
/// Everything a tunnel takes from the machine: time, randomness, the TUN device, the data-channel
/// transport, the key channel and interface configuration. <see cref="Linux"/> is the real one; tests
/// give in-memory devices, a simulated network and a test clock, and run server and client without root.
/// </summary>
internal sealed class TunnelPlatform
{
    /// <summary>The monotonic and wall clock (timers, deadlines, displayed times).</summary>
    public required IClock Clock { get; init; }

    /// <summary>Randomness (handshakes, backoff jitter).</summary>
    public required IRandomSource Random { get; init; }

    /// <summary>Creates the TUN device: a name (null: the first free <c>snkN</c>) and a test for names taken elsewhere.</summary>
    public required Func<string?, Func<string, bool>, ITunDevice> OpenTun { get; init; }

    /// <summary>Opens the data channel.</summary>
    public required TransportFactory BindTransport { get; init; }

    /// <summary>Opens the server's key port.</summary>
    public required KeyChannelListenerFactory ListenKeyChannel { get; init; }

    /// <summary>Connects the client's key channel.</summary>
    public required KeyChannelDialer DialKeyChannel { get; init; }

    /// <summary>Configures the tunnel's interface (addresses, MTU, routes).</summary>
    public required IInterfaceConfigurator Interfaces { get; init; }

    /// <summary>
    /// Opens what the tunnel changes on its host beyond its interface (full tunnel, kill switch, gateway,
    /// DNS) for an interface, journaled in a run directory; first undoes what crashed runs left. Null:
    /// this platform changes nothing on a host (the simulated one).
    /// </summary>
    public Func<string, string, HostRouting?> OpenHostRouting { get; init; } = (name, runDirectory) => null;

    /// <summary>Watches a directory for changes (the server's authorized keys); the same inotify watch on every platform unless a test drives it.</summary>
    public DirectoryWatchFactory WatchDirectory { get; init; } = DirectoryChangeSignal.Start;

    /// <summary>The resolver file DNS goes into when neither systemd-resolved nor resolvconf is there.</summary>
    public string ResolvConf { get; init; } = "/etc/resolv.conf";

    /// <summary>Resolves a server host name (a literal address resolves to itself).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = (host, token) => Dns.GetHostAddressesAsync(host, token);

    /// <summary>The machine: Linux TUN, UDP and TCP sockets, rtnetlink, nftables, the system clock and randomness.</summary>
    /// <param name="logger">Where the platform logs.</param>
    /// <param name="socketMark">SO_MARK of the tunnel's own sockets (a client's, so a full tunnel never carries them); 0: none.</param>
    public static TunnelPlatform Linux(ILogger logger, uint socketMark = 0) => new()
    {
        Clock = SystemClock.Instance,
        Random = SystemRandom.Instance,
        OpenTun = (name, taken) => TunDevice.Open(name, taken),
        BindTransport = UdpTransport.Factory(logger, socketMark),
        ListenKeyChannel = KeyChannel.Factory(logger),
        DialKeyChannel = KeyChannel.Dialer(socketMark),
        Interfaces = LinuxInterfaces.Instance,
        OpenHostRouting = (name, runDirectory) => OpenLinuxHostRouting(name, runDirectory, logger),
    };

    // Leftovers of crashed tunnels (journals whose interface is gone, and one of this very name) are
    // undone before anything new is changed.
    private static HostRouting OpenLinuxHostRouting(string name, string runDirectory, ILogger logger)
    {
        HostSystem system = HostSystem.Linux();
        IReadOnlyList<HostChange> orphans = HostRouting.RecoverOrphans(system, runDirectory, TunDevice.Exists, name, out IReadOnlyList<string> errors);
        foreach (string error in errors)
        {
            logger.LogWarning("Could not undo what a crashed tunnel left: {Reason}", error);
        }

        HostRouting host = HostRouting.Open(system, runDirectory, name, out IReadOnlyList<HostChange> recovered);
        if (orphans.Count + recovered.Count > 0)
        {
            logger.LogWarning("Undid {Count} host changes left by a tunnel that did not stop cleanly", orphans.Count + recovered.Count);
        }

        return host;
    }
}
