namespace Jormungandr.Routing;

/// <summary>
/// The host interfaces the routing components change things through, and the one place that knows how
/// to undo each <see cref="HostChange"/>. <see cref="Linux"/> is the real host (the calling thread's
/// network namespace); tests pass fakes.
/// </summary>
/// <param name="Routing">Policy rules and table routes.</param>
/// <param name="Nftables">nftables tables.</param>
/// <param name="Sysctl">Kernel settings.</param>
/// <param name="Commands">resolvconf, resolvectl.</param>
/// <param name="ResolvedDirectory">Exists while systemd-resolved runs (<c>/run/systemd/resolve</c>).</param>
internal sealed record HostSystem(IPolicyRouting Routing, INftables Nftables, ISysctl Sysctl, IHostCommands Commands, string ResolvedDirectory = "/run/systemd/resolve")
{
    /// <summary>The real host: rtnetlink, the nft program, /proc/sys.</summary>
    public static HostSystem Linux()
    {
        var commands = new HostCommands();
        return new HostSystem(new NetlinkPolicyRouting(), new NftCommand(commands), new ProcSysctl(), commands);
    }

    /// <summary>
    /// Undoes one change. Idempotent: undoing what is already gone does nothing. A setting or resolv.conf
    /// changed by someone else since is left alone (their change wins over our restore).
    /// </summary>
    /// <exception cref="Commands.SnekException">The undo failed; the change is still in place.</exception>
    public void Revert(HostChange change)
    {
        switch (change)
        {
            case RuleChange rule:
                Routing.DeleteRule(rule);
                break;
            case TableRouteChange route:
                Routing.DeleteDefaultRoute(route);
                break;
            case NftTableChange table:
                Nftables.DeleteTable(table.Family, table.Name);
                break;
            case SysctlChange setting:
                if (Sysctl.Read(setting.Key) == setting.Applied)
                {
                    Sysctl.Write(setting.Key, setting.Previous);
                }

                break;
            case DnsChange dns:
                TunnelDns.Revert(this, dns);
                break;
            default:
                throw new ArgumentException($"cannot undo {change.GetType().Name}", nameof(change));
        }
    }
}
