using System.Text;
using Jormungandr.Commands;
using Jormungandr.IO;

namespace Jormungandr.Routing;

/// <summary>
/// The state file of one tunnel's host changes, <c>RUNDIR/IFACE.NETNS.host</c> (0600; the directory 0700;
/// NETNS is the inode number of the network namespace the changes were made in, so tunnels in different
/// namespaces sharing a run directory never undo each other's changes, nor undo them in the wrong
/// namespace): every
/// change is written here <em>before</em> it is made and dropped after it is undone, so after a crash
/// (SIGKILL, power loss) the next start finds exactly what to undo. Saved atomically
/// (<see cref="AtomicFile"/>); deleted when empty. At most 64 KiB is read.
/// </summary>
internal sealed class HostJournal
{
    /// <summary>File name suffix after the interface name and namespace.</summary>
    public const string Suffix = ".host";

    private const int MaxFileBytes = 64 * 1024;
    private readonly List<HostChange> _changes;

    private HostJournal(string path, List<HostChange> changes)
    {
        FilePath = path;
        _changes = changes;
    }

    /// <summary>Where the journal lives.</summary>
    public string FilePath { get; }

    /// <summary>The changes in place, oldest first.</summary>
    public IReadOnlyList<HostChange> Changes => _changes;

    /// <summary>The journal path for <paramref name="interfaceName"/> in the calling thread's network namespace under <paramref name="runDirectory"/>.</summary>
    public static string PathFor(string runDirectory, string interfaceName)
    {
        Tunnel.OptionChecks.InterfaceName(interfaceName);
        return Path.Combine(runDirectory, interfaceName + NamespaceSuffix());
    }

    /// <summary>
    /// <c>.NETNS.host</c> for the calling thread's network namespace (<c>/proc/thread-self/ns/net</c> reads
    /// <c>net:[INODE]</c>); <c>.0.host</c> where there is no such link.
    /// </summary>
    public static string NamespaceSuffix()
    {
        string? link = null;
        try
        {
            link = new FileInfo("/proc/thread-self/ns/net").LinkTarget;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }

        string inode = link is ['n', 'e', 't', ':', '[', .. string digits, ']'] && digits.All(char.IsAsciiDigit) ? digits : "0";
        return "." + inode + Suffix;
    }

    /// <summary>Reads the journal at <paramref name="path"/>, or an empty one when there is no file.</summary>
    /// <exception cref="SnekException"><c>HostStateUnreadable</c>: not a regular file, too large, or malformed.</exception>
    public static HostJournal Load(string path)
    {
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = RegularFile.OpenRead(path, out FileStatus status);
            if (status.Length > MaxFileBytes)
            {
                throw Unreadable(path, $"it is larger than {MaxFileBytes} bytes");
            }

            byte[] bytes = new byte[status.Length];
            int read = RandomAccess.Read(handle, bytes, 0);
            return new HostJournal(path, HostJournalFormat.Parse(Encoding.UTF8.GetString(bytes, 0, read)));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return new HostJournal(path, []);
        }
        catch (FormatException e)
        {
            throw Unreadable(path, e.Message, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotRegularFileException)
        {
            throw Unreadable(path, e.Message, e);
        }
    }

    /// <summary>Records a change about to be made (saved before returning).</summary>
    public void Record(HostChange change)
    {
        _changes.Add(change);
        try
        {
            Save();
        }
        catch
        {
            _changes.RemoveAt(_changes.Count - 1);
            throw;
        }
    }

    /// <summary>Drops a change that was undone, or never made; the file goes when the last one does.</summary>
    public void Forget(HostChange change)
    {
        int index = _changes.LastIndexOf(change);
        if (index >= 0)
        {
            _changes.RemoveAt(index);
            Save();
        }
    }

    private void Save()
    {
        try
        {
            if (_changes.Count == 0)
            {
                File.Delete(FilePath);
                return;
            }

            string directory = Path.GetDirectoryName(Path.GetFullPath(FilePath))!;
            PrivateDirectory.Create(directory);

            AtomicFile.Write(FilePath, Encoding.UTF8.GetBytes(HostJournalFormat.Format(_changes)), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("HostStateWriteFailed", ErrorKind.ResourceUnavailable, $"Cannot save the tunnel's host changes to {FilePath}: {e.Message}", FilePath, e);
        }
    }

    private static SnekException Unreadable(string path, string why, Exception? inner = null) =>
        new("HostStateUnreadable", ErrorKind.InvalidData,
            $"Cannot read the host changes of a previous run from {path}: {why}. Check 'ip rule', 'ip -6 rule' and 'nft list tables' for snek leftovers, then remove the file.",
            path, inner);
}
