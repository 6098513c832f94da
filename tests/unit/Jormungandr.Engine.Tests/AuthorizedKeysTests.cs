using System.Net;
using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

public sealed class AuthorizedKeysTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-auth-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private byte[] AddKey(string name)
    {
        using SnekIdentity id = SnekIdentity.Generate();
        id.SavePublic(Path.Combine(_dir, name + ".pub"));
        return id.PublicKey;
    }

    [Fact]
    public void Loads_pub_files_and_reloads_when_the_directory_changes()
    {
        byte[] alice = AddKey("alice");
        File.WriteAllText(Path.Combine(_dir, "README"), "not a key");
        var keys = new AuthorizedKeys(_dir, NullLogger.Instance);
        Assert.True(keys.IsAcceptable(alice));
        Assert.Equal("alice", keys.Find(alice)!.Name);
        Assert.False(keys.Refresh()); // nothing changed

        byte[] bob = AddKey("bob");
        Assert.False(keys.IsAcceptable(bob));
        Assert.True(keys.Refresh());
        Assert.True(keys.IsAcceptable(bob));

        File.Delete(Path.Combine(_dir, "alice.pub"));
        Assert.True(keys.Refresh());
        Assert.False(keys.IsAcceptable(alice));
        Assert.Equal(1, keys.Count);
    }

    [Fact]
    public void A_reload_reads_only_the_files_that_changed_and_a_forced_one_reads_all()
    {
        byte[] alice = AddKey("alice");
        AddKey("bob");
        var keys = new AuthorizedKeys(_dir, NullLogger.Instance);
        Assert.Equal(2, keys.ParsedOnLastReload);

        byte[] carol = AddKey("carol");
        Assert.True(keys.Refresh());
        Assert.Equal(1, keys.ParsedOnLastReload); // adding one client to many reads one key
        Assert.True(keys.IsAcceptable(alice) && keys.IsAcceptable(carol));

        // A static address beside alice's key changes her entry: her files are read again.
        string addr = Path.Combine(_dir, "alice.addr");
        File.WriteAllText(addr, "198.19.0.9\n");
        Assert.True(keys.Refresh());
        Assert.Equal(1, keys.ParsedOnLastReload);
        Assert.Equal(IPAddress.Parse("198.19.0.9"), keys.Find(alice)!.StaticLease!.Address4);

        // Rewritten with the same size and time: invisible to the cheap check, seen by a forced reload.
        DateTime time = File.GetLastWriteTimeUtc(addr);
        File.WriteAllText(addr, "198.19.0.8\n");
        File.SetLastWriteTimeUtc(addr, time);
        Assert.False(keys.Refresh());
        Assert.Equal(IPAddress.Parse("198.19.0.9"), keys.Find(alice)!.StaticLease!.Address4);
        Assert.True(keys.Refresh(force: true));
        Assert.Equal(3, keys.ParsedOnLastReload);
        Assert.Equal(IPAddress.Parse("198.19.0.8"), keys.Find(alice)!.StaticLease!.Address4);

        // A key file replaced by another key under the same name is read again.
        File.Delete(Path.Combine(_dir, "bob.pub"));
        byte[] bob2 = AddKey("bob");
        File.SetLastWriteTimeUtc(Path.Combine(_dir, "bob.pub"), DateTime.UtcNow.AddMinutes(1));
        Assert.True(keys.Refresh());
        Assert.True(keys.IsAcceptable(bob2));
        Assert.Equal(3, keys.Count);
    }

    [Fact]
    public void A_broken_key_file_is_skipped_not_fatal()
    {
        byte[] alice = AddKey("alice");
        File.WriteAllBytes(Path.Combine(_dir, "broken.pub"), new byte[17]);
        var keys = new AuthorizedKeys(_dir, NullLogger.Instance);
        Assert.Equal(1, keys.Count);
        Assert.True(keys.IsAcceptable(alice));
        Assert.False(keys.IsAcceptable(new byte[1952]));
    }

    [Fact]
    public void Static_addresses_come_from_a_file_beside_the_key()
    {
        byte[] alice = AddKey("alice");
        File.WriteAllText(Path.Combine(_dir, "alice.addr"), "# fixed\n198.19.0.50   fd00:5ec::50\n");
        var keys = new AuthorizedKeys(_dir, NullLogger.Instance);
        Lease lease = keys.Find(alice)!.StaticLease!;
        Assert.Equal(IPAddress.Parse("198.19.0.50"), lease.Address4);
        Assert.Equal(IPAddress.Parse("fd00:5ec::50"), lease.Address6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("fd00:5ec::5")]
    [InlineData("198.19.0.5 198.19.0.6")]
    [InlineData("198.19.0.5/24")]
    [InlineData("not-an-address")]
    public void Malformed_address_files_are_invalid_data(string text)
    {
        SnekException e = Assert.Throws<SnekException>(() => AuthorizedKeys.ParseStaticLease(text, "x.addr"));
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void A_missing_directory_is_object_not_found()
    {
        SnekException e = Assert.Throws<SnekException>(() => new AuthorizedKeys(Path.Combine(_dir, "nope"), NullLogger.Instance));
        Assert.Equal(ErrorKind.ObjectNotFound, e.Kind);
    }
}
