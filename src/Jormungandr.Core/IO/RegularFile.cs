using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Jormungandr.Interop;

namespace Jormungandr.IO;

/// <summary>
/// Opens files that must be regular files (keys, authorized keys, address files) for reading without ever
/// blocking on a FIFO or touching a device: the path is checked first (so a device is never even opened),
/// then opened with <c>O_NONBLOCK | O_NOCTTY</c>, and the kind, mode, owner and size are taken from the
/// open descriptor (<c>statx</c> with <c>AT_EMPTY_PATH</c>), so what is checked is what is read: no
/// check-then-open race. <c>statx</c> has one layout on every architecture (unlike <c>struct stat</c>).
/// On systems other than Linux it falls back to a plain open with no kind or owner check.
/// </summary>
internal static partial class RegularFile
{
    // Linux open(2) flags; identical on x86_64, arm64, arm and riscv64 (they differ only on alpha/mips/sparc/parisc).
    private const int ORdOnly = 0;
    private const int ONoCtty = 0x100;
    private const int ONonBlock = 0x800;
    private const int OCloExec = 0x80000;

    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxType = 0x1;
    private const uint StatxMode = 0x2;
    private const uint StatxUid = 0x8;
    private const uint StatxSize = 0x200;
    private const uint StatxWanted = StatxType | StatxMode | StatxUid | StatxSize;
    private const int StatxBufferSize = 256; // sizeof(struct statx), fixed by the kernel ABI

    private const int EPerm = 1;
    private const int ENoEnt = 2;
    private const int EIntr = 4;
    private const int EAcces = 13;
    private const int ENotDir = 20;

    /// <summary>
    /// Opens <paramref name="path"/> (symbolic links followed) for reading if it is a regular file, and
    /// returns its status as seen on the open descriptor.
    /// </summary>
    /// <exception cref="NotRegularFileException">It is a FIFO, device, socket or directory (never read).</exception>
    /// <exception cref="FileNotFoundException">It does not exist.</exception>
    /// <exception cref="DirectoryNotFoundException">A directory on the way does not exist.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission.</exception>
    /// <exception cref="IOException">Any other failure.</exception>
    public static SafeFileHandle OpenRead(string path, out FileStatus status)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!OperatingSystem.IsLinux())
        {
            if (Directory.Exists(path))
            {
                throw new NotRegularFileException(path, FileKind.Directory);
            }

            SafeFileHandle plain = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            UnixFileMode mode = OperatingSystem.IsWindows() ? default : File.GetUnixFileMode(plain);
            status = new FileStatus(FileKind.Regular, mode, null, RandomAccess.GetLength(plain));
            return plain;
        }

        // First by path, so that a device is refused without being opened (opening some has side effects).
        FileStatus before = StatusOfPath(path);
        if (before.Kind != FileKind.Regular)
        {
            throw new NotRegularFileException(path, before.Kind);
        }

        int fd;
        int attempts = 0;
        do
        {
            fd = LibC.Open(path, ORdOnly | ONonBlock | ONoCtty | OCloExec);
        }
        while (fd < 0 && Marshal.GetLastPInvokeError() == EIntr && ++attempts < 8);

        if (fd < 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), path);
        }

        var handle = new SafeFileHandle(fd, ownsHandle: true);
        try
        {
            // Authoritative: the path may have been replaced (by a FIFO, or a file of another owner) since the check above.
            status = StatusOfDescriptor(fd, path);
            if (status.Kind != FileKind.Regular)
            {
                throw new NotRegularFileException(path, status.Kind);
            }

            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The status of <paramref name="path"/> (symbolic links followed), without opening it. Linux only.</summary>
    /// <exception cref="IOException">As <see cref="OpenRead"/>, but never <see cref="NotRegularFileException"/>.</exception>
    public static FileStatus StatusOfPath(string path) => Statx(AtFdCwd, path, 0, path);

    private static FileStatus StatusOfDescriptor(int fd, string path) => Statx(fd, string.Empty, AtEmptyPath, path);

    private static unsafe FileStatus Statx(int dirFd, string path, int flags, string forMessages)
    {
        byte* buffer = stackalloc byte[StatxBufferSize];
        new Span<byte>(buffer, StatxBufferSize).Clear();
        int result;
        try
        {
            result = LibC.Statx(dirFd, path, flags, StatxWanted, buffer);
        }
        catch (EntryPointNotFoundException e)
        {
            throw new IOException($"Cannot check '{forMessages}': this C library has no statx (needs glibc 2.28 or musl 1.2.5).", e);
        }

        if (result != 0)
        {
            throw ErrorFor(Marshal.GetLastPInvokeError(), forMessages);
        }

        // struct statx: stx_mask u32 @0, stx_uid u32 @20, stx_mode u16 @28, stx_size u64 @40.
        var bytes = new ReadOnlySpan<byte>(buffer, StatxBufferSize);
        uint mask = BitConverter.ToUInt32(bytes);
        if ((mask & StatxWanted) != StatxWanted)
        {
            throw new IOException($"Cannot check '{forMessages}': the file system did not report its type, mode, owner and size.");
        }

        uint uid = BitConverter.ToUInt32(bytes[20..]);
        ushort mode = BitConverter.ToUInt16(bytes[28..]);
        ulong size = BitConverter.ToUInt64(bytes[40..]);
        return new FileStatus(FileStatus.KindOf(mode), (UnixFileMode)(mode & 0xFFF), uid, (long)Math.Min(size, long.MaxValue));
    }

    private static Exception ErrorFor(int errno, string path)
    {
        string reason = Marshal.GetPInvokeErrorMessage(errno);
        return errno switch
        {
            ENoEnt => new FileNotFoundException($"Could not find file '{path}'.", path),
            ENotDir => new DirectoryNotFoundException($"Could not find a part of the path '{path}'."),
            EAcces or EPerm => new UnauthorizedAccessException($"Access to the path '{path}' is denied."),
            _ => new IOException($"{reason} ('{path}')"),
        };
    }
}
