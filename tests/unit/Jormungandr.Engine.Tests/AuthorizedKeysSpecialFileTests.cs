using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Microsoft.Extensions.Logging;

namespace Jormungandr.Tests;

/// <summary>
/// Anything in the authorized-keys directory that is not a regular file of sane size (a FIFO, a link to a
/// device, a huge file) is skipped with a warning and never stalls the reload; the keys beside it load.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class AuthorizedKeysSpecialFileTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-auth-special-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string PathOf(string name) => Path.Combine(_dir, name);

    private byte[] AddKey(string name)
    {
        using SnekIdentity id = SnekIdentity.Generate();
        id.SavePublic(PathOf(name + ".pub"));
        return id.PublicKey;
    }

    [Fact]
    public void A_fifo_named_pub_is_skipped_with_a_warning_and_the_other_keys_load()
    {
        byte[] alice = AddKey("alice");
        string fifo = PathOf("stuck.pub");
        UnixFiles.MkFifo(fifo);
        var log = new WarningLog();

        AuthorizedKeys? keys = null;
        Assert.Null(UnixFiles.RunBounded(() => keys = new AuthorizedKeys(_dir, log), fifo, Limit));
        Assert.Equal(1, keys!.Count);
        Assert.True(keys.IsAcceptable(alice));
        Assert.Contains(log.Warnings, w => w.Contains(fifo, StringComparison.Ordinal) && w.Contains("FIFO", StringComparison.Ordinal));

        // The periodic reload, with a new key beside the FIFO, is just as prompt.
        byte[] bob = AddKey("bob");
        Assert.Null(UnixFiles.RunBounded(() => keys.Refresh(), fifo, Limit));
        Assert.True(keys.IsAcceptable(bob));
        Assert.Equal(2, keys.Count);
    }

    [Fact]
    public void A_fifo_named_addr_skips_its_key_with_a_warning_without_blocking()
    {
        byte[] alice = AddKey("alice");
        byte[] bob = AddKey("bob");
        string fifo = PathOf("bob.addr");
        UnixFiles.MkFifo(fifo);
        var log = new WarningLog();

        AuthorizedKeys? keys = null;
        Assert.Null(UnixFiles.RunBounded(() => keys = new AuthorizedKeys(_dir, log), fifo, Limit));
        Assert.True(keys!.IsAcceptable(alice));
        Assert.False(keys.IsAcceptable(bob)); // its static addresses are unknowable: as with any bad .addr, the key is skipped
        Assert.Contains(log.Warnings, w => w.Contains(fifo, StringComparison.Ordinal) && w.Contains("FIFO", StringComparison.Ordinal));

        SnekException ex = Assert.IsType<SnekException>(UnixFiles.RunBounded(() => AuthorizedKeys.ReadStaticLease(fifo), fifo, Limit));
        Assert.Equal("BadStaticAddressFile", ex.ErrorId);
    }

    [Fact]
    public void A_link_to_a_device_is_skipped_without_reading_it()
    {
        byte[] alice = AddKey("alice");
        File.CreateSymbolicLink(PathOf("null.pub"), "/dev/null");
        File.CreateSymbolicLink(PathOf("alice.addr"), "/dev/null");
        var log = new WarningLog();

        var keys = new AuthorizedKeys(_dir, log);
        Assert.Equal(0, keys.Count); // alice's .addr is a device: skipped like any bad .addr
        Assert.Contains(log.Warnings, w => w.Contains("null.pub", StringComparison.Ordinal) && w.Contains("character device", StringComparison.Ordinal));
        Assert.Contains(log.Warnings, w => w.Contains("alice.addr", StringComparison.Ordinal) && w.Contains("character device", StringComparison.Ordinal));

        File.Delete(PathOf("alice.addr"));
        Assert.True(keys.Refresh());
        Assert.True(keys.IsAcceptable(alice));
    }

    [Fact]
    public void Oversized_files_are_skipped_by_their_size_not_read()
    {
        byte[] alice = AddKey("alice");
        byte[] bob = AddKey("bob");
        foreach (string name in new[] { "huge.pub", "bob.addr" })
        {
            using FileStream f = File.Create(PathOf(name));
            f.SetLength(64L << 20); // sparse: 64 MiB that would be allocated if it were read
        }

        var log = new WarningLog();
        var keys = new AuthorizedKeys(_dir, log);
        Assert.True(keys.IsAcceptable(alice));
        Assert.False(keys.IsAcceptable(bob));
        Assert.Equal(1, keys.Count);
        Assert.Contains(log.Warnings, w => w.Contains("huge.pub", StringComparison.Ordinal) && w.Contains("67108864 bytes", StringComparison.Ordinal));
        Assert.Contains(log.Warnings, w => w.Contains("bob.addr", StringComparison.Ordinal) && w.Contains("larger than 4096 bytes", StringComparison.Ordinal));
    }

    [Fact]
    public void An_addr_file_with_a_byte_order_mark_still_parses()
    {
        byte[] alice = AddKey("alice");
        File.WriteAllText(PathOf("alice.addr"), "198.19.0.50\n", new System.Text.UTF8Encoding(encoderShouldEmitUTF8Identifier: true));
        var keys = new AuthorizedKeys(_dir, new WarningLog());
        Assert.Equal("198.19.0.50", keys.Find(alice)!.StaticLease!.Address4.ToString());
    }

    /// <summary>Collects formatted warnings.</summary>
    private sealed class WarningLog : ILogger
    {
        private readonly Lock _gate = new();
        private readonly List<string> _warnings = [];

        public IReadOnlyList<string> Warnings
        {
            get
            {
                lock (_gate)
                {
                    return [.. _warnings];
                }
            }
        }

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel == LogLevel.Warning)
            {
                lock (_gate)
                {
                    _warnings.Add(formatter(state, exception));
                }
            }
        }
    }
}
