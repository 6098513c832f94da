using Jormungandr.Commands;

namespace Jormungandr.Engine;

/// <summary>
/// Opens a watch on a directory: calls <c>changed</c> (on a pool thread) when a file in it is created,
/// deleted, renamed, written or has its attributes or time changed, and when events were lost. Throws
/// SnekException (ResourceUnavailable) when the system cannot watch it. Disposing ends the watch.
/// </summary>
internal delegate IDisposable DirectoryWatchFactory(string directory, Action changed);

/// <summary>
/// A directory's entries changed: inotify on Linux through <see cref="FileSystemWatcher"/>, whose reader
/// blocks until the kernel has an event, so watching costs nothing while nothing changes. It says only
/// that something changed, not what: the owner re-reads. Lost events (the kernel's queue overflowed)
/// count as a change too. Not seen: a directory replaced as a whole (renamed over) and most network
/// file systems, which is why its owner still checks now and then.
/// </summary>
internal sealed class DirectoryChangeSignal : IDisposable
{
    private readonly FileSystemWatcher _watcher;
    private readonly Action _changed;

    private DirectoryChangeSignal(FileSystemWatcher watcher, Action changed)
    {
        _watcher = watcher;
        _changed = changed;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Changed += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.Error += OnError;
    }

    /// <summary>Watches <paramref name="directory"/> (not its subdirectories); see <see cref="DirectoryWatchFactory"/>.</summary>
    public static IDisposable Start(string directory, Action changed)
    {
        FileSystemWatcher? watcher = null;
        try
        {
            watcher = new FileSystemWatcher(directory)
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.Size | NotifyFilters.LastWrite | NotifyFilters.Attributes,
            };
            var signal = new DirectoryChangeSignal(watcher, changed);
            watcher.EnableRaisingEvents = true; // inotify_init and inotify_add_watch: where the system's limits refuse
            return signal;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or PlatformNotSupportedException or System.ComponentModel.Win32Exception)
        {
            watcher?.Dispose();
            throw new SnekException("DirectoryWatchUnavailable", ErrorKind.ResourceUnavailable, $"Cannot watch {directory} for changes: {e.Message}", directory, e);
        }
    }

    private void OnChanged(object sender, FileSystemEventArgs e) => _changed();

    // Events were lost (or the watch failed): the owner re-reads, which sees whatever they were.
    private void OnError(object sender, ErrorEventArgs e) => _changed();

    public void Dispose()
    {
        _watcher.EnableRaisingEvents = false;
        _watcher.Dispose();
    }
}
