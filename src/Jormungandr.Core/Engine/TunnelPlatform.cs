using System.Net;
using Jormungandr.Crypto;
using Jormungandr.Engine.Linux;
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

    /// <summary>Resolves a server host name (a literal address resolves to itself).</summary>
    public Func<string, CancellationToken, Task<IPAddress[]>> Resolve { get; init; } = (host, token) => Dns.GetHostAddressesAsync(host, token);

    /// <summary>The machine: Linux TUN, UDP and TCP sockets, rtnetlink, the system clock and randomness.</summary>
    public static TunnelPlatform Linux(ILogger logger) => new()
    {
        Clock = SystemClock.Instance,
        Random = SystemRandom.Instance,
        OpenTun = (name, taken) => TunDevice.Open(name, taken),
        BindTransport = UdpTransport.Factory(logger),
        ListenKeyChannel = KeyChannel.Factory(logger),
        DialKeyChannel = KeyChannel.DialAsync,
        Interfaces = LinuxInterfaces.Instance,
    };
}
