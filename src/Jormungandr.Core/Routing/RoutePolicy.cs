using System.Net;
using System.Net.Sockets;
using Jormungandr.Engine;

namespace Jormungandr.Routing;

/// <summary>
/// What a client takes from a server's push, as OpenVPN's <c>route-nopull</c> and <c>pull-filter</c>:
/// a pushed route is accepted when it lies inside one of <see cref="Allow"/> and overlaps none of
/// <see cref="Deny"/>; DNS only with <see cref="AcceptDns"/>. Whatever the policy, a route that contains
/// the server's underlay address is refused (it would send the tunnel's own datagrams into the tunnel),
/// except a default route (/0), which becomes a full tunnel: policy routing keeps the tunnel's marked
/// sockets on the underlay, so it cannot loop.
/// </summary>
/// <param name="Allow">Networks pushed routes must lie within (0.0.0.0/0 and ::/0: anything).</param>
/// <param name="Deny">Networks no pushed route may overlap.</param>
/// <param name="AcceptDns">Apply pushed DNS servers and search domains.</param>
internal sealed record RoutePolicy(IReadOnlyList<IPNetwork> Allow, IReadOnlyList<IPNetwork> Deny, bool AcceptDns)
{
    /// <summary>Accept every route and DNS (the default).</summary>
    public static RoutePolicy All { get; } = new([new IPNetwork(IPAddress.Any, 0), new IPNetwork(IPAddress.IPv6Any, 0)], [], true);

    /// <summary>Accept nothing (<c>route-nopull</c>): neither routes nor DNS.</summary>
    public static RoutePolicy None { get; } = new([], [], false);

    /// <summary>Splits a push into what to apply and what was refused, with the reason for each refusal.</summary>
    /// <param name="push">The server's push.</param>
    /// <param name="serverUnderlay">The server address the data channel sends to.</param>
    public PushDecision Evaluate(PushedConfig push, IPAddress serverUnderlay)
    {
        ArgumentNullException.ThrowIfNull(push);
        ArgumentNullException.ThrowIfNull(serverUnderlay);
        IPAddress server = serverUnderlay.IsIPv4MappedToIPv6 ? serverUnderlay.MapToIPv4() : serverUnderlay;
        var routes = new List<IPNetwork>();
        var refused = new List<(IPNetwork Route, string Reason)>();
        bool full4 = false;
        bool full6 = false;
        foreach (IPNetwork route in push.Routes)
        {
            if (!Allow.Any(a => Within(route, a)))
            {
                refused.Add((route, "outside the networks this client accepts"));
            }
            else if (FirstOverlap(route) is IPNetwork denied)
            {
                refused.Add((route, $"overlaps {denied}, which this client refuses"));
            }
            else if (route.PrefixLength == 0)
            {
                full4 |= route.BaseAddress.AddressFamily == AddressFamily.InterNetwork;
                full6 |= route.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
            }
            else if (route.Contains(server))
            {
                refused.Add((route, $"contains the server's address {server}: routing it into the tunnel would loop"));
            }
            else
            {
                routes.Add(route);
            }
        }

        DnsSettings? dns = AcceptDns && push.DnsServers.Count > 0
            ? new DnsSettings(push.DnsServers, push.SearchDomains, routeAllQueries: full4 || full6)
            : null;
        return new PushDecision(routes, full4, full6, dns, refused);
    }

    private IPNetwork? FirstOverlap(IPNetwork route)
    {
        foreach (IPNetwork denied in Deny)
        {
            if (Overlaps(route, denied))
            {
                return denied;
            }
        }

        return null;
    }

    private static bool Within(IPNetwork inner, IPNetwork outer) =>
        inner.BaseAddress.AddressFamily == outer.BaseAddress.AddressFamily && outer.PrefixLength <= inner.PrefixLength && outer.Contains(inner.BaseAddress);

    private static bool Overlaps(IPNetwork a, IPNetwork b) => Within(a, b) || Within(b, a);
}

/// <summary>What a client applies of a push.</summary>
/// <param name="Routes">Routes to add into the tunnel (never a /0).</param>
/// <param name="FullTunnel4">A pushed 0.0.0.0/0 was accepted: IPv4 full tunnel (<see cref="FullTunnelOptions"/>).</param>
/// <param name="FullTunnel6">A pushed ::/0 was accepted: IPv6 full tunnel.</param>
/// <param name="Dns">DNS to apply, or null.</param>
/// <param name="Refused">Routes not applied, each with a reason for the log and the session.</param>
internal sealed record PushDecision(IReadOnlyList<IPNetwork> Routes, bool FullTunnel4, bool FullTunnel6, DnsSettings? Dns, IReadOnlyList<(IPNetwork Route, string Reason)> Refused);
