using System.Net;
using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Identity;
using Jormungandr.IO;
using Jormungandr.Tunnel;

namespace Jormungandr.Provisioning;

/// <summary>
/// The server's authorized-keys directory seen as named clients: <c>NAME.pub</c> (the key, which is
/// what authorizes), <c>NAME.addr</c> (static tunnel addresses, read by the server) and
/// <c>NAME.networks</c> (networks behind the client, one CIDR a line, recorded for routing).
/// Names are file-name safe, so a name can never reach outside the directory.
/// </summary>
internal sealed class ClientDirectory(string path)
{
    private const int MaxClients = 65536;
    private const int MaxNetworksFileBytes = 64 * 1024;

    public string Path { get; } = System.IO.Path.GetFullPath(path);

    public string KeyFile(string name) => System.IO.Path.Combine(Path, name + ".pub");

    public string AddressFile(string name) => System.IO.Path.Combine(Path, name + ".addr");

    public string NetworksFile(string name) => System.IO.Path.Combine(Path, name + ".networks");

    /// <summary>Throws InvalidArgument unless <paramref name="name"/> is 1 to 64 of <c>A-Z a-z 0-9 . _ -</c>, not starting with a dot.</summary>
    public static void CheckName(string name)
    {
        if (string.IsNullOrEmpty(name) || name.Length > 64 || name[0] == '.' || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'))
        {
            throw new SnekException("InvalidClientName", ErrorKind.InvalidArgument,
                $"'{name}' is not a client name: use 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'.", name);
        }
    }

    public void RequireExists()
    {
        if (!Directory.Exists(Path))
        {
            throw new SnekException("AuthorizedKeysNotFound", ErrorKind.ObjectNotFound, $"Authorized keys directory {Path} does not exist.", Path);
        }
    }

    /// <summary>Static addresses as the server reads them: one IPv4 and optionally one IPv6 address.</summary>
    public static (IPAddress V4, IPAddress? V6)? CheckAddresses(IReadOnlyList<string> addresses)
    {
        if (addresses.Count == 0)
        {
            return null;
        }

        Lease lease = AuthorizedKeys.ParseStaticLease(string.Join(' ', addresses), "Address");
        return (lease.Address4, lease.Address6);
    }

    /// <summary>Networks in CIDR form, at most 256, in canonical form.</summary>
    public static IReadOnlyList<string> CheckNetworks(IReadOnlyList<string> networks)
    {
        if (networks.Count > 256)
        {
            throw OptionChecks.Invalid("Network", "At most 256 networks are allowed.");
        }

        return [.. networks.Select(n => OptionChecks.Network(n, "Network").ToString())];
    }

    /// <summary>The client called <paramref name="name"/>, or null when it has no key here.</summary>
    public SnekClient? Find(string name)
    {
        string key = KeyFile(name);
        if (!File.Exists(key))
        {
            return null;
        }

        using SnekIdentity id = SnekIdentity.LoadPublic(key);
        Lease? lease = AuthorizedKeys.ReadStaticLease(AddressFile(name));
        return new SnekClient
        {
            Name = name,
            Fingerprint = id.Fingerprint,
            ShortFingerprint = id.ShortFingerprint,
            Addresses = lease is null ? [] : lease.Address6 is null ? [lease.Address4.ToString()] : [lease.Address4.ToString(), lease.Address6.ToString()],
            Networks = ReadNetworks(name),
            AuthorizedKeysPath = Path,
        };
    }

    /// <summary>Every client, by name; a bad entry is reported through <paramref name="skip"/> and left out.</summary>
    public IEnumerable<SnekClient> List(Action<string, SnekException> skip)
    {
        RequireExists();
        string[] keys = Directory.GetFiles(Path, "*.pub");
        Array.Sort(keys, StringComparer.Ordinal);
        foreach (string key in keys.Take(MaxClients))
        {
            string name = System.IO.Path.GetFileNameWithoutExtension(key);
            SnekClient? client = null;
            try
            {
                client = Find(name);
            }
            catch (SnekException e)
            {
                skip(name, e);
            }

            if (client is not null)
            {
                yield return client;
            }
        }
    }

    private IReadOnlyList<string> ReadNetworks(string name)
    {
        string file = NetworksFile(name);
        try
        {
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = RegularFile.OpenRead(file, out FileStatus status);
            if (status.Length > MaxNetworksFileBytes)
            {
                throw new SnekException("BadNetworksFile", ErrorKind.InvalidData, $"{file} is larger than {MaxNetworksFileBytes} bytes.", file);
            }

            byte[] buffer = new byte[status.Length];
            int total = 0, n;
            while (total < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0)
            {
                total += n;
            }

            string[] lines = [.. System.Text.Encoding.UTF8.GetString(buffer, 0, total).Split('\n')
                .Select(l => (l.Contains('#', StringComparison.Ordinal) ? l[..l.IndexOf('#', StringComparison.Ordinal)] : l).Trim())
                .Where(l => l.Length > 0)];
            try
            {
                return CheckNetworks(lines);
            }
            catch (SnekException e)
            {
                throw new SnekException("BadNetworksFile", ErrorKind.InvalidData, $"{file}: {e.Message}", file, e);
            }
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return [];
        }
        catch (NotRegularFileException e)
        {
            throw new SnekException("BadNetworksFile", ErrorKind.InvalidData, $"{file}: {e.Message}", file, e);
        }
    }

    /// <summary>The text of a static-address file.</summary>
    public static string AddressText((IPAddress V4, IPAddress? V6) addresses) =>
        addresses.V6 is null ? addresses.V4 + "\n" : $"{addresses.V4} {addresses.V6}\n";

    /// <summary>The text of a networks file.</summary>
    public static string NetworksText(IReadOnlyList<string> networks) => string.Concat(networks.Select(n => n + "\n"));
}
