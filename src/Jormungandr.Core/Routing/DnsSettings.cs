using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;

namespace Jormungandr.Routing;

/// <summary>DNS servers and search domains for a tunnel, checked on construction.</summary>
internal sealed record DnsSettings
{
    /// <summary>Most servers (glibc's resolver reads at most 3 nameserver lines; one spare for resolvers that read more).</summary>
    public const int MaxServers = 4;

    /// <summary>Most search domains (glibc's historical limit).</summary>
    public const int MaxDomains = 6;

    /// <summary>Checks and keeps the settings.</summary>
    /// <param name="servers">1 to <see cref="MaxServers"/> unicast addresses, no scope.</param>
    /// <param name="searchDomains">0 to <see cref="MaxDomains"/> domains (<see cref="DnsName"/>).</param>
    /// <param name="routeAllQueries">Every query goes to these servers (full tunnel): systemd-resolved gets the "~." routing domain.</param>
    /// <exception cref="SnekException"><c>InvalidDnsSettings</c>.</exception>
    public DnsSettings(IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains, bool routeAllQueries)
    {
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(searchDomains);
        string? problem = Problem(servers, searchDomains, requireServer: true);
        if (problem is not null)
        {
            throw new SnekException("InvalidDnsSettings", ErrorKind.InvalidArgument, problem);
        }

        Servers = servers;
        SearchDomains = searchDomains;
        RouteAllQueries = routeAllQueries;
    }

    /// <summary>The servers, in order of preference.</summary>
    public IReadOnlyList<IPAddress> Servers { get; }

    /// <summary>The search domains.</summary>
    public IReadOnlyList<string> SearchDomains { get; }

    /// <summary>Every query goes to these servers.</summary>
    public bool RouteAllQueries { get; }

    /// <summary>The resolv.conf lines: nameserver per server, one search line.</summary>
    public string ResolvConfLines()
    {
        var text = new System.Text.StringBuilder();
        foreach (IPAddress server in Servers)
        {
            text.Append("nameserver ").Append(server).Append('\n');
        }

        if (SearchDomains.Count > 0)
        {
            text.Append("search ").AppendJoin(' ', SearchDomains).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Why these servers and domains cannot be used (one sentence), or null: the one set of rules for configured and pushed DNS.</summary>
    public static string? Problem(IReadOnlyList<IPAddress> servers, IReadOnlyList<string> searchDomains, bool requireServer)
    {
        if (servers.Count > MaxServers || (requireServer && servers.Count == 0))
        {
            return $"A tunnel needs {(requireServer ? 1 : 0)} to {MaxServers} DNS servers, not {servers.Count}.";
        }

        foreach (IPAddress server in servers)
        {
            if (server.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
                || (server.AddressFamily == AddressFamily.InterNetworkV6 && (server.ScopeId != 0 || server.IsIPv6Multicast))
                || server.Equals(IPAddress.Any) || server.Equals(IPAddress.IPv6Any) || server.IsIPv4MappedToIPv6
                || (server.AddressFamily == AddressFamily.InterNetwork && server.GetAddressBytes()[0] >= 224))
            {
                return $"{server} cannot be a DNS server (a unicast address without a scope is needed).";
            }
        }

        if (searchDomains.Count > MaxDomains)
        {
            return $"At most {MaxDomains} search domains, not {searchDomains.Count}.";
        }

        foreach (string domain in searchDomains)
        {
            if (!DnsName.IsValid(domain))
            {
                return $"'{domain}' is not a DNS search domain (labels of letters, digits and '-', dot-separated, at most {DnsName.MaxLength} characters).";
            }
        }

        return null;
    }
}
