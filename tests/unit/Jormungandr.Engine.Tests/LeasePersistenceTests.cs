using System.Net;
using Jormungandr.Commands;
using Jormungandr.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

/// <summary>Address leases carried across a server restart: the pool's export/restore and the file on disk.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class LeasePersistenceTests : IDisposable
{
    private static readonly TimeSpan LeaseTime = TimeSpan.FromMinutes(10);
    private static readonly DateTimeOffset Noon = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly string KeyA = Key('A');
    private static readonly string KeyB = Key('B');
    private static readonly string KeyC = Key('C');
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "snek-leases-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private static string Key(char c) => Identity.Fingerprint.Prefix + new string(c, Identity.Fingerprint.FullLength - Identity.Fingerprint.Prefix.Length);

    private static AddressPool Pool(string v4 = "198.19.0.0/24", string? v6 = null) =>
        new(IPNetwork.Parse(v4), v6 is null ? null : IPNetwork.Parse(v6), LeaseTime);

    private LeaseFile File() => new(_dir, NullLogger.Instance);

    [Fact]
    public void After_a_restart_a_returning_key_gets_its_old_address_even_when_another_key_asks_first()
    {
        AddressPool before = Pool(v6: "fd00:5ec::/120");
        before.Acquire(KeyA, TimeSpan.Zero);
        Lease b = before.Acquire(KeyB, TimeSpan.Zero)!;
        before.Release(KeyA, TimeSpan.FromSeconds(5));
        File().Save(before.Export(TimeSpan.FromSeconds(10), Noon));

        // A new process: a different monotonic origin, the same wall clock a minute later.
        AddressPool after = Pool(v6: "fd00:5ec::/120");
        Assert.Equal(2, after.Restore(File().Load(), TimeSpan.FromSeconds(3), Noon.AddMinutes(1)));
        Lease c = after.Acquire(KeyC, TimeSpan.FromSeconds(4))!; // a new key first: it must not take A's or B's address
        Assert.Equal(IPAddress.Parse("198.19.0.4"), c.Address4);
        Assert.Equal(b, after.Acquire(KeyB, TimeSpan.FromSeconds(5)));
        Assert.Equal(IPAddress.Parse("198.19.0.2"), after.Acquire(KeyA, TimeSpan.FromSeconds(6))!.Address4);
        Assert.Equal(IPAddress.Parse("fd00:5ec::2"), after.Acquire(KeyA, TimeSpan.FromSeconds(6))!.Address6);
    }

    [Fact]
    public void A_lease_live_at_the_crash_lingers_a_full_lease_time_after_the_restart()
    {
        AddressPool before = Pool("198.19.0.0/30"); // one client address
        Lease a = before.Acquire(KeyA, TimeSpan.Zero)!;
        List<PersistedLease> saved = before.Export(TimeSpan.FromMinutes(30), Noon);
        Assert.Null(Assert.Single(saved).ReleasedAt);

        AddressPool after = Pool("198.19.0.0/30");
        after.Restore(saved, TimeSpan.FromMinutes(1), Noon.AddHours(2));
        Assert.Null(after.Acquire(KeyB, TimeSpan.FromMinutes(10))); // 9 minutes after the restart: still A's
        Assert.Equal(a, after.Acquire(KeyA, TimeSpan.FromMinutes(10)));
    }

    [Fact]
    public void A_released_lease_keeps_its_release_time_across_the_restart()
    {
        AddressPool before = Pool("198.19.0.0/30");
        before.Acquire(KeyA, TimeSpan.Zero);
        before.Release(KeyA, TimeSpan.FromMinutes(1));
        List<PersistedLease> saved = before.Export(TimeSpan.FromMinutes(3), Noon); // released 2 minutes before noon
        Assert.Equal(Noon.AddMinutes(-2), Assert.Single(saved).ReleasedAt);

        AddressPool after = Pool("198.19.0.0/30");
        after.Restore(saved, TimeSpan.Zero, Noon.AddMinutes(5)); // 7 of the 10 minutes gone
        Assert.Null(after.Acquire(KeyB, TimeSpan.FromMinutes(2)));
        Assert.NotNull(after.Acquire(KeyB, TimeSpan.FromMinutes(4)));
    }

    [Fact]
    public void An_expired_lease_is_reclaimed_only_when_no_never_used_address_is_left()
    {
        AddressPool pool = Pool("198.19.0.0/29"); // five client addresses, .2 to .6
        Lease a = pool.Acquire(KeyA, TimeSpan.Zero)!;
        pool.Release(KeyA, TimeSpan.Zero);
        for (int i = 0; i < 4; i++)
        {
            Lease other = pool.Acquire("K" + i, TimeSpan.FromHours(1))!;
            Assert.NotEqual(a.Address4, other.Address4);
        }

        Assert.Equal(a, pool.Acquire(KeyA, TimeSpan.FromHours(2))); // long expired, still A's
        pool.Release(KeyA, TimeSpan.FromHours(2));
        Assert.Equal(a.Address4, pool.Acquire(KeyB, TimeSpan.FromHours(3))!.Address4); // the pool is full: now it goes
        Assert.NotEqual(a.Address4, pool.Acquire(KeyA, TimeSpan.FromHours(3))?.Address4);
    }

    [Fact]
    public void Restore_skips_leases_that_no_longer_fit()
    {
        AddressPool pool = Pool();
        pool.SetStatic(new Dictionary<string, Lease> { [KeyC] = new(IPAddress.Parse("198.19.0.9"), null) });
        PersistedLease[] saved =
        [
            new(KeyA, IPAddress.Parse("198.19.1.2"), null, null), // outside the pool
            new(KeyA, IPAddress.Parse("198.19.0.1"), null, null), // the server's
            new(KeyA, IPAddress.Parse("198.19.0.255"), null, null), // broadcast
            new(KeyB, IPAddress.Parse("198.19.0.9"), null, null), // now C's static address
            new(KeyC, IPAddress.Parse("198.19.0.7"), null, null), // C has a static address
            new(KeyA, IPAddress.Parse("198.19.0.5"), null, null), // fits
            new(KeyB, IPAddress.Parse("198.19.0.5"), null, null), // taken by A just now
        ];
        Assert.Equal(1, pool.Restore(saved, TimeSpan.Zero, Noon));
        Assert.Equal(IPAddress.Parse("198.19.0.5"), pool.Acquire(KeyA, TimeSpan.Zero)!.Address4);
        Assert.Equal(IPAddress.Parse("198.19.0.2"), pool.Acquire(KeyB, TimeSpan.Zero)!.Address4);
    }

    [Fact]
    public void Version_moves_on_lease_changes_only()
    {
        AddressPool pool = Pool();
        long v0 = pool.Version;
        pool.Acquire(KeyA, TimeSpan.Zero);
        long v1 = pool.Version;
        Assert.True(v1 > v0);
        pool.Acquire(KeyA, TimeSpan.FromSeconds(1)); // the same live lease: nothing to save
        Assert.Equal(v1, pool.Version);
        pool.Release(KeyA, TimeSpan.FromSeconds(2));
        Assert.True(pool.Version > v1);
        long v2 = pool.Version;
        pool.Release(KeyA, TimeSpan.FromSeconds(3));
        Assert.Equal(v2, pool.Version);
    }

    [Fact]
    public void The_file_round_trips_and_is_private()
    {
        PersistedLease[] leases =
        [
            new(KeyA, IPAddress.Parse("198.19.0.2"), IPAddress.Parse("fd00:5ec::2"), null),
            new(KeyB, IPAddress.Parse("198.19.0.3"), null, Noon),
        ];
        LeaseFile file = File();
        file.Save(leases);
        file.Save(leases); // replacing an existing file works too
        Assert.Equal(leases, file.Load());
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(file.Path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, System.IO.File.GetUnixFileMode(_dir));
        Assert.Equal([LeaseFile.FileName], Directory.GetFiles(_dir).Select(Path.GetFileName));
    }

    [Fact]
    public void No_file_is_no_leases()
    {
        Assert.Empty(File().Load());
    }

    [Theory]
    [InlineData("garbage")]
    [InlineData("jormungandr-leases 2\n")]
    [InlineData("jormungandr-leases 1\nSHA256:x 198.19.0.2 - live\n")]
    [InlineData("jormungandr-leases 1\n{A} 198.19.0.2 - live\n{A} 198.19.0.3 - live\n")]
    [InlineData("jormungandr-leases 1\n{A} fd00:5ec::2 - live\n")]
    [InlineData("jormungandr-leases 1\n{A} 198.19.0.2 198.19.0.3 live\n")]
    [InlineData("jormungandr-leases 1\n{A} 198.19.0.2 - yesterday\n")]
    [InlineData("jormungandr-leases 1\n{A} 198.19.0.2 - -5\n")]
    [InlineData("jormungandr-leases 1\n{A} 198.19.0.2 -\n")]
    [InlineData("jormungandr-leases 1\n{A}  198.19.0.2 - live\n")]
    [InlineData("jormungandr-leases 1\n\n{A} 198.19.0.2 - live\n")]
    public void A_malformed_file_is_moved_aside_and_the_server_starts_without_leases(string content)
    {
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, LeaseFile.FileName);
        System.IO.File.WriteAllText(path, content.Replace("{A}", KeyA, StringComparison.Ordinal));
        Assert.Empty(File().Load());
        Assert.False(System.IO.File.Exists(path));
        Assert.Equal(content.Replace("{A}", KeyA, StringComparison.Ordinal), System.IO.File.ReadAllText(Path.Combine(_dir, LeaseFile.CorruptFileName)));
    }

    [Fact]
    public void The_parser_names_the_bad_line()
    {
        var e = Assert.Throws<FormatException>(() => LeaseFile.Parse($"jormungandr-leases 1\n{KeyA} 198.19.0.2 - live\n{KeyB} 198.19.0.x - live\n"));
        Assert.Contains("line 3", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_oversized_file_is_moved_aside_without_being_read()
    {
        Directory.CreateDirectory(_dir);
        string path = Path.Combine(_dir, LeaseFile.FileName);
        using (FileStream s = System.IO.File.Create(path))
        {
            s.SetLength(LeaseFile.MaxBytes + 1); // sparse
        }

        Assert.Empty(File().Load());
        Assert.True(System.IO.File.Exists(Path.Combine(_dir, LeaseFile.CorruptFileName)));
    }

    [Fact]
    public void A_fifo_named_leases_is_a_clear_error_not_a_hang()
    {
        Directory.CreateDirectory(_dir);
        UnixFiles.MkFifo(Path.Combine(_dir, LeaseFile.FileName));
        var e = Assert.Throws<SnekException>(() => File().Load());
        Assert.Equal("LeaseFileInvalid", e.ErrorId);
    }

    [Fact]
    public void A_state_directory_that_cannot_be_created_is_a_clear_error()
    {
        Directory.CreateDirectory(_dir);
        string blocker = Path.Combine(_dir, "file");
        System.IO.File.WriteAllText(blocker, "x");
        var e = Assert.Throws<SnekException>(() => new LeaseFile(Path.Combine(blocker, "state"), NullLogger.Instance));
        Assert.Equal("StateDirectoryFailed", e.ErrorId);
    }

    [Fact]
    public void A_failed_save_is_a_SnekException_and_leaves_no_temporary_file()
    {
        LeaseFile file = File();
        Directory.Delete(_dir);
        var e = Assert.Throws<SnekException>(() => file.Save([new PersistedLease(KeyA, IPAddress.Parse("198.19.0.2"), null, null)]));
        Assert.Equal("LeaseFileWriteFailed", e.ErrorId);
        Assert.False(Directory.Exists(_dir));
    }
}
