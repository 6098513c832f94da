using System.Net;
using Jormungandr.Commands;
using Jormungandr.Configuration;
using Jormungandr.Routing;
using Jormungandr.Toml;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

/// <summary>The full-tunnel, kill-switch, route-policy, gateway and push options: validation, the types they turn into, and their configuration file keys.</summary>
public class VpnOptionsTests
{
    private static readonly ClientOptions Client = new() { Address = "198.18.0.1", CertificatePath = "/c.priv" };
    private static readonly ServerOptions Server = new() { AuthorizedKeysPath = "/k" };

    [Fact]
    public void Client_route_policy_follows_the_options()
    {
        Assert.Same(RoutePolicy.None, (Client with { RouteNoPull = true }).RoutePolicy);
        RoutePolicy all = Client.RoutePolicy;
        Assert.Equal(RoutePolicy.All.Allow, all.Allow);
        Assert.True(all.AcceptDns);
        RoutePolicy filter = (Client with { PullAllow = ["198.19.0.0/16"], PullDeny = ["198.19.128.0/17"], NoPullDns = true }).RoutePolicy;
        Assert.Equal([IPNetwork.Parse("198.19.0.0/16")], filter.Allow);
        Assert.Equal([IPNetwork.Parse("198.19.128.0/17")], filter.Deny);
        Assert.False(filter.AcceptDns);
    }

    [Theory]
    [InlineData(true, "198.19.0.0/16", null, false, "RouteNoPull")]
    [InlineData(true, null, null, true, "RouteNoPull")]
    [InlineData(false, "198.19.0.1/16", null, false, "PullAllow")]
    [InlineData(false, null, "nonsense", false, "PullDeny")]
    public void Contradictory_or_malformed_client_pull_options_are_refused(bool noPull, string? allow, string? deny, bool noDns, string option)
    {
        ClientOptions options = Client with
        {
            RouteNoPull = noPull,
            PullAllow = allow is null ? [] : [allow],
            PullDeny = deny is null ? [] : [deny],
            NoPullDns = noDns,
        };
        SnekException e = Assert.Throws<SnekException>(options.Validate);
        Assert.Equal("InvalidTunnelOption", e.ErrorId);
        Assert.Equal(option, e.Target);
    }

    [Fact]
    public void Server_push_options_become_the_pushed_configuration()
    {
        ServerOptions options = Server with { PushRoutes = ["0.0.0.0/0", "198.19.64.0/18"], PushDns = ["198.19.0.1"], PushSearchDomains = ["corp.example"], Gateway = true };
        options.Validate();
        Assert.Equal([IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("198.19.64.0/18")], options.Pushed.Routes);
        Assert.Equal([IPAddress.Parse("198.19.0.1")], options.Pushed.DnsServers);
        Assert.True(Server.Pushed.IsEmpty);
    }

    [Theory]
    [InlineData("198.19.64.1/18", null, null, "PushRoute")]
    [InlineData(null, "dns.example", null, "PushDns")]
    [InlineData(null, "224.0.0.1", null, "PushDns")]
    [InlineData(null, null, "under_score.example", "PushSearchDomain")]
    public void Bad_push_options_name_the_option(string? route, string? dns, string? domain, string option)
    {
        ServerOptions options = Server with
        {
            PushRoutes = route is null ? [] : [route],
            PushDns = dns is null ? [] : [dns],
            PushSearchDomains = domain is null ? [] : [domain],
        };
        SnekException e = Assert.Throws<SnekException>(options.Validate);
        Assert.Equal("InvalidTunnelOption", e.ErrorId);
        Assert.Equal(option, e.Target);
    }

    [Fact]
    public void Config_files_carry_the_new_keys_and_an_explicit_option_wins()
    {
        ServerOptions server = ServerConfigFile.Parse(
            "authorized_keys = \"/k\"\ngateway = true\npush_routes = [\"0.0.0.0/0\", \"::/0\"]\npush_dns = [\"198.19.0.1\"]\npush_search_domains = [\"corp.example\"]\n",
            "server.toml", "/");
        Assert.True(server.Gateway);
        Assert.Equal(["0.0.0.0/0", "::/0"], server.PushRoutes);
        Assert.Equal(["198.19.0.1"], server.PushDns);
        Assert.Equal(["corp.example"], server.PushSearchDomains);
        ServerOptions overlaid = ServerConfigFile.Overlay(server, Server with { PushDns = ["198.19.0.53"] }, new HashSet<string> { nameof(ServerOptions.PushDns) });
        Assert.Equal(["198.19.0.53"], overlaid.PushDns);
        Assert.True(overlaid.Gateway);

        ClientOptions client = ClientConfigFile.Parse(
            "server = \"198.18.0.1\"\ncertificate = \"/c.priv\"\nfull_tunnel = true\nkill_switch = true\npull_allow = [\"198.19.0.0/16\"]\npull_deny = [\"198.19.128.0/17\"]\npull_dns = false\n",
            "client.toml", "/");
        Assert.True(client.FullTunnel);
        Assert.True(client.KillSwitch);
        Assert.False(client.RouteNoPull);
        Assert.Equal(["198.19.0.0/16"], client.PullAllow);
        Assert.Equal(["198.19.128.0/17"], client.PullDeny);
        Assert.True(client.NoPullDns);
        ClientOptions back = ClientConfigFile.Overlay(client, Client with { FullTunnel = false }, new HashSet<string> { nameof(ClientOptions.FullTunnel) });
        Assert.False(back.FullTunnel);
        Assert.True(back.KillSwitch);
    }

    [Theory]
    [InlineData("push_search_domains = [\"bad domain\"]", 1, 23, "search domain")]
    [InlineData("push_routes = [\"198.19.0.1/24\"]", 1, 15, "host bits")]
    [InlineData("push_dns = [\"198.19.0.1\", \"198.19.0.2\", \"198.19.0.3\", \"198.19.0.4\", \"198.19.0.5\"]", 1, 12, "at most 4")]
    [InlineData("gateway = \"yes\"", 1, 11, "must be a boolean")]
    public void Server_file_push_mistakes_name_line_and_column(string text, int line, int column, string why)
    {
        TomlFileException e = Assert.Throws<TomlFileException>(() => ServerConfigFile.Parse(text, "server.toml", "/"));
        Assert.Contains(why, e.Message, StringComparison.OrdinalIgnoreCase);
        Assert.StartsWith($"server.toml:{line}:{column}: ", e.Message, StringComparison.Ordinal);
    }
}
