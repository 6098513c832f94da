using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Interop;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// Configures a TUN interface: MTU, link up, IPv4/IPv6 addresses, routes. Talks rtnetlink directly
/// (<see cref="RtNetlinkSocket"/>, <see cref="RtNetlinkMessages"/>): no iproute2 at run time, no
/// process per operation, and the kernel's own errno in errors. Each call opens a NETLINK_ROUTE socket
/// in the calling thread's network namespace, sends one request (or a dump and deletes) and waits for
/// the acknowledgement. Each request mirrors the <c>ip</c> command it replaces (named per method).
/// </summary>
/// <remarks>
/// MTU arithmetic (default inner MTU, no IP fragmentation of the underlay), for an underlay MTU U:
/// UDP payload = U − IP header (20 IPv4 / 40 IPv6) − UDP header 8; one data packet carries
/// payload − data header 16 − AEAD tag 16 − inner header 4 bytes of IP packet (a fragment also
/// needs its 8-byte fragment header, but fragments only happen above this size). Padding never grows
/// a packet past the largest plaintext, so it costs nothing here. With U = 1500 and an IPv6 underlay
/// (the worst case): 1500 − 40 − 8 − 16 − 16 − 4 = <see cref="DefaultMtu"/> = 1416. A larger inner
/// MTU (up to 65535) works through the protocol's own fragmentation.
/// </remarks>
internal static class InterfaceConfig
{
    /// <summary>Bytes the tunnel adds around an inner packet on an IPv6 underlay: 40 + 8 + 16 + 16 + 4.</summary>
    public const int Overhead = 40 + 8 + 16 + 16 + 4;

    /// <summary>Default inner MTU for a 1500-byte underlay.</summary>
    public const int DefaultMtu = 1500 - Overhead;

    /// <summary>Largest UDP payload of one data datagram for <see cref="DefaultMtu"/>: 1500 − 40 − 8.</summary>
    public const int DefaultMaxDatagram = 1500 - 40 - 8;

    private const int EADDRNOTAVAIL = 99;
    private const int RouteGone = 3; // ESRCH: no such route
    private const int MaxFlushRounds = 4;

    /// <summary>Sets the MTU and brings the link up (<c>ip link set dev NAME mtu MTU up</c>).</summary>
    public static void Up(string name, int mtu)
    {
        CheckName(name);
        string what = string.Create(CultureInfo.InvariantCulture, $"set MTU {mtu} and bring up interface {name}");
        if (mtu is < 68 or > 65535)
        {
            throw new SnekException("InvalidMtu", ErrorKind.InvalidArgument, $"Cannot {what}: the MTU must be between 68 and 65535.");
        }

        Request(name, what, (sequence, index) => RtNetlinkMessages.SetLinkUp(sequence, index, mtu));
    }

    /// <summary>
    /// Adds an address with its prefix, which also routes the prefix to the interface
    /// (<c>ip addr add CIDR dev NAME</c>; IPv6 with <c>nodad</c>). An existing address fails with "File exists".
    /// </summary>
    public static void AddAddress(string name, IPAddress address, int prefix)
    {
        CheckName(name);
        Request(name, $"add address {Cidr(address, prefix)} to interface {name}", (sequence, index) => RtNetlinkMessages.NewAddress(sequence, index, address, prefix));
    }

    /// <summary>Routes a network through the interface, replacing an existing route to it (<c>ip route replace NET dev NAME</c>).</summary>
    public static void AddRoute(string name, IPNetwork network)
    {
        CheckName(name);
        Request(name, $"add route {Cidr(network.BaseAddress, network.PrefixLength)} via interface {name}", (sequence, index) => RtNetlinkMessages.NewRoute(sequence, index, network));
    }

    /// <summary>
    /// Removes the route to <paramref name="network"/> through interface <paramref name="name"/> from the
    /// main table (<c>ip route del NET dev NAME</c>); a route that is already gone is not an error.
    /// </summary>
    public static void RemoveRoute(string name, IPNetwork network)
    {
        CheckName(name);
        Request(name, $"remove route {Cidr(network.BaseAddress, network.PrefixLength)} via interface {name}", (sequence, index) => RtNetlinkMessages.DeleteRoute(sequence, index, network), RouteGone);
    }

    // One acknowledged request about interface NAME (already checked): the kernel's errno, other than
    // 0 or the one the step tolerates, becomes the step's one-line error.
    private static void Request(string name, string what, Func<uint, int, byte[]> message, int tolerated = 0)
    {
        int index = Index(name, what);
        using RtNetlinkSocket socket = RtNetlinkCall.Open(what);
        uint sequence = socket.NextSequence();
        RtNetlinkCall.Acknowledge(socket, message(sequence, index), sequence, what, tolerated);
    }

    /// <summary>
    /// Removes every address of the interface, both families (<c>ip addr flush dev NAME</c>), when a
    /// reconnect brings different ones: dump, delete each, dump again until none is left (bounded).
    /// </summary>
    public static void FlushAddresses(string name)
    {
        CheckName(name);
        string what = $"remove the addresses of interface {name}";
        int index = Index(name, what);
        using RtNetlinkSocket socket = RtNetlinkCall.Open(what);
        for (int round = 0; round < MaxFlushRounds; round++)
        {
            uint sequence = socket.NextSequence();
            var dump = new RtNetlinkReply(sequence, dump: true, index);
            RtNetlinkCall.Exchange(socket, RtNetlinkMessages.DumpAddresses(sequence), dump, what);
            if (dump.Errno != 0)
            {
                throw RtNetlinkCall.Failure(what, dump.Errno, dump.Detail);
            }

            if (dump.Addresses.Count == 0)
            {
                return;
            }

            foreach (RtNetlinkAddress address in dump.Addresses)
            {
                sequence = socket.NextSequence();
                var ack = new RtNetlinkReply(sequence, dump: false);
                RtNetlinkCall.Exchange(socket, RtNetlinkMessages.DeleteAddress(sequence, address), ack, what);
                // EADDRNOTAVAIL: an IPv4 secondary that went with its primary.
                if (ack.Errno != 0 && ack.Errno != EADDRNOTAVAIL)
                {
                    throw RtNetlinkCall.Failure($"remove address {address.Local ?? address.Address}/{address.PrefixLength} from interface {name}", ack.Errno, ack.Detail);
                }
            }
        }

        throw new SnekException("InterfaceConfigFailed", ErrorKind.NotSpecified, $"Cannot {what}: addresses remained after {MaxFlushRounds} rounds.");
    }

    private static string Cidr(IPAddress address, int prefix)
    {
        ArgumentNullException.ThrowIfNull(address);
        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (address.AddressFamily is not (AddressFamily.InterNetwork or AddressFamily.InterNetworkV6)
            || prefix < 0 || prefix > max || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            throw new SnekException("InvalidAddress", ErrorKind.InvalidArgument, $"Invalid address {address}/{prefix}.");
        }

        return address.ToString() + "/" + prefix.ToString(CultureInfo.InvariantCulture);
    }

    private static void CheckName(string name)
    {
        Tunnel.OptionChecks.InterfaceName(name);
    }

    private static int Index(string name, string what)
    {
        uint index = LibC.InterfaceIndex(name);
        if (index == 0 || index > int.MaxValue)
        {
            throw new SnekException("InterfaceConfigFailed", ErrorKind.ObjectNotFound, $"Cannot {what}: no interface named {name}.", name);
        }

        return (int)index;
    }
}
