using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Lab;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// Configures a TUN interface: MTU, link up, IPv4/IPv6 addresses, routes. Runs iproute2's <c>ip</c>
/// from an argument list (never a shell string); every argument is rebuilt from a parsed value
/// (IPAddress, prefix, validated name), so nothing user-typed reaches the command line verbatim.
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

    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    /// <summary>Sets the MTU and brings the link up.</summary>
    public static void Up(string name, int mtu)
    {
        CheckName(name);
        Ip("link", "set", "dev", name, "mtu", mtu.ToString(CultureInfo.InvariantCulture), "up");
    }

    /// <summary>Adds an address with its prefix (which also routes the prefix to the interface).</summary>
    public static void AddAddress(string name, IPAddress address, int prefix)
    {
        CheckName(name);
        string cidr = Cidr(address, prefix);
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            // nodad: the address is usable at once (no duplicate detection on a point-to-point tunnel).
            Ip("-6", "addr", "add", cidr, "dev", name, "nodad");
        }
        else
        {
            Ip("addr", "add", cidr, "dev", name);
        }
    }

    /// <summary>Routes a network through the interface (replacing an existing route to it).</summary>
    public static void AddRoute(string name, IPNetwork network)
    {
        CheckName(name);
        string family = network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6 ? "-6" : "-4";
        Ip(family, "route", "replace", Cidr(network.BaseAddress, network.PrefixLength), "dev", name);
    }

    /// <summary>Removes every address of the interface (when a reconnect brings different ones).</summary>
    public static void FlushAddresses(string name)
    {
        CheckName(name);
        Ip("addr", "flush", "dev", name);
    }

    private static string Cidr(IPAddress address, int prefix)
    {
        int max = address.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if (prefix < 0 || prefix > max || (address.AddressFamily == AddressFamily.InterNetworkV6 && address.ScopeId != 0))
        {
            throw new SnekException("InvalidAddress", ErrorKind.InvalidArgument, $"Invalid address {address}/{prefix}.");
        }

        return address.ToString() + "/" + prefix.ToString(CultureInfo.InvariantCulture);
    }

    private static void CheckName(string name)
    {
        Tunnel.OptionChecks.InterfaceName(name);
    }

    private static void Ip(params string[] arguments)
    {
        ProcessResult result;
        try
        {
            result = ProcessRunner.Run("ip", arguments, Timeout);
        }
        catch (SnekException e)
        {
            throw new SnekException("IpCommandMissing", ErrorKind.ResourceUnavailable, "The 'ip' command (iproute2) is needed to configure the tunnel: " + e.Message, null, e);
        }

        if (!result.Succeeded)
        {
            string why = result.TimedOut ? "timed out" : result.StandardError.Trim();
            throw new SnekException("InterfaceConfigFailed", ErrorKind.NotSpecified, $"ip {string.Join(' ', arguments)} failed: {why}");
        }
    }
}
