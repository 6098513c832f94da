using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using Jormungandr.Commands;
using Jormungandr.IO;
using Jormungandr.Identity;
using Jormungandr.Protocol;
using Microsoft.Extensions.Logging;
using Microsoft.Win32.SafeHandles;

namespace Jormungandr.Engine;

/// <summary>An authorized client key.</summary>
internal sealed record AuthorizedKey(string Name, string Fingerprint, byte[] PublicKey, Lease? StaticLease)
{
    /// <summary>Networks behind this client (<c>NAME.networks</c>): routed to it, and accepted as inner sources from it only.</summary>
    public IReadOnlyList<IPNetwork> Networks { get; init; } = [];
}

/// <summary>
/// The server's authorized client keys: every <c>*.pub</c> in a directory (name = file name without
/// <c>.pub</c>), re-read when the directory changes (<see cref="Refresh"/> compares names, sizes and
/// modification times, so it is cheap to call on every change of the directory). An optional <c>&lt;name&gt;.addr</c>
/// beside a key holds its static tunnel addresses: one IPv4 and optionally one IPv6 address,
/// whitespace-separated, <c>#</c> comments. A bad file is skipped with a warning, never fatal. Only
/// regular files are read, with bounded sizes: a FIFO, device or socket named <c>*.pub</c> or
/// <c>*.addr</c> (or a link to one) is refused without a blocking open, so it cannot stall the reload loop.
/// </summary>
internal sealed class AuthorizedKeys : IPeerKeyPolicy
{
    private const int MaxKeys = 65536;
    private const int MaxAddrFileBytes = 4096;
    private readonly string _directory;
    private readonly ILogger _logger;
    private volatile Dictionary<string, AuthorizedKey> _byFingerprint = new(StringComparer.Ordinal);
    private string _signature = "";

    // What each key file held at the last reload, by its and its .addr file's name, size and time: a
    // reload re-reads only the files that changed, so adding one client to thousands parses one key.
    private Dictionary<string, CachedKey> _cache = new(StringComparer.Ordinal);

    private sealed record CachedKey(FileStamp Key, FileStamp Addr, FileStamp Networks, AuthorizedKey Entry);

    private readonly record struct FileStamp(long Length, long Ticks);

    private static readonly FileStamp Absent = new(-1, -1);

    public AuthorizedKeys(string directory, ILogger logger)
    {
        if (!Directory.Exists(directory))
        {
            throw new SnekException("AuthorizedKeysNotFound", ErrorKind.ObjectNotFound, $"Authorized keys directory {directory} does not exist.", directory);
        }

        _directory = directory;
        _logger = logger;
        Refresh();
    }

    /// <summary>How many key files the last reload read (the others were unchanged and kept).</summary>
    internal int ParsedOnLastReload { get; private set; }

    /// <summary>Number of keys loaded.</summary>
    public int Count => _byFingerprint.Count;

    /// <summary>All keys, by fingerprint.</summary>
    public IReadOnlyDictionary<string, AuthorizedKey> Keys => _byFingerprint;

    /// <inheritdoc />
    public bool IsAcceptable(ReadOnlySpan<byte> publicKey) => Find(publicKey) is not null;

    /// <summary>The authorized entry for a public key, or null.</summary>
    public AuthorizedKey? Find(ReadOnlySpan<byte> publicKey)
    {
        AuthorizedKey? key = _byFingerprint.GetValueOrDefault(Identity.Fingerprint.Of(publicKey));
        return key is not null && CryptographicOperations.FixedTimeEquals(key.PublicKey, publicKey) ? key : null;
    }

    /// <summary>
    /// Re-reads the directory when anything in it changed (or always, with <paramref name="force"/>: an
    /// edit that kept a file's size and time is invisible to the cheap check); true when the set was reloaded.
    /// </summary>
    public bool Refresh(bool force = false)
    {
        string signature;
        string[] files;
        Dictionary<string, FileStamp> stamps;
        try
        {
            files = Directory.GetFiles(_directory);
            Array.Sort(files, StringComparer.Ordinal);
            var sig = new System.Text.StringBuilder();
            stamps = new Dictionary<string, FileStamp>(files.Length, StringComparer.Ordinal);
            foreach (string f in files)
            {
                var info = new FileInfo(f);
                long ticks = info.LastWriteTimeUtc.Ticks;
                sig.Append(info.Name).Append('|').Append(info.Length).Append('|').Append(ticks).Append('\n');
                stamps[info.Name] = new FileStamp(info.Length, ticks);
            }

            signature = sig.ToString();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _logger.LogWarning("Cannot read authorized keys directory {Directory}: {Reason}", _directory, e.Message);
            return false;
        }

        if (signature == _signature && !force)
        {
            return false;
        }

        var next = new Dictionary<string, AuthorizedKey>(StringComparer.Ordinal);
        var cache = new Dictionary<string, CachedKey>(StringComparer.Ordinal);
        int parsed = 0;
        foreach (string file in files)
        {
            if (!file.EndsWith(".pub", StringComparison.Ordinal) || next.Count >= MaxKeys)
            {
                continue;
            }

            string name = Path.GetFileNameWithoutExtension(file);
            FileStamp keyStamp = stamps.GetValueOrDefault(name + ".pub", Absent);
            FileStamp addrStamp = stamps.GetValueOrDefault(name + ".addr", Absent);
            FileStamp networksStamp = stamps.GetValueOrDefault(name + ".networks", Absent);

            // A forced reload re-reads everything: an edit that kept size and time is invisible to the stamp.
            if (!force && _cache.TryGetValue(name, out CachedKey? cached) && cached.Key == keyStamp && cached.Addr == addrStamp && cached.Networks == networksStamp)
            {
                next[cached.Entry.Fingerprint] = cached.Entry;
                cache[name] = cached;
                continue;
            }

            try
            {
                parsed++;
                using SnekIdentity id = SnekIdentity.LoadPublic(file);
                Lease? lease = ReadStaticLease(Path.Combine(_directory, name + ".addr"));
                IReadOnlyList<IPNetwork> networks = ReadNetworks(Path.Combine(_directory, name + ".networks"));
                var key = new AuthorizedKey(name, id.Fingerprint, id.PublicKey, lease) { Networks = networks };
                next[id.Fingerprint] = key;
                cache[name] = new CachedKey(keyStamp, addrStamp, networksStamp, key);
            }
            catch (SnekException e)
            {
                _logger.LogWarning("Skipping authorized key {File}: {Reason}", file, e.Message);
            }
        }

        _byFingerprint = next;
        _cache = cache;
        _signature = signature;
        ParsedOnLastReload = parsed;
        _logger.LogInformation("Loaded {Count} authorized client keys from {Directory}", next.Count, _directory);
        return true;
    }

    /// <summary>
    /// Parses a static-address file; null when absent. Throws SnekException (InvalidData) when malformed,
    /// larger than 4 KiB, unreadable, or not a regular file (never opened blocking, see <see cref="RegularFile"/>).
    /// </summary>
    internal static Lease? ReadStaticLease(string path) =>
        ReadSmallFile(path, "BadStaticAddressFile") is string text ? ParseStaticLease(text, path) : null;

    /// <summary>
    /// Parses a networks file (networks behind a client, one CIDR a line, <c>#</c> comments); empty when
    /// absent. Throws SnekException (InvalidData) when malformed, too large, or not a regular file.
    /// </summary>
    internal static IReadOnlyList<IPNetwork> ReadNetworks(string path) =>
        ReadSmallFile(path, "BadNetworksFile") is string text ? ParseNetworks(text, path) : [];

    /// <summary>Parses the text of a networks file: at most 256 networks, host bits zero, no default route.</summary>
    internal static IReadOnlyList<IPNetwork> ParseNetworks(string text, string what)
    {
        var networks = new List<IPNetwork>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }

            if (!IPNetwork.TryParse(line, out IPNetwork network) || network.PrefixLength == 0)
            {
                throw new SnekException("BadNetworksFile", ErrorKind.InvalidData, $"{what}: '{line}' is not a network in CIDR form (a default route cannot be behind a client).", what);
            }

            if (networks.Count == 256)
            {
                throw new SnekException("BadNetworksFile", ErrorKind.InvalidData, $"{what}: at most 256 networks.", what);
            }

            networks.Add(network);
        }

        return networks;
    }

    // The whole of a small regular file (never opened blocking, see RegularFile); null when absent.
    private static string? ReadSmallFile(string path, string errorId)
    {
        SafeFileHandle handle;
        FileStatus status;
        try
        {
            handle = RegularFile.OpenRead(path, out status);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (NotRegularFileException e)
        {
            throw new SnekException(errorId, ErrorKind.InvalidData, $"{path} is {FileStatus.Describe(e.Kind)}, not a regular file.", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SnekException(errorId, ErrorKind.InvalidData, $"Cannot read {path}: {e.Message}", path, e);
        }

        using (handle)
        {
            // The size comes from the open descriptor, so a file grown after the check is still read only up to the bound.
            if (status.Length > MaxAddrFileBytes)
            {
                throw new SnekException(errorId, ErrorKind.InvalidData, $"{path} is larger than {MaxAddrFileBytes} bytes.", path);
            }

            byte[] buffer = new byte[status.Length];
            int total = 0;
            try
            {
                int n;
                while (total < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0)
                {
                    total += n;
                }
            }
            catch (IOException e)
            {
                throw new SnekException(errorId, ErrorKind.InvalidData, $"Cannot read {path}: {e.Message}", path, e);
            }

            return System.Text.Encoding.UTF8.GetString(buffer, 0, total).TrimStart('\uFEFF');
        }
    }

    /// <summary>Parses the text of a static-address file.</summary>
    internal static Lease ParseStaticLease(string text, string what)
    {
        IPAddress? v4 = null;
        IPAddress? v6 = null;
        foreach (string rawLine in text.Split('\n'))
        {
            string line = rawLine;
            int hash = line.IndexOf('#', StringComparison.Ordinal);
            if (hash >= 0)
            {
                line = line[..hash];
            }

            foreach (string token in line.Split([' ', '\t', '\r'], StringSplitOptions.RemoveEmptyEntries))
            {
                if (!IPAddress.TryParse(token, out IPAddress? address) || token.Contains('%', StringComparison.Ordinal) || token.Contains('/', StringComparison.Ordinal))
                {
                    throw new SnekException("BadStaticAddressFile", ErrorKind.InvalidData, $"{what}: '{token}' is not an IP address.", what);
                }

                if (address.AddressFamily == AddressFamily.InterNetwork && v4 is null)
                {
                    v4 = address;
                }
                else if (address.AddressFamily == AddressFamily.InterNetworkV6 && v6 is null)
                {
                    v6 = address;
                }
                else
                {
                    throw new SnekException("BadStaticAddressFile", ErrorKind.InvalidData, $"{what}: at most one IPv4 and one IPv6 address.", what);
                }
            }
        }

        if (v4 is null)
        {
            throw new SnekException("BadStaticAddressFile", ErrorKind.InvalidData, $"{what}: an IPv4 address is required.", what);
        }

        return new Lease(v4, v6);
    }
}
