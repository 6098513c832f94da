using System.Runtime.InteropServices;

namespace Jormungandr.Tests;

/// <summary>FIFOs and foreign-owned files for tests of code that must refuse them (no managed API makes either).</summary>
internal static class UnixFiles
{
    /// <summary>The uid of "nobody" on Debian and most Linux systems; any uid other than the test's and root would do.</summary>
    public const uint Nobody = 65534;

    private const int OWrOnly = 1;
    private const int ONonBlock = 0x800;

    [DllImport("libc", EntryPoint = "geteuid")]
    private static extern uint GetEuid();

    [DllImport("libc", EntryPoint = "mkfifo", SetLastError = true)]
    private static extern int MkFifoNative(string path, uint mode);

    [DllImport("libc", EntryPoint = "chown", SetLastError = true)]
    private static extern int ChownNative(string path, uint owner, uint group);

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int OpenNative(string path, int flags);

    [DllImport("libc", EntryPoint = "close")]
    private static extern int CloseNative(int fd);

    /// <summary>The effective uid of the test process.</summary>
    public static uint EffectiveUserId => GetEuid();

    /// <summary>Creates a FIFO (mode 0600).</summary>
    public static void MkFifo(string path)
    {
        if (MkFifoNative(path, 0x180) != 0)
        {
            throw new IOException($"mkfifo {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>Changes the owner (root only).</summary>
    public static void Chown(string path, uint owner, uint group)
    {
        if (ChownNative(path, owner, group) != 0)
        {
            throw new IOException($"chown {path} failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    /// <summary>
    /// Frees a reader blocked opening <paramref name="path"/> (a FIFO): opening the write end lets its open
    /// return, and closing it gives it end-of-file. Does nothing when no reader waits.
    /// </summary>
    public static void ReleaseReaders(string path)
    {
        int fd = OpenNative(path, OWrOnly | ONonBlock); // fails (ENXIO) when nobody is reading
        if (fd >= 0)
        {
            CloseNative(fd);
        }
    }

    /// <summary>
    /// Runs <paramref name="action"/>, which reads paths that include the FIFO <paramref name="fifo"/>, and
    /// fails if it has not returned within <paramref name="limit"/>; a reader stuck on the FIFO is released
    /// so the test process does not keep a blocked thread. Returns the action's exception, if any.
    /// </summary>
    public static Exception? RunBounded(Action action, string fifo, TimeSpan limit)
    {
        Task task = Task.Factory.StartNew(action, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        bool finished = ((IAsyncResult)task).AsyncWaitHandle.WaitOne(limit);
        if (!finished)
        {
            ReleaseReaders(fifo);
            ReleaseReaders(fifo);
            Assert.Fail($"Reading next to the FIFO {fifo} did not return within {limit.TotalSeconds:0} s: it blocked on the FIFO.");
        }

        return task.Exception?.InnerException;
    }
}

/// <summary>A fact that needs root (to chown files to another user); otherwise skipped with the reason.</summary>
public sealed class RootFactAttribute : FactAttribute
{
    /// <summary>Evaluated at discovery time.</summary>
    public RootFactAttribute()
    {
        Skip = !OperatingSystem.IsLinux() ? "needs Linux" : UnixFiles.EffectiveUserId != 0 ? "needs root to give a file to another user (chown); CI runs as root" : null;
    }
}
