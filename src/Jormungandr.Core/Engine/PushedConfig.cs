using System.Net;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Protocol;
using Jormungandr.Routing;

namespace Jormungandr.Engine;

/// <summary>
/// Configuration a server pushes to its clients beyond the addresses of <see cref="TunnelConfig"/>:
/// routes (IPv4 and IPv6), DNS servers and search domains. It travels in a ConfigPush control message
/// (<see cref="ControlMessage"/>), only to a client that asked for it, so clients that do not know it
/// never receive it (docs/protocol.md, "Pushed configuration"). Encoding, push format 1, canonical
/// (one encoding per configuration, nothing else accepted):
/// <code>
/// format (1) = 0x01
/// route count R (1), R × [family (1) = 4|6 | prefix length (1) | network (4|16), host bits zero]
/// DNS server count D (1), D × [family (1) = 4|6 | address (4|16)]
/// search domain count S (1), S × [length (1) | ASCII name (DnsName syntax)]
/// </code>
/// Bounds: R ≤ <see cref="MaxRoutes"/>, D ≤ <see cref="DnsSettings.MaxServers"/>, S ≤ <see cref="DnsSettings.MaxDomains"/>,
/// the whole ≤ <see cref="MaxSize"/> bytes; no duplicates; nothing after the last domain.
/// </summary>
internal sealed record PushedConfig
{
    /// <summary>The only push format so far.</summary>
    public const byte Format1 = 1;

    /// <summary>Most routes in one push.</summary>
    public const int MaxRoutes = 32;

    /// <summary>Largest encoding: fits one data datagram with room to spare at every inner MTU the engine allows.</summary>
    public const int MaxSize = 1024;

    private const byte Family4 = 4;
    private const byte Family6 = 6;

    /// <summary>Checks and keeps the configuration.</summary>
    /// <exception cref="Commands.SnekException"><c>InvalidPushedConfig</c>: over a bound, a duplicate, host bits set, a DNS server or domain that <see cref="DnsSettings"/> would refuse, or too large to encode.</exception>
    public PushedConfig(IReadOnlyList<IPNetwork> routes, IReadOnlyList<IPAddress> dnsServers, IReadOnlyList<string> searchDomains)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(dnsServers);
        ArgumentNullException.ThrowIfNull(searchDomains);
        string? problem = Check(routes, dnsServers, searchDomains);
        if (problem is not null)
        {
            throw new Commands.SnekException("InvalidPushedConfig", Commands.ErrorKind.InvalidArgument, $"Cannot push this configuration: {problem}.");
        }

        Routes = routes;
        DnsServers = dnsServers;
        SearchDomains = searchDomains;
    }

    /// <summary>Networks to route into the tunnel (0.0.0.0/0 and ::/0 mean a full tunnel).</summary>
    public IReadOnlyList<IPNetwork> Routes { get; }

    /// <summary>DNS servers, in order of preference.</summary>
    public IReadOnlyList<IPAddress> DnsServers { get; }

    /// <summary>Search domains.</summary>
    public IReadOnlyList<string> SearchDomains { get; }

    /// <summary>True when there is nothing to push.</summary>
    public bool IsEmpty => Routes.Count == 0 && DnsServers.Count == 0 && SearchDomains.Count == 0;

    /// <summary>Push format 1 bytes.</summary>
    public byte[] Encode()
    {
        var bytes = new List<byte>(64) { Format1, (byte)Routes.Count };
        foreach (IPNetwork route in Routes)
        {
            bool v6 = route.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
            bytes.Add(v6 ? Family6 : Family4);
            bytes.Add((byte)route.PrefixLength);
            bytes.AddRange(route.BaseAddress.GetAddressBytes());
        }

        bytes.Add((byte)DnsServers.Count);
        foreach (IPAddress server in DnsServers)
        {
            bytes.Add(server.AddressFamily == AddressFamily.InterNetworkV6 ? Family6 : Family4);
            bytes.AddRange(server.GetAddressBytes());
        }

        bytes.Add((byte)SearchDomains.Count);
        foreach (string domain in SearchDomains)
        {
            bytes.Add((byte)domain.Length);
            bytes.AddRange(Encoding.ASCII.GetBytes(domain));
        }

        return [.. bytes];
    }

    /// <summary>Parses and checks push format 1; <see cref="ProtocolException"/> (Malformed) with the reason otherwise.</summary>
    public static PushedConfig Decode(ReadOnlySpan<byte> data)
    {
        if (data.Length > MaxSize)
        {
            throw Malformed($"{data.Length} bytes, more than {MaxSize}");
        }

        var reader = new Reader(data);
        byte format = reader.Byte("format");
        if (format != Format1)
        {
            throw Malformed($"push format {format} is not one this client understands");
        }

        int routeCount = reader.Count("route", MaxRoutes);
        var routes = new List<IPNetwork>(routeCount);
        for (int i = 0; i < routeCount; i++)
        {
            bool v6 = reader.Family("route");
            int prefix = reader.Byte("prefix length");
            if (prefix > (v6 ? 128 : 32))
            {
                throw Malformed($"route prefix length {prefix} is too long");
            }

            var network = new IPAddress(reader.Bytes(v6 ? 16 : 4, "route network"));
            if (!network.Equals(Masked(network, prefix)))
            {
                throw Malformed($"route {network}/{prefix} has host bits set");
            }

            routes.Add(new IPNetwork(network, prefix));
        }

        int serverCount = reader.Count("DNS server", DnsSettings.MaxServers);
        var servers = new List<IPAddress>(serverCount);
        for (int i = 0; i < serverCount; i++)
        {
            bool v6 = reader.Family("DNS server");
            servers.Add(new IPAddress(reader.Bytes(v6 ? 16 : 4, "DNS server")));
        }

        int domainCount = reader.Count("search domain", DnsSettings.MaxDomains);
        var domains = new List<string>(domainCount);
        for (int i = 0; i < domainCount; i++)
        {
            int length = reader.Byte("search domain length");
            ReadOnlySpan<byte> name = reader.Bytes(length, "search domain");
            if (name.ContainsAnyExceptInRange((byte)0x21, (byte)0x7e))
            {
                throw Malformed("a search domain is not printable ASCII");
            }

            domains.Add(Encoding.ASCII.GetString(name));
        }

        if (!reader.AtEnd)
        {
            throw Malformed("bytes after the last search domain");
        }

        string? problem = Check(routes, servers, domains);
        return problem is null ? new PushedConfig(routes, servers, domains) : throw Malformed(problem);
    }

    /// <inheritdoc/>
    public bool Equals(PushedConfig? other) =>
        other is not null && Routes.SequenceEqual(other.Routes) && DnsServers.SequenceEqual(other.DnsServers) && SearchDomains.SequenceEqual(other.SearchDomains);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Routes.Count, DnsServers.Count, SearchDomains.Count);

    private static string? Check(IReadOnlyList<IPNetwork> routes, IReadOnlyList<IPAddress> servers, IReadOnlyList<string> domains)
    {
        if (routes.Count > MaxRoutes)
        {
            return $"at most {MaxRoutes} routes, not {routes.Count}";
        }

        if (routes.Distinct().Count() != routes.Count || servers.Distinct().Count() != servers.Count || domains.Distinct(StringComparer.OrdinalIgnoreCase).Count() != domains.Count)
        {
            return "a route, DNS server or search domain appears twice";
        }

        foreach (IPNetwork route in routes)
        {
            if (route.BaseAddress.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6) || route.BaseAddress.IsIPv4MappedToIPv6
                || !route.BaseAddress.Equals(Masked(route.BaseAddress, route.PrefixLength)))
            {
                return $"{route} is not a network (host bits set, or not IPv4/IPv6)";
            }
        }

        string? dns = DnsSettings.Problem(servers, domains, requireServer: false);
        if (dns is not null)
        {
            return dns.TrimEnd('.');
        }

        int size = 4 + routes.Sum(r => r.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? 18 : 6)
            + servers.Sum(s => s.AddressFamily == AddressFamily.InterNetworkV6 ? 17 : 5) + domains.Sum(d => 1 + d.Length);
        return size > MaxSize ? $"the configuration takes {size} bytes, more than {MaxSize}" : null;
    }

    private static IPAddress Masked(IPAddress address, int prefix)
    {
        byte[] b = address.GetAddressBytes();
        for (int i = 0; i < b.Length; i++)
        {
            int bits = Math.Clamp(prefix - (i * 8), 0, 8);
            b[i] &= (byte)(0xFF << (8 - bits));
        }

        return new IPAddress(b);
    }

    private static ProtocolException Malformed(string why) => new(ProtocolError.Malformed, $"The server pushed an invalid configuration: {why}.");

    private ref struct Reader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool AtEnd => _rest.IsEmpty;

        public byte Byte(string what) => Bytes(1, what)[0];

        public ReadOnlySpan<byte> Bytes(int count, string what)
        {
            if (_rest.Length < count)
            {
                throw Malformed($"it ends inside a {what}");
            }

            ReadOnlySpan<byte> value = _rest[..count];
            _rest = _rest[count..];
            return value;
        }

        public int Count(string what, int max)
        {
            int count = Byte(what + " count");
            return count <= max ? count : throw Malformed($"{count} {what}s, more than {max}");
        }

        public bool Family(string what) => Byte(what + " family") switch
        {
            Family4 => false,
            Family6 => true,
            byte other => throw Malformed($"{what} family {other} is neither 4 nor 6"),
        };
    }
}
