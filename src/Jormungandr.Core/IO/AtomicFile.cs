using Jormungandr.Engine.Linux;
using Jormungandr.Interop;

namespace Jormungandr.IO;

/// <summary>
/// Replaces a file so a crash leaves either the old content or the new, never a mix: write a temporary
/// file beside it, fsync it, rename it over the target, fsync the directory (the rename is durable only
/// once the directory entry is on disk).
/// </summary>
internal static class AtomicFile
{
    /// <summary>Writes <paramref name="content"/> to <paramref name="path"/> with <paramref name="mode"/> (also when replacing a file of another mode).</summary>
    /// <exception cref="IOException">Writing, renaming or syncing failed; the temporary file is removed.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission.</exception>
    public static void Write(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        string full = Path.GetFullPath(path);
        string temporary = full + ".tmp";
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (var stream = new FileStream(temporary, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, mode); // the umask may have narrowed it
            }

            File.Move(temporary, full, overwrite: true);
            SyncDirectory(Path.GetDirectoryName(full)!);
        }
        catch
        {
            TryDelete(temporary);
            throw;
        }
    }

    /// <summary>The permission bits of a file (owner read and write where there are none).</summary>
    public static UnixFileMode ModeOf(string path) =>
        OperatingSystem.IsWindows() ? UnixFileMode.UserRead | UnixFileMode.UserWrite : File.GetUnixFileMode(path);

    /// <summary>Deletes a file if it exists; true when it is gone afterwards.</summary>
    public static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void SyncDirectory(string directory)
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        int fd = LibC.Open(directory, LibC.O_RDONLY_CLOEXEC);
        if (fd < 0)
        {
            throw new IOException($"Cannot open {directory} to sync it: {LibC.Describe(LibC.Errno)}");
        }

        try
        {
            if (LibC.Fsync(fd) != 0)
            {
                throw new IOException($"Cannot sync {directory}: {LibC.Describe(LibC.Errno)}");
            }
        }
        finally
        {
            _ = LibC.Close(fd);
        }
    }
}
