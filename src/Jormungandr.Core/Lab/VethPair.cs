using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Lab;

/// <summary>
/// A veth pair created directly inside two lab namespaces (it never appears in the host namespace),
/// each end addressed and up. Addresses must pass <see cref="LabAddressPolicy"/> (198.18.0.0/16 underlay
/// by convention). Deleting either namespace also deletes the pair; <see cref="Dispose"/> deletes it
/// explicitly, is idempotent and never throws.
/// </summary>
public sealed class VethPair : IDisposable
{
    private static int s_counter;
    private int _disposed;

    private VethPair(NetworkNamespace namespaceA, string nameA, IPAddress addressA, NetworkNamespace namespaceB, string nameB, IPAddress addressB, int prefixLength)
    {
        NamespaceA = namespaceA;
        NameA = nameA;
        AddressA = addressA;
        NamespaceB = namespaceB;
        NameB = nameB;
        AddressB = addressB;
        PrefixLength = prefixLength;
    }

    /// <summary>The namespace holding end A.</summary>
    public NetworkNamespace NamespaceA { get; }

    /// <summary>Interface name of end A (at most 15 characters).</summary>
    public string NameA { get; }

    /// <summary>The address on end A.</summary>
    public IPAddress AddressA { get; }

    /// <summary>The namespace holding end B.</summary>
    public NetworkNamespace NamespaceB { get; }

    /// <summary>Interface name of end B.</summary>
    public string NameB { get; }

    /// <summary>The address on end B.</summary>
    public IPAddress AddressB { get; }

    /// <summary>Prefix length of both addresses.</summary>
    public int PrefixLength { get; }

    /// <summary>
    /// Creates the pair between <paramref name="namespaceA"/> and <paramref name="namespaceB"/>, gives
    /// each end its address/prefix (and MTU if given) and sets both up.
    /// </summary>
    /// <exception cref="ArgumentException">An address is outside the lab ranges, the families differ, or they are equal.</exception>
    /// <exception cref="Commands.SnekException">An <c>ip</c> command failed.</exception>
    public static VethPair Create(NetworkNamespace namespaceA, IPAddress addressA, NetworkNamespace namespaceB, IPAddress addressB, int prefixLength = 24, int? mtu = null)
    {
        ArgumentNullException.ThrowIfNull(namespaceA);
        ArgumentNullException.ThrowIfNull(namespaceB);
        ValidatePair(addressA, addressB, prefixLength);
        if (mtu is { } m)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(m, 1280, nameof(mtu));
            ArgumentOutOfRangeException.ThrowIfGreaterThan(m, 65535, nameof(mtu));
        }

        // Names only need to be unique inside each namespace, but unique per process keeps logs clear:
        // "sv" + pid (hex, <= 6) + counter (hex) + a/b stays within IFNAMSIZ-1 = 15.
        string stem = string.Create(CultureInfo.InvariantCulture,
            $"sv{Environment.ProcessId:x}{Interlocked.Increment(ref s_counter) & 0xfff:x}");
        string nameA = stem + "a";
        string nameB = stem + "b";
        ProcessRunner.Run("ip", ["link", "add", "name", nameA, "netns", namespaceA.Name, "type", "veth",
            "peer", "name", nameB, "netns", namespaceB.Name]).EnsureSuccess();
        var pair = new VethPair(namespaceA, nameA, addressA, namespaceB, nameB, addressB, prefixLength);
        try
        {
            Configure(namespaceA, nameA, addressA, prefixLength, mtu);
            Configure(namespaceB, nameB, addressB, prefixLength, mtu);
            return pair;
        }
        catch
        {
            pair.Dispose();
            throw;
        }
    }

    /// <summary>Adds a second pair of addresses (e.g. IPv6 in fd00:5ec::/64), checked by the same rules.</summary>
    public void AddAddresses(IPAddress addressA, IPAddress addressB, int prefixLength)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        ValidatePair(addressA, addressB, prefixLength);
        AddAddress(NamespaceA, NameA, addressA, prefixLength);
        AddAddress(NamespaceB, NameB, addressB, prefixLength);
    }

    /// <summary>Deletes the pair (both ends go together). Idempotent; never throws.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (NamespaceA.Exists)
        {
            try
            {
                // Failure means it is already gone (e.g. the namespace was deleted first).
                _ = ProcessRunner.Run("ip", ["-n", NamespaceA.Name, "link", "del", NameA]);
            }
            catch (Commands.SnekException)
            {
            }
        }
    }

    private static void ValidatePair(IPAddress addressA, IPAddress addressB, int prefixLength)
    {
        LabAddressPolicy.EnsureAllowed(addressA, prefixLength, nameof(addressA));
        LabAddressPolicy.EnsureAllowed(addressB, prefixLength, nameof(addressB));
        if (addressA.AddressFamily != addressB.AddressFamily)
        {
            throw new ArgumentException("both ends need addresses of the same family", nameof(addressB));
        }

        if (addressA.Equals(addressB))
        {
            throw new ArgumentException("the two ends need different addresses", nameof(addressB));
        }
    }

    private static void Configure(NetworkNamespace ns, string name, IPAddress address, int prefixLength, int? mtu)
    {
        AddAddress(ns, name, address, prefixLength);
        if (mtu is { } m)
        {
            ns.Ip("link", "set", name, "mtu", m.ToString(CultureInfo.InvariantCulture));
        }

        ns.Ip("link", "set", name, "up");
    }

    private static void AddAddress(NetworkNamespace ns, string name, IPAddress address, int prefixLength)
    {
        string cidr = string.Create(CultureInfo.InvariantCulture, $"{address}/{prefixLength}");
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // nodad: usable at once instead of after duplicate address detection (~1-2 s).
            ns.Ip("addr", "add", cidr, "dev", name, "nodad");
        }
        else
        {
            ns.Ip("addr", "add", cidr, "dev", name);
        }
    }
}
