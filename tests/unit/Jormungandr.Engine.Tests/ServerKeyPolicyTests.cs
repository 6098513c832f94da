using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

public sealed class ServerKeyPolicyTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-trust-").FullName;
    private readonly SnekIdentity _server = SnekIdentity.Generate();
    private readonly SnekIdentity _impostor = SnekIdentity.Generate();

    public void Dispose()
    {
        _server.Dispose();
        _impostor.Dispose();
        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public void A_pinned_key_accepts_exactly_that_server()
    {
        string pub = Path.Combine(_dir, "server.pub");
        _server.SavePublic(pub);
        var policy = new ServerKeyPolicy(pub, null, "198.18.0.1", false, NullLogger.Instance);
        Assert.True(policy.IsAcceptable(_server.PublicKey));
        Assert.False(policy.IsAcceptable(_impostor.PublicKey));
    }

    [Fact]
    public void A_trusted_directory_accepts_any_key_in_it()
    {
        string trusted = Directory.CreateDirectory(Path.Combine(_dir, "trusted")).FullName;
        _server.SavePublic(Path.Combine(trusted, "vpn1.pub"));
        var policy = new ServerKeyPolicy(null, trusted, "198.18.0.1", false, NullLogger.Instance);
        Assert.True(policy.IsAcceptable(_server.PublicKey));
        Assert.False(policy.IsAcceptable(_impostor.PublicKey));
    }

    [Fact]
    public void Without_a_pin_a_directory_or_the_switch_the_client_refuses_to_start()
    {
        SnekException e = Assert.Throws<SnekException>(() => new ServerKeyPolicy(null, Path.Combine(_dir, "none"), "198.18.0.1", false, NullLogger.Instance));
        Assert.Equal(ErrorKind.SecurityError, e.Kind);
    }

    [Fact]
    public void Trust_on_first_use_records_the_first_key_and_then_refuses_another()
    {
        string trusted = Path.Combine(_dir, "tofu");
        var first = new ServerKeyPolicy(null, trusted, "198.18.0.1", true, NullLogger.Instance);
        Assert.True(first.IsAcceptable(_server.PublicKey));
        first.RecordIfFirstUse();
        Assert.NotNull(first.RecordedPath);
        Assert.True(File.Exists(Path.Combine(trusted, "198.18.0.1.pub")));

        var later = new ServerKeyPolicy(null, trusted, "198.18.0.1", true, NullLogger.Instance);
        Assert.True(later.IsAcceptable(_server.PublicKey)); // recorded: trusted now
        Assert.False(later.IsAcceptable(_impostor.PublicKey)); // a different key for the same server: refused
    }

    [Fact]
    public void Trust_on_first_use_never_records_a_key_from_an_earlier_failed_handshake()
    {
        // The real server's key is already trusted (recorded under another name, e.g. its address);
        // an impostor answered the first attempt (policy said yes, then the handshake failed), the
        // retry reached the real server. The impostor's key must not be recorded as trusted.
        string trusted = Directory.CreateDirectory(Path.Combine(_dir, "tofu2")).FullName;
        _server.SavePublic(Path.Combine(trusted, "198.18.0.1.pub"));
        var policy = new ServerKeyPolicy(null, trusted, "vpn.example", true, NullLogger.Instance);
        Assert.True(policy.IsAcceptable(_impostor.PublicKey)); // first attempt: unknown name, first use
        Assert.True(policy.IsAcceptable(_server.PublicKey)); // retry: the real server, trusted already
        policy.RecordIfFirstUse(); // after the retry's successful handshake

        Assert.Null(policy.RecordedPath);
        Assert.False(File.Exists(Path.Combine(trusted, "vpn.example.pub")));
        var later = new ServerKeyPolicy(null, trusted, "198.18.0.1", false, NullLogger.Instance);
        Assert.False(later.IsAcceptable(_impostor.PublicKey));
    }
}
