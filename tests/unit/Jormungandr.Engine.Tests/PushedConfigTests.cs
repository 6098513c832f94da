using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Protocol;
using Jormungandr.Routing;

namespace Jormungandr.Tests;

/// <summary>
/// Push format 1 against the vectors in docs/protocol.md ("Pushed configuration"), its bounds and
/// canonical form, the control messages around it, and the client's route policy.
/// </summary>
public class PushedConfigTests
{
    // The vectors of docs/protocol.md, byte for byte.
    private const string Vector1 = "01020412c61340000640200100020000001000000000000000000204c613000106fd0005ec000000000000000000000001010c636f72702e6578616d706c65";
    private const string Vector2 = "01020400000000000600000000000000000000000000000000000104c613000100";
    private const string Vector3 = "01000000";

    private static readonly IPAddress Server = IPAddress.Parse("198.18.2.2");

    private static readonly (string Hex, PushedConfig Config)[] Vectors =
    [
        (Vector1, new PushedConfig(
            [IPNetwork.Parse("198.19.64.0/18"), IPNetwork.Parse("2001:2:0:10::/64")],
            [IPAddress.Parse("198.19.0.1"), IPAddress.Parse("fd00:5ec::1")],
            ["corp.example"])),
        (Vector2, new PushedConfig([IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("::/0")], [IPAddress.Parse("198.19.0.1")], [])),
        (Vector3, new PushedConfig([], [], [])),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    public void Encodes_and_decodes_the_documented_vectors(int index)
    {
        (string hex, PushedConfig config) = Vectors[index];
        Assert.Equal(hex, Convert.ToHexStringLower(config.Encode()));
        Assert.Equal(config, PushedConfig.Decode(Convert.FromHexString(hex)));
    }

    [Fact]
    public void The_vectors_here_are_the_ones_in_the_protocol_document()
    {
        string doc = File.ReadAllText(Path.Combine(TestPaths.RepositoryRoot, "docs", "protocol.md"));
        string[] documented = [.. doc.Split('\n')
            .Where(line => line.StartsWith("| routes ", StringComparison.Ordinal) || line.StartsWith("| empty |", StringComparison.Ordinal))
            .Select(line => line.Split('`')[1].Replace(" ", string.Empty, StringComparison.Ordinal))];
        Assert.Equal([Vector1, Vector2, Vector3], documented);
    }

    [Fact]
    public void The_documented_messages_are_the_control_framing_of_the_vectors()
    {
        Assert.Equal("0101", Convert.ToHexStringLower(ControlMessage.Request()));
        Assert.Equal("02" + Vector1, Convert.ToHexStringLower(ControlMessage.Push(PushedConfig.Decode(Convert.FromHexString(Vector1)))));
        Assert.Equal(1, ControlMessage.ReadRequest(Convert.FromHexString("0101")));
        Assert.Equal(7, ControlMessage.ReadRequest(Convert.FromHexString("0107"))); // a later client: the server answers with what it has
        Assert.Equal(PushedConfig.Decode(Convert.FromHexString(Vector1)), ControlMessage.ReadPush(Convert.FromHexString("02" + Vector1)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("0100")]
    [InlineData("0201")]
    [InlineData("010100")]
    public void Malformed_requests_are_protocol_errors(string hex)
    {
        Assert.Throws<ProtocolException>(() => ControlMessage.ReadRequest(Convert.FromHexString(hex)));
    }

    [Theory]
    [InlineData("", "ends inside")]
    [InlineData("02000000", "push format 2")]
    [InlineData("010000", "ends inside")]
    [InlineData("0100000000", "bytes after")]
    [InlineData("0121", "more than 32")]
    [InlineData("01010518c6130000000000", "neither 4 nor 6")]
    [InlineData("01010421c61300000000", "too long")]
    [InlineData("01010410c6130100000000", "host bits")]
    [InlineData("01020410c61300000410c61300000000", "twice")]
    [InlineData("01000104e000000100", "cannot be a DNS server")]
    [InlineData("010005", "more than 4")]
    [InlineData("01000007", "more than 6")]
    [InlineData("01000001032e2e62", "not a DNS search domain")]
    [InlineData("010000010a636f7270206578616d70", "printable ASCII")]
    [InlineData("0100000105636f72702e", "not a DNS search domain")]
    [InlineData("01000001056c6f6e67", "ends inside")]
    public void Malformed_pushes_are_protocol_errors_with_the_reason(string hex, string reason)
    {
        ProtocolException e = Assert.Throws<ProtocolException>(() => PushedConfig.Decode(Convert.FromHexString(hex)));
        Assert.Equal(ProtocolError.Malformed, e.Error);
        Assert.StartsWith("The server pushed an invalid configuration: ", e.Message, StringComparison.Ordinal);
        Assert.Contains(reason, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_bounds_hold_for_encoding_and_decoding()
    {
        Assert.Throws<ProtocolException>(() => PushedConfig.Decode(new byte[PushedConfig.MaxSize + 1]));
        // 32 IPv6 routes (4 + 32·18 = 580 bytes) fit; six 253-character domains on top do not.
        IPNetwork[] routes = [.. Enumerable.Range(0, 32).Select(i => new IPNetwork(IPAddress.Parse($"2001:2:0:{i:x}::"), 64))];
        Assert.Equal(580, new PushedConfig(routes, [], []).Encode().Length);
        string longest = string.Join('.', Enumerable.Repeat(new string('a', 49), 5)) + ".abc";
        string[] domains = [.. Enumerable.Range(0, 6).Select(i => (char)('b' + i) + longest[1..])];
        SnekException e = Assert.Throws<SnekException>(() => new PushedConfig(routes, [IPAddress.Parse("198.19.0.1")], domains));
        Assert.Equal("InvalidPushedConfig", e.ErrorId);
        Assert.Contains("more than 1024", e.Message, StringComparison.Ordinal);
        Assert.Throws<SnekException>(() => new PushedConfig([IPNetwork.Parse("198.19.0.0/16"), IPNetwork.Parse("198.19.0.0/16")], [], []));
        Assert.Throws<SnekException>(() => new PushedConfig([.. Enumerable.Range(0, 33).Select(i => new IPNetwork(IPAddress.Parse($"198.19.{i}.0"), 24))], [], []));
    }

    [Fact]
    public void Random_and_mutated_pushes_decode_or_throw_ProtocolException_only_and_round_trip_when_they_decode()
    {
        byte[] valid = Convert.FromHexString(Vector1);
        Prop.ForAll(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(),
            Gen.Choose(0, 2).ToArbitrary(),
            (byte[] noise, int shape) =>
            {
                byte[] data = shape switch
                {
                    0 => noise,
                    1 => [.. valid[..Math.Min(valid.Length, noise.Length)], .. noise],
                    _ => Mutate(valid, noise),
                };
                try
                {
                    PushedConfig config = PushedConfig.Decode(data);
                    Assert.Equal(data, config.Encode()); // canonical: what decodes is exactly its own encoding
                }
                catch (ProtocolException e)
                {
                    Assert.Equal(ProtocolError.Malformed, e.Error);
                }
            }).QuickCheckThrowOnFailure();
    }

    // ---------- client policy ----------

    [Fact]
    public void Accept_all_takes_routes_and_dns_turns_a_default_route_into_a_full_tunnel_and_refuses_a_route_over_the_server()
    {
        var push = new PushedConfig(
            [IPNetwork.Parse("198.19.64.0/18"), IPNetwork.Parse("0.0.0.0/0"), IPNetwork.Parse("198.18.0.0/16"), IPNetwork.Parse("2001:2:0:10::/64")],
            [IPAddress.Parse("198.19.0.1")],
            ["corp.example"]);
        PushDecision d = RoutePolicy.All.Evaluate(push, Server);
        Assert.Equal([IPNetwork.Parse("198.19.64.0/18"), IPNetwork.Parse("2001:2:0:10::/64")], d.Routes);
        Assert.True(d.FullTunnel4);
        Assert.False(d.FullTunnel6);
        (IPNetwork route, string reason) = Assert.Single(d.Refused);
        Assert.Equal(IPNetwork.Parse("198.18.0.0/16"), route);
        Assert.Equal("contains the server's address 198.18.2.2: routing it into the tunnel would loop", reason);
        Assert.NotNull(d.Dns);
        Assert.True(d.Dns.RouteAllQueries);
        Assert.Equal(["corp.example"], d.Dns.SearchDomains);
    }

    [Fact]
    public void The_server_check_also_holds_for_an_IPv4_mapped_or_IPv6_server_address()
    {
        var push = new PushedConfig([IPNetwork.Parse("198.18.2.0/24"), IPNetwork.Parse("2001:2::/48")], [], []);
        Assert.Single(RoutePolicy.All.Evaluate(push, IPAddress.Parse("198.18.2.2").MapToIPv6()).Refused);
        PushDecision six = RoutePolicy.All.Evaluate(push, IPAddress.Parse("2001:2:0:2::2"));
        Assert.Equal([IPNetwork.Parse("198.18.2.0/24")], six.Routes);
        Assert.Equal(IPNetwork.Parse("2001:2::/48"), Assert.Single(six.Refused).Route);
    }

    [Fact]
    public void Accept_none_takes_nothing()
    {
        var push = new PushedConfig([IPNetwork.Parse("198.19.64.0/18"), IPNetwork.Parse("::/0")], [IPAddress.Parse("198.19.0.1")], []);
        PushDecision d = RoutePolicy.None.Evaluate(push, Server);
        Assert.Empty(d.Routes);
        Assert.False(d.FullTunnel6);
        Assert.Null(d.Dns);
        Assert.Equal(2, d.Refused.Count);
        Assert.All(d.Refused, r => Assert.Equal("outside the networks this client accepts", r.Reason));
    }

    [Fact]
    public void A_filter_accepts_routes_inside_its_allow_list_that_overlap_no_deny_entry()
    {
        var policy = new RoutePolicy([IPNetwork.Parse("198.19.0.0/16"), IPNetwork.Parse("fd00:5ec::/64")], [IPNetwork.Parse("198.19.128.0/17")], AcceptDns: false);
        var push = new PushedConfig(
            [IPNetwork.Parse("198.19.64.0/18"), IPNetwork.Parse("198.19.0.0/16"), IPNetwork.Parse("198.19.200.0/24"), IPNetwork.Parse("198.18.0.0/24"), IPNetwork.Parse("fd00:5ec::/96"), IPNetwork.Parse("0.0.0.0/0")],
            [IPAddress.Parse("198.19.0.1")],
            []);
        PushDecision d = policy.Evaluate(push, Server);
        Assert.Equal([IPNetwork.Parse("198.19.64.0/18"), IPNetwork.Parse("fd00:5ec::/96")], d.Routes);
        Assert.False(d.FullTunnel4); // 0.0.0.0/0 is not inside the allow list
        Assert.Null(d.Dns);
        Assert.Equal(
            [
                "198.19.0.0/16: overlaps 198.19.128.0/17, which this client refuses",
                "198.19.200.0/24: overlaps 198.19.128.0/17, which this client refuses",
                "198.18.0.0/24: outside the networks this client accepts",
                "0.0.0.0/0: outside the networks this client accepts",
            ],
            d.Refused.Select(r => $"{r.Route}: {r.Reason}"));
    }

    private static byte[] Mutate(byte[] message, byte[] noise)
    {
        byte[] copy = (byte[])message.Clone();
        for (int i = 0; i + 1 < noise.Length; i += 2)
        {
            copy[noise[i] % copy.Length] = noise[i + 1];
        }

        return copy;
    }
}
