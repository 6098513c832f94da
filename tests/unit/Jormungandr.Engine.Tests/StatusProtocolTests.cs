using System.Text;
using Jormungandr.Engine;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests;

public class StatusProtocolTests
{
    private const string Fp = "SHA256:CRAQo/QU3ehTBgg8O1DkpudZHNx0YT3otFLBs8tcWSM";

    private static StatusRequest? Parse(string s) => StatusProtocol.ParseRequest(Encoding.UTF8.GetBytes(s));

    [Fact]
    public void Well_formed_requests_parse()
    {
        Assert.Equal("status", Parse("""{"op":"status"}""")!.Op);
        Assert.Equal("stop", Parse("""{"op":"stop"}""")!.Op);
        Assert.Equal("rebind", Parse("""{"op":"rebind"}""")!.Op);
        StatusRequest d = Parse("""{"op":"disconnect","fingerprint":"SHA256:CRAQo/QU3ehTBgg8O1DkpudZHNx0YT3otFLBs8tcWSM"}""")!;
        Assert.Equal(Fp, d.Fingerprint);
        Assert.NotNull(Parse("""{"op":"disconnect","fingerprint":"3fa2:9c01"}"""));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not json")]
    [InlineData("[]")]
    [InlineData("null")]
    [InlineData("""{"op":"format-disk"}""")]
    [InlineData("""{"op":"disconnect"}""")]
    [InlineData("""{"op":"disconnect","fingerprint":"zz"}""")]
    [InlineData("""{"op":"disconnect","fingerprint":"SHA256:short"}""")]
    [InlineData("""{"op":5}""")]
    public void Malformed_requests_are_null_not_exceptions(string text) => Assert.Null(Parse(text));

    [Fact]
    public void Oversized_requests_are_refused_before_parsing()
    {
        string big = """{"op":"status","fingerprint":" """ + new string('a', StatusProtocol.MaxRequestBytes) + "\"}";
        Assert.Null(Parse(big));
    }

    [Fact]
    public void Responses_round_trip_sessions_with_enums_as_names()
    {
        var session = new SnekSession
        {
            InterfaceName = "snk0", Role = TunnelRole.Server, PeerName = "alice", PeerFingerprint = Fp, Endpoint = "198.18.0.2:4000",
            TunnelAddresses = ["198.19.0.2"], State = SessionState.Established, Established = DateTimeOffset.UnixEpoch,
            BytesIn = 1, BytesOut = 2, PacketsIn = 3, PacketsOut = 4, Drops = 5, DropsRouting = 5, Rekeys = 6,
        };
        byte[] line = StatusProtocol.Encode(new StatusResponse { Ok = true, InterfaceName = "snk0", Sessions = [session] });
        Assert.Equal((byte)'\n', line[^1]);
        string text = Encoding.UTF8.GetString(line);
        Assert.Contains("\"role\":\"Server\"", text, StringComparison.Ordinal);
        Assert.Contains("\"state\":\"Established\"", text, StringComparison.Ordinal);
        StatusResponse back = StatusProtocol.ParseResponse(line.AsSpan(0, line.Length - 1));
        SnekSession s = Assert.Single(back.Sessions!);
        Assert.Equal(session.PeerFingerprint, s.PeerFingerprint);
        Assert.Equal(session.TunnelAddresses, s.TunnelAddresses);
        Assert.Equal(6, s.Rekeys);
        Assert.Equal(5, s.DropsRouting);
        Assert.Equal(SessionState.Established, s.State);
    }

    [Fact]
    public void Garbage_responses_throw_documented_exceptions()
    {
        Assert.ThrowsAny<System.Text.Json.JsonException>(() => StatusProtocol.ParseResponse("{oops"u8));
        Assert.Throws<InvalidDataException>(() => StatusProtocol.ParseResponse("null"u8));
        Assert.Throws<InvalidDataException>(() => StatusProtocol.ParseResponse(ReadOnlySpan<byte>.Empty));
    }
}
