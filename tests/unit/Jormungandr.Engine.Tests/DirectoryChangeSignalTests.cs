using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Tests.Simulation;

namespace Jormungandr.Tests;

/// <summary>The inotify watch on a real temporary directory: what it reports, and a directory it cannot watch.</summary>
public sealed class DirectoryChangeSignalTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("snek-watch-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public async Task The_directory_watch_reports_a_file_written_touched_renamed_and_removed()
    {
        int changes = 0;
        using IDisposable watch = DirectoryChangeSignal.Start(_dir, () => Interlocked.Increment(ref changes));
        string path = Path.Combine(_dir, "a.pub");
        foreach (Action step in new Action[]
        {
            () => File.WriteAllText(path, "x"),
            () => File.SetLastWriteTimeUtc(path, new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc)),
            () => File.Move(path, path + ".old"),
            () => File.Delete(path + ".old"),
        })
        {
            int before = Volatile.Read(ref changes);
            step();
            await SimLab.WaitUntilAsync(() => Volatile.Read(ref changes) > before, "the watch to report it", 10);
        }
    }

    [Fact]
    public void A_directory_that_cannot_be_watched_is_a_clear_error()
    {
        string missing = Path.Combine(_dir, "missing");
        SnekException e = Assert.Throws<SnekException>(() => DirectoryChangeSignal.Start(missing, () => { }));
        Assert.Equal("DirectoryWatchUnavailable", e.ErrorId);
        Assert.Contains(missing, e.Message, StringComparison.Ordinal);
    }
}
