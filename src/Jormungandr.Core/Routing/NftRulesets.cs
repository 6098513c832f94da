using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Routing;

/// <summary>
/// The nftables rulesets of a tunnel, each a table of its own (family inet) so removing it removes every
/// rule of ours and nothing else. Each ruleset first adds and deletes its table in the same transaction,
/// so a leftover of the same name is replaced, never merged into.
/// </summary>
internal static class NftRulesets
{
    /// <summary>nftables family of our tables (IPv4 and IPv6 in one).</summary>
    public const string Family = "inet";

    /// <summary>Kill switch table name for an interface: <c>snek_killswitch_IFACE</c> ('-' becomes '_': nft names have no '-').</summary>
    public static string KillSwitchTable(string interfaceName) => "snek_killswitch_" + TableSafe(interfaceName);

    /// <summary>Gateway (masquerade) table name: <c>snek_gateway_IFACE</c>.</summary>
    public static string GatewayTable(string interfaceName) => "snek_gateway_" + TableSafe(interfaceName);

    /// <summary>
    /// Drops every packet this host sends out of any interface but loopback and the tunnel, except the
    /// tunnel's own marked sockets and IPv6 neighbour discovery (without which the IPv6 underlay cannot
    /// resolve its next hop). Forwarded traffic is not touched.
    /// </summary>
    public static string KillSwitch(string interfaceName, uint fwMark)
    {
        string table = KillSwitchTable(interfaceName);
        return Replace(table)
            + $"table {Family} {table} {{ chain output {{ type filter hook output priority 0; policy accept; "
            + "oifname \"lo\" accept; "
            + $"oifname \"{interfaceName}\" accept; "
            + $"meta mark 0x{fwMark.ToString("x", CultureInfo.InvariantCulture)} accept; "
            + "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept; "
            + "counter drop; }; }";
    }

    /// <summary>
    /// Masquerades packets from the tunnel pools that leave through any other interface (source NAT to
    /// that interface's address), IPv4 and IPv6.
    /// </summary>
    public static string Gateway(string interfaceName, IPNetwork pool4, IPNetwork? pool6)
    {
        if (pool4.BaseAddress.AddressFamily != AddressFamily.InterNetwork || (pool6 is IPNetwork p6 && p6.BaseAddress.AddressFamily != AddressFamily.InterNetworkV6))
        {
            throw new ArgumentException("pool4 must be IPv4 and pool6 IPv6");
        }

        string table = GatewayTable(interfaceName);
        string rules = $"oifname != \"{interfaceName}\" ip saddr {pool4} masquerade; ";
        if (pool6 is IPNetwork six)
        {
            rules += $"oifname != \"{interfaceName}\" ip6 saddr {six} masquerade; ";
        }

        return Replace(table)
            + $"table {Family} {table} {{ chain postrouting {{ type nat hook postrouting priority 100; policy accept; {rules}}}; }}";
    }

    private static string Replace(string table) => $"add table {Family} {table}; delete table {Family} {table}; ";

    private static string TableSafe(string interfaceName)
    {
        Tunnel.OptionChecks.InterfaceName(interfaceName);
        return interfaceName.Replace('-', '_');
    }
}
