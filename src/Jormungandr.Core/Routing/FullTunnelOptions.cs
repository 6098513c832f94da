using Jormungandr.Commands;

namespace Jormungandr.Routing;

/// <summary>
/// Policy routing of a full tunnel, as wg-quick does it: the default route lives in a table of its own,
/// every packet without the tunnel's firewall mark looks that table up, and the tunnel's own sockets
/// (marked with <see cref="SocketMark"/>) fall through to the main table and so to the underlay. A rule
/// before it looks up the main table but ignores its default route (<c>suppress_prefixlength 0</c>), so
/// more specific routes of the host (its LAN) keep winning. The main table is never changed.
/// </summary>
/// <param name="Interface">The tunnel interface (snkN).</param>
/// <param name="FwMark">Mark of the tunnel's own sockets; not 0.</param>
/// <param name="Table">Routing table for the tunnel's default route; not 0 or a reserved table (253-255).</param>
/// <param name="Priority">Rule preference of the suppress rule; the mark rule takes <c>Priority + 1</c>. Both before main (32766).</param>
/// <param name="IPv4">Route all IPv4 through the tunnel.</param>
/// <param name="IPv6">Route all IPv6 through the tunnel.</param>
internal sealed record FullTunnelOptions(string Interface, uint FwMark = FullTunnelOptions.DefaultMark, uint Table = FullTunnelOptions.DefaultTable,
    uint Priority = FullTunnelOptions.DefaultPriority, bool IPv4 = true, bool IPv6 = true)
{
    /// <summary>Default mark and table: 0x536e ("Sn").</summary>
    public const uint DefaultMark = 0x536e;

    /// <summary>Default table, the same number as the mark (as wg-quick does with its port).</summary>
    public const uint DefaultTable = 0x536e;

    /// <summary>Default suppress-rule preference (the mark rule is one after), just before wg-quick's usual 32764/32765.</summary>
    public const uint DefaultPriority = 32760;

    /// <summary>Throws <c>InvalidTunnelOption</c> for an unusable combination.</summary>
    public void Validate()
    {
        Tunnel.OptionChecks.InterfaceName(Interface);
        if (FwMark == 0)
        {
            throw Invalid("The firewall mark of a full tunnel must not be 0 (unmarked packets are the ones routed into the tunnel).");
        }

        if (Table is 0 or 253 or 254 or 255)
        {
            throw Invalid($"Routing table {Table} is reserved (0 unspecified, 253 default, 254 main, 255 local); choose another.");
        }

        if (Priority is 0 or >= 32765)
        {
            throw Invalid($"Rule priority {Priority} must be between 1 and 32764, so both rules come before the main table's (32766).");
        }

        if (!IPv4 && !IPv6)
        {
            throw Invalid("A full tunnel needs IPv4, IPv6 or both.");
        }
    }

    /// <summary>The changes, in the order they are made: per family the table route, the suppress rule, the mark rule.</summary>
    public IReadOnlyList<HostChange> Changes()
    {
        var changes = new List<HostChange>();
        foreach (bool v6 in new[] { false, true })
        {
            if (v6 ? !IPv6 : !IPv4)
            {
                continue;
            }

            changes.Add(new TableRouteChange(v6, Table, Interface));
            changes.Add(new RuleChange(v6, Priority, 254, null, false, 0));
            changes.Add(new RuleChange(v6, Priority + 1, Table, FwMark, true, null));
        }

        return changes;
    }

    private static SnekException Invalid(string message) => new("InvalidTunnelOption", ErrorKind.InvalidArgument, message);
}
