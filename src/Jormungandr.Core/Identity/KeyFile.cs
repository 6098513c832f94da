using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.IO;
using Microsoft.Win32.SafeHandles;

namespace Jormungandr.Identity;

/// <summary>
/// Reads and writes key files: bounded reads of regular files only (a FIFO or device is refused, never
/// read) that check size, mode and owner on the open handle (no stat/read race), the ssh-style permission
/// and ownership checks for private keys, and atomic writes (temp file with the final mode, then rename).
/// </summary>
internal static class KeyFile
{
    /// <summary>Extension of public key files.</summary>
    public const string PublicExtension = ".pub";

    /// <summary>Extension of private key files.</summary>
    public const string PrivateExtension = ".priv";

    /// <summary>Largest private key file read (an armored key is about 5.6 KB).</summary>
    public const int MaxPrivateFileSize = 64 * 1024;

    /// <summary>Mode of private key files: owner read/write only.</summary>
    public const UnixFileMode PrivateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Mode of public key files: 0644.</summary>
    public const UnixFileMode PublicMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>The public key path that belongs to a private key path: <c>x.priv</c> → <c>x.pub</c>.</summary>
    public static string PublicPathFor(string privatePath) =>
        privatePath.EndsWith(PrivateExtension, StringComparison.Ordinal)
            ? privatePath[..^PrivateExtension.Length] + PublicExtension
            : privatePath + PublicExtension;

    /// <summary>The private key path that belongs to a public key path: <c>x.pub</c> → <c>x.priv</c>.</summary>
    public static string PrivatePathFor(string publicPath) =>
        publicPath.EndsWith(PublicExtension, StringComparison.Ordinal)
            ? publicPath[..^PublicExtension.Length] + PrivateExtension
            : publicPath + PrivateExtension;

    /// <summary>Reads a raw public key of exactly <paramref name="expectedLength"/> bytes.</summary>
    /// <exception cref="SnekException">Missing, unreadable, or the wrong size.</exception>
    public static byte[] ReadPublicKey(string path, int expectedLength)
    {
        using SafeFileHandle handle = Open(path, "public key", out FileStatus status);
        long length = status.Length;
        if (length != expectedLength)
        {
            throw new SnekException(
                CertificateErrorIds.InvalidLength,
                ErrorKind.InvalidData,
                $"'{path}' is not an ML-DSA-65 public key: it has {length} bytes, expected {expectedLength}.",
                path);
        }

        byte[] key = new byte[expectedLength];
        ReadExactly(handle, key, path);
        return key;
    }

    /// <summary>
    /// Reads a private key file (raw or armored) after checking its owner and permissions. The caller zeroes the result.
    /// </summary>
    /// <exception cref="SnekException">Missing, not a regular file, owned by someone else, too open, unreadable, or too large.</exception>
    public static byte[] ReadPrivateFile(string path) => ReadPrivateFile(path, checkAccess: true, out _);

    /// <summary>
    /// Reads a private key file; with <paramref name="checkAccess"/> false the owner and permission checks
    /// (<see cref="CheckPrivateAccess"/>) are left to the caller, which gets the status of the file as read
    /// in <paramref name="status"/>. The caller zeroes the result.
    /// </summary>
    public static byte[] ReadPrivateFile(string path, bool checkAccess, out FileStatus status)
    {
        using SafeFileHandle handle = Open(path, "private key", out status);
        if (checkAccess)
        {
            CheckPrivateAccess(status, path);
        }

        long length = status.Length;
        if (length > MaxPrivateFileSize)
        {
            throw new SnekException(
                CertificateErrorIds.InvalidLength,
                ErrorKind.InvalidData,
                $"'{path}' is not an ML-DSA-65 private key: it has {length} bytes, expected {SnekIdentity.SecretKeySize} (raw) or an armored encrypted key.",
                path);
        }

        byte[] content = new byte[length];
        ReadExactly(handle, content, path);
        return content;
    }

    /// <summary>
    /// The checks before a private key is used: owned by the current user or root
    /// (<see cref="CheckPrivateOwner"/>), then not accessible by group or others (<see cref="CheckPrivateMode"/>).
    /// Nothing is checked on Windows.
    /// </summary>
    public static void CheckPrivateAccess(FileStatus status, string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        if (status.OwnerId is uint owner && UnixUser.EffectiveId is uint current)
        {
            CheckPrivateOwner(owner, current, path);
        }

        CheckPrivateMode(status.Mode, path);
    }

    /// <summary>
    /// Throws <see cref="CertificateErrorIds.WrongOwner"/> when the file belongs to neither
    /// <paramref name="currentUserId"/> nor root: another user could have planted it (or still rewrite it),
    /// so the identity it holds is not this user's. As ssh requires of its configuration files.
    /// </summary>
    public static void CheckPrivateOwner(uint ownerId, uint currentUserId, string path)
    {
        if (ownerId != currentUserId && ownerId != UnixUser.RootId)
        {
            throw new SnekException(
                CertificateErrorIds.WrongOwner,
                ErrorKind.PermissionDenied,
                $"Bad owner for '{path}': it belongs to uid {ownerId}, but snek runs as uid {currentUserId}. A private key must be owned by the user who loads it or by root (chown {currentUserId} '{path}').",
                path);
        }
    }

    /// <summary>The permission bits of a file (Unix), for messages and checks.</summary>
    public static string FormatMode(UnixFileMode mode) =>
        Convert.ToString((int)mode & 0xFFF, 8).PadLeft(4, '0');

    /// <summary>
    /// Throws <see cref="CertificateErrorIds.PermissionsTooOpen"/> when group or others have any access,
    /// as ssh does for identity files.
    /// </summary>
    public static void CheckPrivateMode(UnixFileMode mode, string path)
    {
        if ((mode & GroupOrOther) != 0)
        {
            throw new SnekException(
                CertificateErrorIds.PermissionsTooOpen,
                ErrorKind.PermissionDenied,
                $"Permissions {FormatMode(mode)} for '{path}' are too open. It is required that your private key files are NOT accessible by others (chmod 600 '{path}').",
                path);
        }
    }

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="path"/> atomically: a temp file in the same
    /// directory created with <paramref name="mode"/> (so the bytes are never readable by others), flushed, then renamed.
    /// </summary>
    /// <exception cref="SnekException"><see cref="CertificateErrorIds.Exists"/> when the file exists and not <paramref name="overwrite"/>.</exception>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content, UnixFileMode mode, bool overwrite)
    {
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full) ?? ".";
        string temp = Path.Combine(directory, "." + Path.GetFileName(full) + "." + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6)) + ".tmp");
        try
        {
            FileStreamOptions options = new() { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = mode;
            }

            using (FileStream stream = new(temp, options))
            {
                stream.Write(content);
                stream.Flush(flushToDisk: true);
            }

            if (!overwrite && File.Exists(full))
            {
                throw Exists(full);
            }

            File.Move(temp, full, overwrite);
        }
        catch (IOException) when (!overwrite && File.Exists(full))
        {
            throw Exists(full);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SnekException(CertificateErrorIds.AccessDenied, ErrorKind.PermissionDenied, $"Cannot write '{full}': permission denied.", full, ex);
        }
        catch (IOException ex)
        {
            throw new SnekException(CertificateErrorIds.IOError, ErrorKind.NotSpecified, $"Cannot write '{full}': {ex.Message}", full, ex);
        }
        finally
        {
            try
            {
                File.Delete(temp);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>The error for a key file that exists and may not be overwritten.</summary>
    public static SnekException Exists(string path) => new(
        CertificateErrorIds.Exists,
        ErrorKind.ResourceExists,
        $"'{path}' already exists; use --force (-Force) to overwrite it.",
        path);

    private static SafeFileHandle Open(string path, string what, out FileStatus status)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            // Regular files only, opened non-blocking: a FIFO named like a key would hang the open and a
            // device would feed garbage (or never end).
            return RegularFile.OpenRead(path, out status);
        }
        catch (NotRegularFileException ex)
        {
            throw new SnekException(CertificateErrorIds.InvalidPath, ErrorKind.InvalidArgument, $"'{path}' is {FileStatus.Describe(ex.Kind)}, not a {what} file.", path, ex);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SnekException(CertificateErrorIds.NotFound, ErrorKind.ObjectNotFound, $"The {what} file '{path}' does not exist.", path, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new SnekException(CertificateErrorIds.AccessDenied, ErrorKind.PermissionDenied, $"Cannot read '{path}': permission denied.", path, ex);
        }
        catch (IOException ex)
        {
            throw new SnekException(CertificateErrorIds.IOError, ErrorKind.NotSpecified, $"Cannot read '{path}': {ex.Message}", path, ex);
        }
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, string path)
    {
        try
        {
            int total = 0;
            while (total < buffer.Length)
            {
                int n = RandomAccess.Read(handle, buffer[total..], total);
                if (n == 0)
                {
                    throw new SnekException(CertificateErrorIds.InvalidLength, ErrorKind.InvalidData, $"'{path}' changed while being read.", path);
                }

                total += n;
            }
        }
        catch (IOException ex)
        {
            throw new SnekException(CertificateErrorIds.IOError, ErrorKind.NotSpecified, $"Cannot read '{path}': {ex.Message}", path, ex);
        }
    }
}
