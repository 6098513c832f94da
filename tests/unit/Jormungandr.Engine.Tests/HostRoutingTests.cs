using System.Net;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Routing;

namespace Jormungandr.Tests;

/// <summary>
/// The host routing components without root, on in-memory fakes: order of changes, write-ahead journal,
/// rollback of a failed step, crash recovery, restore rules of settings and DNS, exact commands and
/// rulesets, and the netlink request bytes of rules and table routes.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class HostRoutingTests : IDisposable
{
    private const string Tun = "snk0";
    private readonly string _runDirectory = Directory.CreateTempSubdirectory("snek-hostunit-").FullName;

    public void Dispose() => Directory.Delete(_runDirectory, recursive: true);

    // ---------- full tunnel ----------

    [Fact]
    public void Full_tunnel_makes_the_wg_quick_changes_in_order_and_removes_them_newest_first()
    {
        var host = new FakeHost();
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out IReadOnlyList<HostChange> recovered);
        Assert.Empty(recovered);
        routing.ApplyFullTunnel(new FullTunnelOptions(Tun));

        Assert.Equal(
        [
            "add ip route default dev snk0 table 21358",
            "add ip rule 32760: from all lookup 254 suppress_prefixlength 0",
            "add ip rule 32761: not fwmark 0x536e lookup 21358",
            "add ip -6 route default dev snk0 table 21358",
            "add ip -6 rule 32760: from all lookup 254 suppress_prefixlength 0",
            "add ip -6 rule 32761: not fwmark 0x536e lookup 21358",
        ], host.Routing.Log);
        Assert.Equal("1", host.Sysctl.Values["net.ipv4.conf.all.src_valid_mark"]);
        Assert.Equal(7, routing.Changes.Count);
        Assert.Equal(routing.Changes, HostJournal.Load(HostJournal.PathFor(_runDirectory, Tun)).Changes);

        host.Routing.Log.Clear();
        routing.Remove();
        Assert.Empty(host.Routing.Installed);
        Assert.Equal("delete ip -6 rule 32761: not fwmark 0x536e lookup 21358", host.Routing.Log[0]);
        Assert.Equal("delete ip route default dev snk0 table 21358", host.Routing.Log[^1]);
        Assert.Equal("0", host.Sysctl.Values["net.ipv4.conf.all.src_valid_mark"]);
        Assert.False(File.Exists(HostJournal.PathFor(_runDirectory, Tun)));
    }

    [Fact]
    public void One_familys_full_tunnel_is_removed_alone_and_the_other_changes_stay()
    {
        var host = new FakeHost();
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        routing.ApplyFullTunnel(new FullTunnelOptions(Tun));
        routing.ApplyKillSwitch(FullTunnelOptions.DefaultMark);
        host.Routing.Log.Clear();

        routing.RemoveFullTunnel(new FullTunnelOptions(Tun, IPv6: false));
        Assert.Equal(
        [
            "delete ip rule 32761: not fwmark 0x536e lookup 21358",
            "delete ip rule 32760: from all lookup 254 suppress_prefixlength 0",
            "delete ip route default dev snk0 table 21358",
        ], host.Routing.Log);
        Assert.Equal("0", host.Sysctl.Values["net.ipv4.conf.all.src_valid_mark"]);
        Assert.Equal(3, host.Routing.Installed.Count);
        Assert.All(host.Routing.Installed, c => Assert.True(c is RuleChange { V6: true } or TableRouteChange { V6: true }, c.Describe()));
        Assert.Single(host.Nftables.Tables); // the kill switch is not the full tunnel's
        Assert.Equal(routing.Changes, HostJournal.Load(HostJournal.PathFor(_runDirectory, Tun)).Changes);

        // Again, or a family never applied: nothing to undo, nothing undone.
        host.Routing.Log.Clear();
        routing.RemoveFullTunnel(new FullTunnelOptions(Tun, IPv6: false));
        Assert.Empty(host.Routing.Log);

        routing.RemoveFullTunnel(new FullTunnelOptions(Tun, IPv4: false));
        Assert.Empty(host.Routing.Installed);
        Assert.Single(routing.Changes); // the kill switch's table
    }

    [Fact]
    public void IPv4_only_full_tunnel_touches_no_IPv6_rule()
    {
        var host = new FakeHost();
        HostRouting.Open(host.System, _runDirectory, Tun, out _).ApplyFullTunnel(new FullTunnelOptions(Tun, IPv6: false));
        Assert.All(host.Routing.Log, line => Assert.DoesNotContain("-6", line, StringComparison.Ordinal));
        Assert.Equal(3, host.Routing.Installed.Count);
    }

    [Fact]
    public void A_failing_step_is_forgotten_and_the_earlier_ones_undone()
    {
        var host = new FakeHost();
        host.Routing.FailOn = new RuleChange(true, 32761, 21358, 0x536e, true, null);
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        SnekException e = Assert.Throws<SnekException>(() => routing.ApplyFullTunnel(new FullTunnelOptions(Tun)));
        Assert.Equal(ErrorKind.ResourceExists, e.Kind);
        Assert.Empty(host.Routing.Installed);
        Assert.Empty(routing.Changes);
        Assert.Equal("0", host.Sysctl.Values["net.ipv4.conf.all.src_valid_mark"]);
        Assert.False(File.Exists(HostJournal.PathFor(_runDirectory, Tun)));
        // The failed add was never undone: deleting would have removed the other owner's identical rule.
        Assert.DoesNotContain("delete ip -6 rule 32761: not fwmark 0x536e lookup 21358", host.Routing.Log);
    }

    [Fact]
    public void The_next_start_undoes_what_a_crashed_run_left()
    {
        var host = new FakeHost();
        HostRouting.Open(host.System, _runDirectory, Tun, out _).ApplyFullTunnel(new FullTunnelOptions(Tun));
        HostRouting.Open(host.System, _runDirectory, Tun, out _).ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), null);
        Assert.Empty(host.Routing.Installed); // the second Open undid the first run's changes
        Assert.Single(host.Nftables.Tables);

        // A journal whose interface is gone is an orphan; one whose interface exists is someone's live tunnel.
        IReadOnlyList<HostChange> none = HostRouting.RecoverOrphans(host.System, _runDirectory, _ => true, null, out _);
        Assert.Empty(none);
        Assert.Empty(HostRouting.RecoverOrphans(host.System, _runDirectory, _ => false, Tun, out _));
        IReadOnlyList<HostChange> orphans = HostRouting.RecoverOrphans(host.System, _runDirectory, _ => false, null, out IReadOnlyList<string> errors);
        Assert.Empty(errors);
        Assert.Equal(2, orphans.Count);
        Assert.Empty(host.Nftables.Tables);
        Assert.Equal("0", host.Sysctl.Values["net.ipv4.ip_forward"]);
    }

    [Fact]
    public void A_setting_changed_by_someone_else_since_is_not_restored()
    {
        var host = new FakeHost();
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        routing.ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), IPNetwork.Parse("fd00:5ec::/64"));
        Assert.Equal("1", host.Sysctl.Values["net.ipv6.conf.all.forwarding"]);
        host.Sysctl.Values["net.ipv6.conf.all.forwarding"] = "2"; // the administrator, meanwhile
        routing.Remove();
        Assert.Equal("0", host.Sysctl.Values["net.ipv4.ip_forward"]);
        Assert.Equal("2", host.Sysctl.Values["net.ipv6.conf.all.forwarding"]);
    }

    [Fact]
    public void A_setting_already_at_the_value_is_not_recorded()
    {
        var host = new FakeHost();
        host.Sysctl.Values["net.ipv4.ip_forward"] = "1";
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        routing.ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), null);
        Assert.DoesNotContain(routing.Changes, c => c is SysctlChange);
        routing.Remove();
        Assert.Equal("1", host.Sysctl.Values["net.ipv4.ip_forward"]); // was on before us: stays on
    }

    [Theory]
    [InlineData(0u, 21358u, 32760u, "mark")]
    [InlineData(1u, 254u, 32760u, "reserved")]
    [InlineData(1u, 0u, 32760u, "reserved")]
    [InlineData(1u, 100u, 32765u, "priority")]
    [InlineData(1u, 100u, 0u, "priority")]
    public void Unusable_full_tunnel_options_are_refused(uint mark, uint table, uint priority, string word)
    {
        SnekException e = Assert.Throws<SnekException>(() => new FullTunnelOptions(Tun, mark, table, priority).Validate());
        Assert.Equal("InvalidTunnelOption", e.ErrorId);
        Assert.Contains(word, e.Message, StringComparison.OrdinalIgnoreCase);
    }

    // ---------- nftables ----------

    [Fact]
    public void Kill_switch_and_gateway_rulesets_are_exact_and_replace_a_leftover_table()
    {
        Assert.Equal(
            "add table inet snek_killswitch_snk_1; delete table inet snek_killswitch_snk_1; "
            + "table inet snek_killswitch_snk_1 { chain output { type filter hook output priority 0; policy accept; "
            + "oifname \"lo\" accept; oifname \"snk-1\" accept; meta mark 0x536e accept; "
            + "icmpv6 type { nd-router-solicit, nd-neighbor-solicit, nd-neighbor-advert } accept; counter drop; }; }",
            NftRulesets.KillSwitch("snk-1", 0x536e));
        Assert.Equal(
            "add table inet snek_gateway_snk0; delete table inet snek_gateway_snk0; "
            + "table inet snek_gateway_snk0 { chain postrouting { type nat hook postrouting priority 100; policy accept; "
            + "oifname != \"snk0\" ip saddr 198.19.0.0/24 masquerade; oifname != \"snk0\" ip6 saddr fd00:5ec::/64 masquerade; }; }",
            NftRulesets.Gateway("snk0", IPNetwork.Parse("198.19.0.0/24"), IPNetwork.Parse("fd00:5ec::/64")));
    }

    [Fact]
    public void Without_nft_the_firewall_change_fails_with_a_clear_error_and_nothing_stays_recorded()
    {
        var host = new FakeHost();
        var system = host.System with { Nftables = new NftCommand(host.Commands) };
        HostRouting routing = HostRouting.Open(system, _runDirectory, Tun, out _);
        SnekException e = Assert.Throws<SnekException>(() => routing.ApplyKillSwitch(0x536e));
        Assert.Equal("NftablesUnavailable", e.ErrorId);
        Assert.Contains("nftables", e.Message, StringComparison.Ordinal);
        Assert.Empty(routing.Changes);

        host.Commands.Installed.Add("nft");
        host.Commands.Failing.Add("nft");
        e = Assert.Throws<SnekException>(() => routing.ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), null));
        Assert.Equal("NftablesFailed", e.ErrorId);
        Assert.EndsWith("it failed", e.Message, StringComparison.Ordinal);
        Assert.Empty(routing.Changes);
        Assert.Equal("0", host.Sysctl.Values["net.ipv4.ip_forward"]); // forwarding was undone with it
    }

    // ---------- DNS ----------

    [Fact]
    public void Dns_prefers_systemd_resolved_then_resolvconf_then_the_file()
    {
        var host = new FakeHost();
        Assert.Equal(DnsMethod.File, TunnelDns.Choose(host.System, DnsMethod.None));
        host.Commands.Installed.Add("resolvconf");
        Assert.Equal(DnsMethod.Resolvconf, TunnelDns.Choose(host.System, DnsMethod.None));
        host.Commands.Installed.Add("resolvectl");
        Assert.Equal(DnsMethod.Resolvconf, TunnelDns.Choose(host.System, DnsMethod.None)); // resolved not running
        host.ResolvedDirectory = _runDirectory;
        Assert.Equal(DnsMethod.Resolved, TunnelDns.Choose(host.System, DnsMethod.None));
        Assert.Equal(DnsMethod.File, TunnelDns.Choose(host.System, DnsMethod.File));
    }

    [Fact]
    public void Resolvconf_gets_the_lines_on_standard_input_and_is_undone_with_d()
    {
        var host = new FakeHost();
        host.Commands.Installed.Add("resolvconf");
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        Assert.Equal(DnsMethod.Resolvconf, routing.ApplyDns(Settings(routeAll: false)));
        Assert.Equal(DnsMethod.Resolvconf, routing.Dns);
        (string program, string[] arguments, string? input) = Assert.Single(host.Commands.Runs);
        Assert.Equal("resolvconf", program);
        Assert.Equal(["-a", Tun], arguments);
        Assert.Equal("nameserver 198.19.0.1\nnameserver fd00:5ec::1\nsearch corp.example\n", input);

        routing.Remove();
        Assert.Equal("resolvconf", host.Commands.Runs[1].Program);
        Assert.Equal(["-d", Tun], host.Commands.Runs[1].Arguments);
        Assert.Equal(DnsMethod.None, routing.Dns);
    }

    [Fact]
    public void The_dns_alone_can_be_undone_and_applied_again_while_the_other_changes_stay()
    {
        var host = new FakeHost();
        host.Commands.Installed.Add("resolvconf");
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        routing.ApplyFullTunnel(new FullTunnelOptions(Tun));
        int installed = host.Routing.Installed.Count;
        Assert.NotEqual(0, installed);
        routing.ApplyDns(Settings(routeAll: false));

        routing.RemoveDns();
        Assert.Equal(["-d", Tun], host.Commands.Runs[^1].Arguments);
        Assert.Equal(DnsMethod.None, routing.Dns);
        Assert.Equal(installed, host.Routing.Installed.Count); // the full tunnel is still there
        routing.RemoveDns(); // nothing left to undo
        Assert.Equal(2, host.Commands.Runs.Count);

        routing.ApplyDns(Settings(routeAll: false));
        Assert.Equal(["-a", Tun], host.Commands.Runs[^1].Arguments);
        routing.Remove();
        Assert.Equal(["-d", Tun], host.Commands.Runs[^1].Arguments);
        Assert.Empty(host.Routing.Installed);
    }

    [Fact]
    public void Resolved_gets_servers_and_domains_with_the_catch_all_domain_for_a_full_tunnel()
    {
        var host = new FakeHost { ResolvedDirectory = _runDirectory };
        host.Commands.Installed.Add("resolvectl");
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        Assert.Equal(DnsMethod.Resolved, routing.ApplyDns(Settings(routeAll: true)));
        Assert.Equal(["dns", Tun, "198.19.0.1", "fd00:5ec::1"], host.Commands.Runs[0].Arguments);
        Assert.Equal(["domain", Tun, "~.", "corp.example"], host.Commands.Runs[1].Arguments);
        Assert.Equal(2, host.Commands.Runs.Count);
    }

    [Fact]
    public void A_failing_resolver_command_is_one_line_and_leaves_nothing_recorded()
    {
        var host = new FakeHost();
        host.Commands.Installed.Add("resolvconf");
        host.Commands.Failing.Add("resolvconf");
        HostRouting routing = HostRouting.Open(host.System, _runDirectory, Tun, out _);
        SnekException e = Assert.Throws<SnekException>(() => routing.ApplyDns(Settings(routeAll: false)));
        Assert.Equal("DnsConfigFailed", e.ErrorId);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Empty(routing.Changes);
    }

    [Theory]
    [InlineData("file")]
    [InlineData("link")]
    [InlineData("none")]
    public void The_file_method_puts_back_a_file_a_link_or_nothing_exactly(string original)
    {
        string etc = Directory.CreateDirectory(Path.Combine(_runDirectory, "etc")).FullName;
        string run = Path.Combine(_runDirectory, "run");
        string resolvConf = Path.Combine(etc, "resolv.conf");
        byte[] bytes = "nameserver 198.18.0.53\r\n# no final newline"u8.ToArray();
        switch (original)
        {
            case "file":
                File.WriteAllBytes(resolvConf, bytes);
                File.SetUnixFileMode(resolvConf, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
                break;
            case "link":
                File.CreateSymbolicLink(resolvConf, "../run/stub-resolv.conf");
                break;
            default:
                break;
        }

        var host = new FakeHost();
        HostRouting routing = HostRouting.Open(host.System, run, Tun, out _);
        routing.ApplyDns(Settings(routeAll: false), DnsMethod.File, resolvConf);
        Assert.Equal(TunnelDns.FileText(Tun, Settings(routeAll: false)), File.ReadAllText(resolvConf));
        Assert.Null(new FileInfo(resolvConf).LinkTarget);

        // Crash and the next start.
        HostRouting.Open(host.System, run, Tun, out IReadOnlyList<HostChange> recovered);
        Assert.Single(recovered);
        switch (original)
        {
            case "file":
                Assert.Equal(bytes, File.ReadAllBytes(resolvConf));
                Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead, File.GetUnixFileMode(resolvConf));
                break;
            case "link":
                Assert.Equal("../run/stub-resolv.conf", new FileInfo(resolvConf).LinkTarget);
                break;
            default:
                Assert.False(File.Exists(resolvConf));
                break;
        }

        Assert.Empty(Directory.GetFiles(run));
    }

    [Fact]
    public void A_resolv_conf_rewritten_by_someone_else_meanwhile_is_left_alone()
    {
        string resolvConf = Path.Combine(_runDirectory, "resolv.conf");
        File.WriteAllText(resolvConf, "nameserver 198.18.0.53\n");
        var host = new FakeHost();
        HostRouting routing = HostRouting.Open(host.System, Path.Combine(_runDirectory, "run"), Tun, out _);
        routing.ApplyDns(Settings(routeAll: false), DnsMethod.File, resolvConf);
        File.WriteAllText(resolvConf, "nameserver 198.18.0.99\n"); // a DHCP client, say
        routing.Remove();
        Assert.Equal("nameserver 198.18.0.99\n", File.ReadAllText(resolvConf));
        Assert.Empty(Directory.GetFiles(Path.Combine(_runDirectory, "run")));
    }

    [Theory]
    [InlineData("corp.example", true)]
    [InlineData("a-b.c9.example", true)]
    [InlineData("xn--bcher-kva.example", true)]
    [InlineData("", false)]
    [InlineData("corp..example", false)]
    [InlineData("-corp.example", false)]
    [InlineData("corp-.example", false)]
    [InlineData("corp.example.", false)]
    [InlineData("corp example", false)]
    [InlineData("corp_example", false)]
    [InlineData("198.19.0.1", false)]
    [InlineData("bücher.example", false)]
    public void Search_domain_syntax(string name, bool valid) => Assert.Equal(valid, DnsName.IsValid(name));

    [Fact]
    public void Search_domain_length_limits()
    {
        Assert.True(DnsName.IsValid(new string('a', 63) + ".example"));
        Assert.False(DnsName.IsValid(new string('a', 64) + ".example"));
        string longest = string.Join('.', Enumerable.Repeat(new string('a', 49), 5)) + ".abc"; // 5*50 + 3 = 253
        Assert.Equal(253, longest.Length);
        Assert.True(DnsName.IsValid(longest));
        Assert.False(DnsName.IsValid(longest + "d"));
    }

    [Fact]
    public void Dns_settings_are_bounded()
    {
        IPAddress s = IPAddress.Parse("198.19.0.1");
        Assert.Equal("InvalidDnsSettings", Assert.Throws<SnekException>(() => new DnsSettings([], [], false)).ErrorId);
        Assert.Throws<SnekException>(() => new DnsSettings([s, s, s, s, s], [], false));
        Assert.Throws<SnekException>(() => new DnsSettings([s], Enumerable.Repeat("a.example", 7).ToList(), false));
        Assert.Throws<SnekException>(() => new DnsSettings([IPAddress.Parse("224.0.0.1")], [], false));
        Assert.Throws<SnekException>(() => new DnsSettings([IPAddress.Parse("fe80::1%2")], [], false));
        Assert.Throws<SnekException>(() => new DnsSettings([s], ["bad domain"], false));
    }

    // ---------- journal ----------

    [Fact]
    public void Journal_lines_round_trip_every_kind_of_change()
    {
        HostChange[] changes =
        [
            new RuleChange(false, 32760, 254, null, false, 0),
            new RuleChange(true, 32761, 21358, 0x536e, true, null),
            new TableRouteChange(true, 21358, "snk0"),
            new NftTableChange("inet", "snek_gateway_snk0"),
            new SysctlChange("net.ipv4.ip_forward", "0", "1"),
            new DnsChange(DnsMethod.Resolvconf, "snk0"),
            new DnsChange(DnsMethod.Resolved, "snk0"),
            new DnsChange(DnsMethod.File, "snk0", "/etc/resolv.conf", ResolvConfOriginal.Link, "../run/systemd/resolve/stub-resolv.conf", new string('a', 64)),
            new DnsChange(DnsMethod.File, "snk0", "/etc/resolv.conf", ResolvConfOriginal.File, "/run/jormungandr/snk0.resolv.conf", new string('b', 64)),
            new DnsChange(DnsMethod.File, "snk0", "/etc/resolv.conf", ResolvConfOriginal.None, null, new string('c', 64)),
        ];
        string text = HostJournalFormat.Format(changes);
        Assert.StartsWith("jormungandr-host 1\nrule 4 32760 254 - is 0\nrule 6 32761 21358 21358 not -\nroute 6 21358 snk0\n", text, StringComparison.Ordinal);
        Assert.Equal(changes, HostJournalFormat.Parse(text));
    }

    [Theory]
    [InlineData("jormungandr-host 2\n")]
    [InlineData("jormungandr-host 1\nrule 4 32760 254 - maybe 0\n")]
    [InlineData("jormungandr-host 1\nrule 5 32760 254 - is 0\n")]
    [InlineData("jormungandr-host 1\nroute 4 -1 snk0\n")]
    [InlineData("jormungandr-host 1\nnft inet\n")]
    [InlineData("jormungandr-host 1\nsysctl ../../etc/passwd 0 1 2\n")]
    [InlineData("jormungandr-host 1\ndns file snk0 relative/path file /b " + "aa\n")]
    [InlineData("jormungandr-host 1\ndns file snk0 /etc/resolv.conf none /b aa\n")]
    [InlineData("jormungandr-host 1\nrm -rf /\n")]
    public void Malformed_journals_are_refused_naming_the_line(string text)
    {
        FormatException e = Assert.Throws<FormatException>(() => HostJournalFormat.Parse(text));
        Assert.True(text.StartsWith("jormungandr-host 1", StringComparison.Ordinal) ? e.Message.StartsWith("line 2", StringComparison.Ordinal) : true, e.Message);
    }

    [Fact]
    public void Random_journal_text_parses_or_throws_FormatException_only()
    {
        string valid = HostJournalFormat.Format([new RuleChange(true, 32761, 21358, 0x536e, true, null), new SysctlChange("net.ipv4.ip_forward", "0", "1")]);
        Prop.ForAll(
            Gen.ArrayOf(Gen.Elements(' ', '\n', '-', '/', '0', '6', 'a', 'r', 'u', 'l', 'e', 'n', 'o', 't')).ToArbitrary(),
            (char[] noise) =>
            {
                foreach (string text in new[] { new string(noise), valid + new string(noise), "jormungandr-host 1\n" + new string(noise) })
                {
                    try
                    {
                        List<HostChange> changes = HostJournalFormat.Parse(text);
                        Assert.Equal(changes, HostJournalFormat.Parse(HostJournalFormat.Format(changes)));
                    }
                    catch (FormatException)
                    {
                    }
                }
            }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void An_unreadable_journal_stops_the_start_with_what_to_check()
    {
        File.WriteAllText(HostJournal.PathFor(_runDirectory, Tun), "garbage\n");
        SnekException e = Assert.Throws<SnekException>(() => HostRouting.Open(new FakeHost().System, _runDirectory, Tun, out _));
        Assert.Equal("HostStateUnreadable", e.ErrorId);
        Assert.Contains("ip rule", e.Message, StringComparison.Ordinal);

        File.WriteAllBytes(HostJournal.PathFor(_runDirectory, Tun), new byte[70_000]);
        Assert.Equal("HostStateUnreadable", Assert.Throws<SnekException>(() => HostRouting.Open(new FakeHost().System, _runDirectory, Tun, out _)).ErrorId);
    }

    [Fact]
    public void Journals_are_per_network_namespace_and_another_namespace_s_are_never_touched()
    {
        string mine = HostJournal.PathFor(_runDirectory, Tun);
        Assert.Matches(@"/snk0\.[0-9]+\.host$", mine);
        Assert.NotEqual(Path.Combine(_runDirectory, "snk0.0.host"), mine); // this is Linux: the namespace is known
        var host = new FakeHost();
        HostRouting.Open(host.System, _runDirectory, Tun, out _).ApplyGateway(IPNetwork.Parse("198.19.0.0/24"), null);
        File.Move(mine, Path.Combine(_runDirectory, "snk0.1.host")); // as if written in namespace 1

        Assert.Empty(HostRouting.RecoverOrphans(host.System, _runDirectory, _ => false, null, out _));
        HostRouting.Open(host.System, _runDirectory, Tun, out IReadOnlyList<HostChange> recovered);
        Assert.Empty(recovered);
        Assert.Single(host.Nftables.Tables);
        Assert.True(File.Exists(Path.Combine(_runDirectory, "snk0.1.host")));
    }

    [Fact]
    public void The_journal_is_private_and_written_before_the_change()
    {
        var host = new FakeHost();
        HostRouting routing = HostRouting.Open(host.System, Path.Combine(_runDirectory, "new"), Tun, out _);
        host.Routing.FailOn = new TableRouteChange(false, 21358, Tun);
        string path = HostJournal.PathFor(Path.Combine(_runDirectory, "new"), Tun);
        routing.ApplyKillSwitch(0x536e);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(path)!));
        Assert.Contains("nft inet snek_killswitch_snk0", File.ReadAllText(path), StringComparison.Ordinal);
    }

    // ---------- netlink requests ----------

    [Fact]
    public void Rule_requests_match_ip_rule_with_every_attribute_explicit()
    {
        // ip -6 rule add not fwmark 0x536e table 21358 pref 32761
        Assert.Equal(
            "3c000000" + "2000" + "0506" + "07000000" + "00000000"   // len 60, RTM_NEWRULE, REQUEST|ACK|EXCL|CREATE, seq 7
            + "0a" + "00" + "00" + "00" + "00" + "00" + "00" + "01" + "02000000" // AF_INET6, table in FRA_TABLE (>255), FR_ACT_TO_TBL, FIB_RULE_INVERT
            + "0800" + "0600" + "f97f0000"                          // FRA_PRIORITY 32761
            + "0800" + "0f00" + "6e530000"                          // FRA_TABLE 21358
            + "0800" + "0a00" + "6e530000"                          // FRA_FWMARK 0x536e
            + "0800" + "1000" + "ffffffff",                         // FRA_FWMASK
            Convert.ToHexStringLower(RtNetlinkMessages.Rule(7, add: true, v6: true, 32761, 21358, 0x536e, invert: true, null)));

        // ip rule del lookup main suppress_prefixlength 0 pref 32760
        Assert.Equal(
            "34000000" + "2100" + "0500" + "08000000" + "00000000"   // len 52, RTM_DELRULE, REQUEST|ACK
            + "02" + "00" + "00" + "00" + "fe" + "00" + "00" + "01" + "00000000"
            + "0800" + "0600" + "f87f0000"
            + "0800" + "0f00" + "fe000000"
            + "0800" + "0e00" + "00000000",                         // FRA_SUPPRESS_PREFIXLEN 0
            Convert.ToHexStringLower(RtNetlinkMessages.Rule(8, add: false, v6: false, 32760, 254, null, invert: false, 0)));
    }

    [Fact]
    public void Table_route_requests_match_ip_route_add_and_del_default_dev_table()
    {
        Assert.Equal(
            "2c000000" + "1800" + "0506" + "01000000" + "00000000"   // RTM_NEWROUTE, REQUEST|ACK|EXCL|CREATE
            + "02" + "00" + "00" + "00" + "00" + "03" + "fd" + "01" + "00000000" // AF_INET, /0, table in RTA_TABLE, boot, link scope, unicast
            + "0800" + "0f00" + "6e530000"                          // RTA_TABLE 21358
            + "0800" + "0400" + "07000000",                         // RTA_OIF 7
            Convert.ToHexStringLower(RtNetlinkMessages.NewDefaultRoute(1, 7, v6: false, 21358)));
        Assert.Equal(
            "2c000000" + "1900" + "0500" + "02000000" + "00000000"   // RTM_DELROUTE, REQUEST|ACK
            + "0a" + "00" + "00" + "00" + "64" + "00" + "ff" + "00" + "00000000" // AF_INET6, table 100, any protocol, scope nowhere, any type
            + "0800" + "0f00" + "64000000"
            + "0800" + "0400" + "07000000",
            Convert.ToHexStringLower(RtNetlinkMessages.DeleteDefaultRoute(2, 7, v6: true, 100)));
    }

    private static DnsSettings Settings(bool routeAll) =>
        new([IPAddress.Parse("198.19.0.1"), IPAddress.Parse("fd00:5ec::1")], ["corp.example"], routeAll);
}
