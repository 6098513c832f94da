using System.Net;
using Jormungandr.Commands;

namespace Jormungandr.Routing;

/// <summary>
/// Everything one tunnel changes on its host beyond its own interface: full-tunnel policy routing, the
/// kill switch, gateway forwarding and masquerade, DNS. Each change is recorded in the tunnel's
/// <see cref="HostJournal"/> before it is made; <see cref="Remove"/> undoes them newest first and deletes
/// the journal. <see cref="Open"/> first undoes what a previous run under the same interface name left
/// (it crashed: its interface and so the name were freed), and <see cref="RecoverOrphans"/> does so for
/// every journal whose interface no longer exists. Not thread-safe; one per tunnel.
/// </summary>
internal sealed class HostRouting : IDisposable
{
    private const string SourceValidMark = "net.ipv4.conf.all.src_valid_mark";

    private readonly HostSystem _system;
    private readonly HostJournal _journal;
    private readonly string _runDirectory;

    private HostRouting(HostSystem system, HostJournal journal, string runDirectory, string interfaceName)
    {
        _system = system;
        _journal = journal;
        _runDirectory = runDirectory;
        InterfaceName = interfaceName;
    }

    /// <summary>The tunnel interface.</summary>
    public string InterfaceName { get; }

    /// <summary>How DNS was applied, <see cref="DnsMethod.None"/> when it was not (for the session view).</summary>
    public DnsMethod Dns { get; private set; }

    /// <summary>The changes in place, oldest first.</summary>
    public IReadOnlyList<HostChange> Changes => _journal.Changes;

    /// <summary>
    /// Starts the host changes of the tunnel on <paramref name="interfaceName"/>, after undoing whatever
    /// a crashed earlier run under that name left in <paramref name="runDirectory"/>.
    /// </summary>
    /// <returns>The leftovers undone are in <paramref name="recovered"/>.</returns>
    /// <exception cref="SnekException">A leftover could not be undone or the journal is unreadable: nothing new is applied.</exception>
    public static HostRouting Open(HostSystem system, string runDirectory, string interfaceName, out IReadOnlyList<HostChange> recovered)
    {
        ArgumentNullException.ThrowIfNull(system);
        HostJournal journal = HostJournal.Load(HostJournal.PathFor(runDirectory, interfaceName)); // checks the name
        recovered = RevertAll(system, journal);
        return new HostRouting(system, journal, runDirectory, interfaceName);
    }

    /// <summary>
    /// Undoes the journals of this network namespace in <paramref name="runDirectory"/> whose interface is
    /// gone (its process died without cleaning up), except <paramref name="exceptInterface"/>. Returns what was undone; a journal that
    /// cannot be read or undone is reported in <paramref name="errors"/> and left for the next attempt.
    /// </summary>
    public static IReadOnlyList<HostChange> RecoverOrphans(HostSystem system, string runDirectory, Func<string, bool> interfaceExists, string? exceptInterface, out IReadOnlyList<string> errors)
    {
        var undone = new List<HostChange>();
        var problems = new List<string>();
        if (Directory.Exists(runDirectory))
        {
            string suffix = HostJournal.NamespaceSuffix();
            foreach (string path in Directory.EnumerateFiles(runDirectory, "*" + suffix).Take(1024))
            {
                string name = Path.GetFileName(path)[..^suffix.Length];
                if (name == exceptInterface || !Tunnel.OptionChecks.IsInterfaceName(name) || interfaceExists(name))
                {
                    continue;
                }

                try
                {
                    undone.AddRange(RevertAll(system, HostJournal.Load(path)));
                }
                catch (SnekException e)
                {
                    problems.Add(e.Message);
                }
            }
        }

        errors = problems;
        return undone;
    }

    /// <summary>Routes everything through the tunnel (see <see cref="FullTunnelOptions"/>), IPv4 and/or IPv6.</summary>
    /// <exception cref="SnekException">A step failed; the steps before it are undone.</exception>
    public void ApplyFullTunnel(FullTunnelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Interface != InterfaceName)
        {
            throw new ArgumentException($"the options are for {options.Interface}, this is {InterfaceName}", nameof(options));
        }

        var steps = new List<(HostChange Change, Action Apply)>();
        if (options.IPv4)
        {
            // As wg-quick: reverse-path filtering then accepts replies routed by mark.
            AddSysctl(steps, SourceValidMark, "1");
        }

        foreach (HostChange change in options.Changes())
        {
            steps.Add((change, change switch
            {
                TableRouteChange route => () => _system.Routing.AddDefaultRoute(route),
                RuleChange rule => () => _system.Routing.AddRule(rule),
                _ => throw new InvalidOperationException("unexpected change"),
            }));
        }

        Run(steps);
    }

    /// <summary>
    /// Undoes the full tunnel of the families <paramref name="options"/> names (its table route and rules,
    /// and for IPv4 the <c>src_valid_mark</c> it set), newest first; the other changes stay. What was
    /// never applied is skipped. A change that cannot be undone stays recorded, as in <see cref="Remove"/>,
    /// and the first failure is thrown after the others were tried.
    /// </summary>
    public void RemoveFullTunnel(FullTunnelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var ours = new HashSet<HostChange>(options.Changes());
        RevertAll(_system, _journal, c => ours.Contains(c) || (options.IPv4 && c is SysctlChange { Key: SourceValidMark }));
    }

    /// <summary>Drops everything this host sends outside the tunnel except the tunnel's marked sockets and loopback (<see cref="NftRulesets.KillSwitch"/>).</summary>
    public void ApplyKillSwitch(uint fwMark)
    {
        string ruleset = NftRulesets.KillSwitch(InterfaceName, fwMark);
        var change = new NftTableChange(NftRulesets.Family, NftRulesets.KillSwitchTable(InterfaceName));
        Run([(change, () => _system.Nftables.Apply(ruleset))]);
    }

    /// <summary>
    /// Gateway mode of a server: forwarding on (IPv6 only with a <paramref name="pool6"/>), previous values
    /// restored on removal, and masquerade of the pools leaving through other interfaces.
    /// </summary>
    public void ApplyGateway(IPNetwork pool4, IPNetwork? pool6)
    {
        string ruleset = NftRulesets.Gateway(InterfaceName, pool4, pool6);
        var steps = new List<(HostChange Change, Action Apply)>();
        AddSysctl(steps, "net.ipv4.ip_forward", "1");
        if (pool6 is not null)
        {
            AddSysctl(steps, "net.ipv6.conf.all.forwarding", "1");
        }

        var table = new NftTableChange(NftRulesets.Family, NftRulesets.GatewayTable(InterfaceName));
        steps.Add((table, () => _system.Nftables.Apply(ruleset)));
        Run(steps);
    }

    /// <summary>
    /// Applies the tunnel's DNS with <paramref name="method"/> (<see cref="DnsMethod.None"/>: systemd-resolved,
    /// else resolvconf, else the file), <paramref name="resolvConf"/> being the file for that last method.
    /// Returns the method used, also kept in <see cref="Dns"/>.
    /// </summary>
    public DnsMethod ApplyDns(DnsSettings settings, DnsMethod method = DnsMethod.None, string resolvConf = "/etc/resolv.conf")
    {
        ArgumentNullException.ThrowIfNull(settings);
        DnsMethod chosen = TunnelDns.Choose(_system, method);
        TunnelDns.Apply(_system, _journal, InterfaceName, settings, chosen, resolvConf, _runDirectory);
        Dns = chosen;
        return chosen;
    }

    /// <summary>
    /// Undoes the tunnel's DNS only (the other changes stay), so that other settings can take its place;
    /// nothing to undo is fine. A change that cannot be undone stays recorded, as in <see cref="Remove"/>.
    /// </summary>
    public void RemoveDns()
    {
        foreach (HostChange change in _journal.Changes.Reverse().OfType<DnsChange>().ToList())
        {
            _system.Revert(change);
            _journal.Forget(change);
        }

        Dns = DnsMethod.None;
    }

    /// <summary>
    /// Undoes every change, newest first; each undone change leaves the journal at once. A change that
    /// cannot be undone stays recorded (the next start tries again) and the first failure is thrown
    /// after the others were tried.
    /// </summary>
    public void Remove()
    {
        RevertAll(_system, _journal);
        Dns = DnsMethod.None;
    }

    /// <summary>Same as <see cref="Remove"/>.</summary>
    public void Dispose() => Remove();

    // Undoes the journal's changes that which picks (all without it), newest first.
    private static List<HostChange> RevertAll(HostSystem system, HostJournal journal, Func<HostChange, bool>? which = null)
    {
        var undone = new List<HostChange>();
        SnekException? first = null;
        foreach (HostChange change in journal.Changes.Reverse().ToList())
        {
            if (which is not null && !which(change))
            {
                continue;
            }

            try
            {
                system.Revert(change);
                journal.Forget(change);
                undone.Add(change);
            }
            catch (SnekException e)
            {
                first ??= new SnekException(e.ErrorId, e.Kind, $"Cannot undo {change.Describe()}: {e.Message}", journal.FilePath, e);
            }
        }

        if (first is not null)
        {
            throw first;
        }

        return undone;
    }

    private void AddSysctl(List<(HostChange Change, Action Apply)> steps, string key, string value)
    {
        string previous = _system.Sysctl.Read(key);
        if (previous != value)
        {
            steps.Add((new SysctlChange(key, previous, value), () => _system.Sysctl.Write(key, value)));
        }
    }

    /// <summary>Records then applies each step; on a failure forgets that step (it was not made) and undoes the earlier ones.</summary>
    private void Run(IReadOnlyList<(HostChange Change, Action Apply)> steps)
    {
        var done = new List<HostChange>();
        foreach ((HostChange change, Action apply) in steps)
        {
            _journal.Record(change);
            try
            {
                apply();
            }
            catch (SnekException)
            {
                _journal.Forget(change);
                foreach (HostChange earlier in Enumerable.Reverse(done))
                {
                    try
                    {
                        _system.Revert(earlier);
                        _journal.Forget(earlier);
                    }
                    catch (SnekException)
                    {
                        // Stays in the journal for Remove or the next start.
                    }
                }

                throw;
            }

            done.Add(change);
        }
    }
}
