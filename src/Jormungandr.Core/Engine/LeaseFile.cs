using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.IO;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Jormungandr.Engine;

/// <summary>
/// The server's address leases on disk, <c>&lt;state directory&gt;/leases</c> (mode 0600 in a 0700
/// directory), so clients keep their tunnel addresses across restarts. One lease per line:
/// <c>&lt;fingerprint&gt; &lt;IPv4&gt; &lt;IPv6 or -&gt; &lt;live or release time in Unix seconds&gt;</c>,
/// after a <c>jormungandr-leases 1</c> header. Saved atomically (temporary file, fsync, rename, fsync of
/// the directory), so a crash leaves the old file or the new one, never half of one. A file that is
/// malformed or larger than the limit is not fatal: it is renamed to <c>leases.corrupt</c>, logged, and
/// the server starts with no leases (clients then get new addresses, as without this file). A state
/// directory that cannot be created or read is an error at start.
/// </summary>
internal sealed class LeaseFile
{
    /// <summary>The file's name in the state directory.</summary>
    public const string FileName = "leases";

    /// <summary>Where a file that could not be read is moved.</summary>
    public const string CorruptFileName = "leases.corrupt";

    /// <summary>Most leases kept: more than any pool clients accept holds (a /16 has 65533 client addresses).</summary>
    public const int MaxEntries = 65536;

    /// <summary>Largest file read: <see cref="MaxEntries"/> of the longest line, plus the header.</summary>
    public const long MaxBytes = (MaxEntries * (long)MaxLineBytes) + 64;

    private const string Header = "jormungandr-leases 1";
    private const int MaxLineBytes = 160;
    private readonly ILogger _logger;

    /// <summary>Uses (and creates, mode 0700) <paramref name="directory"/>; SnekException when that fails.</summary>
    public LeaseFile(string directory, ILogger logger)
    {
        _logger = logger;
        Directory = directory;
        if (!OperatingSystem.IsLinux())
        {
            throw new SnekException("NeedsLinux", ErrorKind.ResourceUnavailable, "Tunnels run on Linux only.");
        }

        try
        {
            System.IO.Directory.CreateDirectory(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("StateDirectoryFailed", ErrorKind.PermissionDenied, $"Cannot create the state directory {directory}: {e.Message}", directory, e);
        }
    }

    /// <summary>The state directory.</summary>
    public string Directory { get; }

    /// <summary>Full path of the lease file.</summary>
    public string Path => System.IO.Path.Combine(Directory, FileName);

    /// <summary>
    /// The saved leases; empty when there is no file. A malformed or oversized file is moved aside and
    /// logged (empty result); a file that cannot be read at all is a SnekException.
    /// </summary>
    public List<PersistedLease> Load()
    {
        string text;
        try
        {
            using SafeFileHandle handle = RegularFile.OpenRead(Path, out FileStatus status);
            if (status.Length > MaxBytes)
            {
                return Reset($"it is {status.Length} bytes, more than the {MaxBytes} a lease file can have");
            }

            byte[] bytes = new byte[status.Length];
            int read = RandomAccess.Read(handle, bytes, 0);
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes, 0, read);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        catch (NotRegularFileException e)
        {
            throw new SnekException("LeaseFileInvalid", ErrorKind.InvalidData, $"{Path} must be a regular file: {e.Message}", Path, e);
        }
        catch (DecoderFallbackException)
        {
            return Reset("it is not UTF-8 text");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("LeaseFileUnreadable", ErrorKind.PermissionDenied, $"Cannot read {Path}: {e.Message}", Path, e);
        }

        try
        {
            return Parse(text);
        }
        catch (FormatException e)
        {
            return Reset(e.Message);
        }
    }

    /// <summary>Replaces the file atomically with <paramref name="leases"/>; SnekException when the disk refuses.</summary>
    public void Save(IReadOnlyCollection<PersistedLease> leases)
    {
        ArgumentNullException.ThrowIfNull(leases);
        var text = new StringBuilder(Header.Length + 1 + (leases.Count * 100));
        text.Append(Header).Append('\n');
        int written = 0;
        foreach (PersistedLease lease in leases)
        {
            if (++written > MaxEntries)
            {
                break;
            }

            text.Append(lease.Key).Append(' ').Append(lease.Address4).Append(' ')
                .Append(lease.Address6?.ToString() ?? "-").Append(' ')
                .Append(lease.ReleasedAt is DateTimeOffset at ? at.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture) : "live")
                .Append('\n');
        }

        try
        {
            IO.AtomicFile.Write(Path, Encoding.UTF8.GetBytes(text.ToString()), UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("LeaseFileWriteFailed", ErrorKind.ResourceUnavailable, $"Cannot save the address leases to {Path}: {e.Message}", Path, e);
        }
    }

    /// <summary>Parses a lease file; FormatException naming the line when anything is off.</summary>
    internal static List<PersistedLease> Parse(string text)
    {
        string[] lines = text.Split('\n');
        if (lines.Length == 0 || lines[0] != Header)
        {
            throw new FormatException($"line 1 is not '{Header}'");
        }

        var result = new List<PersistedLease>();
        var keys = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 && i == lines.Length - 1)
            {
                break; // the final newline
            }

            int number = i + 1;
            if (result.Count >= MaxEntries)
            {
                throw new FormatException($"more than {MaxEntries} leases");
            }

            string[] fields = line.Split(' ');
            if (fields.Length != 4)
            {
                throw new FormatException($"line {number} does not have 4 fields");
            }

            string key = fields[0];
            if (!key.StartsWith(Identity.Fingerprint.Prefix, StringComparison.Ordinal) || key.Length != Identity.Fingerprint.FullLength || !keys.Add(key))
            {
                throw new FormatException($"line {number} does not start with a new key fingerprint");
            }

            if (!IPAddress.TryParse(fields[1], out IPAddress? address4) || address4.AddressFamily != AddressFamily.InterNetwork)
            {
                throw new FormatException($"line {number}: '{fields[1]}' is not an IPv4 address");
            }

            IPAddress? address6 = null;
            if (fields[2] != "-" && (!IPAddress.TryParse(fields[2], out address6) || address6.AddressFamily != AddressFamily.InterNetworkV6))
            {
                throw new FormatException($"line {number}: '{fields[2]}' is not an IPv6 address or '-'");
            }

            DateTimeOffset? released = null;
            if (fields[3] != "live")
            {
                if (!long.TryParse(fields[3], NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) || seconds > 253402300799)
                {
                    throw new FormatException($"line {number}: '{fields[3]}' is neither 'live' nor a time in Unix seconds");
                }

                released = DateTimeOffset.FromUnixTimeSeconds(seconds);
            }

            result.Add(new PersistedLease(key, address4, address6, released));
        }

        return result;
    }

    private List<PersistedLease> Reset(string why)
    {
        string aside = System.IO.Path.Combine(Directory, CorruptFileName);
        try
        {
            File.Move(Path, aside, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("LeaseFileInvalid", ErrorKind.InvalidData, $"{Path} cannot be used ({why}) and cannot be moved aside: {e.Message}", Path, e);
        }

        _logger.LogWarning("Address leases reset: {Path} cannot be used ({Reason}); moved to {Aside}, clients get new addresses", Path, why, aside);
        return [];
    }
}
