namespace Jormungandr.IO;

/// <summary>What kind of file system object a file is (the <c>S_IFMT</c> bits of its mode).</summary>
internal enum FileKind
{
    /// <summary>A regular file: the only kind key and configuration files may be.</summary>
    Regular,

    /// <summary>A directory.</summary>
    Directory,

    /// <summary>A named pipe: reading it blocks until a writer comes, and then reads whatever it writes.</summary>
    Fifo,

    /// <summary>A character device (e.g. <c>/dev/zero</c>, a tty).</summary>
    CharacterDevice,

    /// <summary>A block device.</summary>
    BlockDevice,

    /// <summary>A Unix socket.</summary>
    Socket,

    /// <summary>A symbolic link (only seen when links are not followed).</summary>
    SymbolicLink,

    /// <summary>Anything else.</summary>
    Other,
}

/// <summary>
/// The status of a file as the kernel reports it for an open descriptor (or a path): its kind, permission
/// bits, owner and size. <see cref="OwnerId"/> is null where it is not known (not Linux).
/// </summary>
internal readonly record struct FileStatus(FileKind Kind, UnixFileMode Mode, uint? OwnerId, long Length)
{
    /// <summary>A lower-case name of a kind for messages ("a FIFO", "a directory").</summary>
    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.SymbolicLink => "a symbolic link",
        _ => "not a regular file",
    };

    /// <summary>The kind encoded in a <c>st_mode</c>/<c>stx_mode</c> value.</summary>
    public static FileKind KindOf(int mode) => (mode & 0xF000) switch
    {
        0x8000 => FileKind.Regular,
        0x4000 => FileKind.Directory,
        0x1000 => FileKind.Fifo,
        0x2000 => FileKind.CharacterDevice,
        0x6000 => FileKind.BlockDevice,
        0xC000 => FileKind.Socket,
        0xA000 => FileKind.SymbolicLink,
        _ => FileKind.Other,
    };
}
