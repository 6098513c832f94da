using System.Net;
using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Jormungandr.Service;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// The server's housekeeping through the real engine: the authorized keys are re-read when their
/// directory changes (a real inotify watch on the lab's directory), leases are saved when they change,
/// and an idle server does not wake but for its occasional check.
/// </summary>
public class ServerHousekeepingTests
{
    // The server acts this long after the first change of a burst, and looks anyway at every check.
    private static readonly TimeSpan ChangeDelay = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(30);

    private static async Task<SimClient> Connect(SimLab lab, SimClient c)
    {
        await c.StartAsync();
        await SimLab.WaitUntilAsync(() => c.IsEstablished, c.Name + " to be established");
        await SimLab.WaitUntilAsync(() => lab.Server!.Sessions.Any(s => s.PeerName == c.Name && s.Endpoint is not null), "the server to learn the endpoint");
        return c;
    }

    // The watch raises its events on its own thread in real time: wait for the server to have one, then
    // move the test clock by the change delay only, and wait for the re-read to be done.
    private static async Task ActOnChange(SimLab lab, string what)
    {
        Server server = lab.Server!.Engine;
        await SimLab.WaitUntilAsync(() => server.AuthorizedKeysChangePending, what + " to be seen by the watch");
        long reads = server.AuthorizedKeysReads;
        lab.Clock.Advance(ChangeDelay);
        await SimLab.WaitUntilAsync(() => server.AuthorizedKeysReads > reads, what + " to be read");
    }

    private static int Loaded(SimServer server, int count) =>
        server.Log.Lines.Count(l => l.Contains($"Loaded {count} authorized client keys", StringComparison.Ordinal));

    private static string LeaseFileText(SimLab lab)
    {
        string path = Path.Combine(lab.StateDirectory, LeaseFile.FileName);
        return File.Exists(path) ? File.ReadAllText(path) : "";
    }

    [Fact]
    public async Task A_key_added_to_the_directory_is_read_on_its_change_not_on_a_timer()
    {
        await using var lab = new SimLab();
        lab.AddClient("a");
        SimServer server = lab.StartServer();
        Assert.True(server.Engine.WatchesAuthorizedKeys);
        await ActOnChange(lab, "the start"); // the watch began after the first read: one re-read to close the gap
        TimeSpan start = lab.Clock.Now;

        SimClient b = lab.AddClient("b"); // writes b.pub into the directory
        await ActOnChange(lab, "b.pub");
        Assert.Equal(1, Loaded(server, 2));
        await Connect(lab, b);
        Assert.True(lab.Clock.Now - start < TimeSpan.FromSeconds(1), $"{(lab.Clock.Now - start).TotalMilliseconds} ms of test time");
    }

    [Fact]
    public async Task A_key_removed_from_the_directory_ends_its_session_on_the_change()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        SimServer server = lab.StartServer();
        await ActOnChange(lab, "the start");
        await Connect(lab, a);
        TimeSpan start = lab.Clock.Now;

        File.Delete(Path.Combine(lab.AuthorizedKeys, "a.pub"));
        await ActOnChange(lab, "the removal");
        await SimLab.WaitUntilAsync(() => server.Sessions.Count == 0, "a's session to end");
        Assert.Contains(server.Events, e => e.Kind == SessionEventKind.Disconnected && e.Message == "key no longer authorized");
        Assert.Equal(ChangeDelay, lab.Clock.Now - start);
    }

    [Fact]
    public async Task A_lease_change_is_saved_after_the_change_delay_and_a_release_likewise()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        SimServer server = lab.StartServer();
        await ActOnChange(lab, "the start");
        await Connect(lab, a);
        string fingerprint = server.Sessions.Single().PeerFingerprint!;

        // Not before the delay (a burst of connections is one write), then at once.
        Assert.DoesNotContain(fingerprint, LeaseFileText(lab), StringComparison.Ordinal);
        lab.Clock.Advance(ChangeDelay);
        await SimLab.WaitUntilAsync(() => LeaseFileText(lab).Contains(fingerprint + " 198.19.0.2 fd00:5ec::2 live", StringComparison.Ordinal), "the live lease to be saved");

        await a.DisposeAsync();
        server.Engine.Disconnect(fingerprint);
        // The session may end on the key channel's thread: the release is noted just after it leaves the list.
        await SimLab.WaitUntilAsync(() => server.Sessions.Count == 0 && server.Engine.LeaseChangePending, "a's session to end and its release to be noted");
        lab.Clock.Advance(ChangeDelay);
        await SimLab.WaitUntilAsync(() => LeaseFileText(lab).Contains(fingerprint, StringComparison.Ordinal) && !LeaseFileText(lab).Contains("live", StringComparison.Ordinal), "the released lease to be saved");
    }

    [Fact]
    public async Task An_idle_server_wakes_only_for_its_occasional_check()
    {
        await using var lab = new SimLab();
        SimClient a = lab.AddClient("a");
        SimServer server = lab.StartServer();
        await ActOnChange(lab, "the start");
        await Connect(lab, a);
        lab.Clock.Advance(ChangeDelay); // the lease is saved
        await SimLab.WaitUntilAsync(() => LeaseFileText(lab).Contains("live", StringComparison.Ordinal), "the lease to be saved");

        // 100 s with one idle session (its first rekey is due at 120 s): the old loop woke 100 times.
        long before = server.Engine.HousekeepingPasses;
        await lab.AdvanceAsync(TimeSpan.FromSeconds(100), TimeSpan.FromSeconds(1));
        long passes = server.Engine.HousekeepingPasses - before;
        Assert.InRange(passes, 1, (long)(TimeSpan.FromSeconds(100) / CheckInterval));
        Assert.True(a.IsEstablished);

        // Ten minutes without any client: at most one pass per check.
        string fingerprint = server.Sessions.Single().PeerFingerprint!;
        await a.DisposeAsync();
        server.Engine.Disconnect(fingerprint);
        await SimLab.WaitUntilAsync(() => server.Sessions.Count == 0 && server.Engine.LeaseChangePending, "a's session to end and its release to be noted");
        lab.Clock.Advance(ChangeDelay);
        await SimLab.WaitUntilAsync(() => !LeaseFileText(lab).Contains("live", StringComparison.Ordinal), "the release to be saved");
        before = server.Engine.HousekeepingPasses;
        await lab.AdvanceAsync(TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(10));
        passes = server.Engine.HousekeepingPasses - before;
        Assert.InRange(passes, 1, (long)(TimeSpan.FromMinutes(10) / CheckInterval));
    }

    [Fact]
    public async Task The_occasional_check_sees_what_the_watch_missed()
    {
        await using var lab = new SimLab();
        lab.AddClient("a");
        lab.WatchDirectory = (directory, changed) => new Unwatched(); // a watch that never reports, as on a network file system
        SimServer server = lab.StartServer();
        Assert.True(server.Engine.WatchesAuthorizedKeys);
        lab.Clock.Advance(ChangeDelay);
        await SimLab.WaitUntilAsync(() => server.Engine.AuthorizedKeysReads == 1, "the start re-read");

        lab.AddClient("b");
        await lab.AdvanceAsync(TimeSpan.FromSeconds(25), TimeSpan.FromSeconds(1));
        Assert.Equal(0, Loaded(server, 2));
        TimeSpan seen = await lab.AdvanceUntilAsync(() => Loaded(server, 2) == 1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10));
        Assert.True(seen <= TimeSpan.FromSeconds(6), $"seen {seen.TotalSeconds} s after 25 s");
    }

    [Fact]
    public async Task Without_a_watch_the_directory_is_re_read_every_second_and_the_server_says_so_once()
    {
        await using var lab = new SimLab();
        lab.AddClient("a");
        lab.WatchDirectory = (directory, changed) => throw new SnekException("DirectoryWatchUnavailable", ErrorKind.ResourceUnavailable, $"Cannot watch {directory} for changes: inotify limit");
        SimServer server = lab.StartServer();
        Assert.False(server.Engine.WatchesAuthorizedKeys);
        Assert.Single(server.Log.Lines, l => l.StartsWith("Warning: Cannot watch", StringComparison.Ordinal) && l.Contains("re-reading it every 1 s instead", StringComparison.Ordinal));

        lab.AddClient("b");
        TimeSpan seen = await lab.AdvanceUntilAsync(() => Loaded(server, 2) == 1, TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(5));
        Assert.True(seen <= TimeSpan.FromSeconds(1.25), $"seen after {seen.TotalSeconds} s");
        Assert.Single(server.Log.Lines, l => l.StartsWith("Warning: Cannot watch", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_reload_request_re_reads_a_key_the_change_did_not_show()
    {
        await using var lab = new SimLab();
        lab.AddClient("alice");
        SimClient bob = lab.AddClient("bob", authorize: false);
        using var service = new ServiceLifecycle(notifier: null);
        SimServer server = lab.StartServer(service: service);
        await ActOnChange(lab, "the start");

        // Bob's key under Alice's name, same size and time: the re-read after the change sees nothing new.
        string alicePub = Path.Combine(lab.AuthorizedKeys, "alice.pub");
        DateTime mtime = File.GetLastWriteTimeUtc(alicePub);
        using (SnekIdentity id = SnekIdentity.LoadPrivate(Path.Combine(Path.GetDirectoryName(lab.AuthorizedKeys)!, "bob.key")))
        {
            id.SavePublic(alicePub, overwrite: true);
        }

        File.SetLastWriteTimeUtc(alicePub, mtime);
        await ActOnChange(lab, "the replaced key");
        Assert.Equal(1, Loaded(server, 1));

        // The reload is acted on at once, with no clock moved.
        Assert.True(service.RequestReload());
        await SimLab.WaitUntilAsync(() => Loaded(server, 1) == 2, "the forced re-read");
        await bob.StartAsync();
        await SimLab.WaitUntilAsync(() => bob.IsEstablished, "bob to be established under alice's name");
        Assert.Equal("alice", server.Sessions.Single().PeerName);
    }

    [Fact]
    public async Task The_handshake_load_summary_is_timed_only_while_there_are_events_at_most_one_line_per_five_seconds()
    {
        await using var lab = new SimLab();
        lab.AddClient("a");
        SimServer server = lab.StartServer();
        await ActOnChange(lab, "the start");
        int Summaries() => server.Log.Lines.Count(l => l.Contains("Handshakes in the last", StringComparison.Ordinal));

        // The first failure after a quiet period is reported after the change delay.
        await SendJunkAsync(lab, server, 1);
        Assert.Equal(0, Summaries());
        lab.Clock.Advance(ChangeDelay);
        await SimLab.WaitUntilAsync(() => Summaries() == 1, "the first summary");

        // The next one waits for the interval.
        await SendJunkAsync(lab, server, 2);
        await lab.AdvanceAsync(TimeSpan.FromSeconds(4.5), TimeSpan.FromSeconds(0.5));
        Assert.Equal(1, Summaries());
        TimeSpan second = await lab.AdvanceUntilAsync(() => Summaries() == 2, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(2));
        Assert.InRange(second, TimeSpan.FromMilliseconds(400), TimeSpan.FromMilliseconds(800));

        // Quiet again: no line and no timer, only the occasional check wakes the server.
        long before = server.Engine.HousekeepingPasses;
        await lab.AdvanceAsync(TimeSpan.FromMinutes(2), TimeSpan.FromSeconds(5));
        Assert.Equal(2, Summaries());
        Assert.InRange(server.Engine.HousekeepingPasses - before, 1, (long)(TimeSpan.FromMinutes(2) / CheckInterval));
    }

    // An unauthenticated connection whose first frame is junk: a failed handshake, counted by the limiter.
    private static async Task SendJunkAsync(SimLab lab, SimServer server, long failed)
    {
        Stream stream = await lab.Network.DialerFor(IPAddress.Parse("198.18.50.2"))(new IPEndPoint(SimLab.ServerAddress, TunnelDefaults.KeyPort), CancellationToken.None);
        using (var channel = new KeyChannelConnection(stream, lab.Clock))
        {
            await channel.WriteAsync(new byte[64], CancellationToken.None);
            await SimLab.WaitUntilAsync(() => server.Engine.ServerStatus().Failed == failed, "the junk to fail");
        }
    }

    private sealed class Unwatched : IDisposable
    {
        public void Dispose()
        {
        }
    }
}
