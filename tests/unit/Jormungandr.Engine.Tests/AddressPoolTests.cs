using System.Net;
using Jormungandr.Commands;
using Jormungandr.Engine;

namespace Jormungandr.Tests;

public class AddressPoolTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(10);

    private static AddressPool Pool(string v4 = "198.19.0.0/24", string? v6 = null) =>
        new(IPNetwork.Parse(v4), v6 is null ? null : IPNetwork.Parse(v6), Lease);

    [Fact]
    public void Server_takes_host_1_and_clients_start_at_host_2()
    {
        AddressPool pool = Pool(v6: "fd00:5ec::/120");
        Assert.Equal(IPAddress.Parse("198.19.0.1"), pool.ServerLease.Address4);
        Assert.Equal(IPAddress.Parse("fd00:5ec::1"), pool.ServerLease.Address6);
        Lease a = pool.Acquire("A", TimeSpan.Zero)!;
        Assert.Equal(IPAddress.Parse("198.19.0.2"), a.Address4);
        Assert.Equal(IPAddress.Parse("fd00:5ec::2"), a.Address6);
    }

    [Theory]
    [InlineData("198.19.3.1/8", null)] // masked by IPNetwork.Parse to the /8 around it
    [InlineData("198.18.0.0/15", null)]
    [InlineData("198.19.0.0/24", "fd00:5ec::/48")]
    [InlineData("198.19.0.0/24", "fd00:5ec::/63")]
    public void Pools_wider_than_clients_accept_are_refused(string v4, string? v6)
    {
        SnekException e = Assert.Throws<SnekException>(() => Pool(v4, v6));
        Assert.Equal("PoolOutOfRange", e.ErrorId);
        Assert.Equal(ErrorKind.InvalidArgument, e.Kind);
        Assert.Contains("clients refuse wider networks", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_widest_pools_clients_accept_work_and_match_their_bounds()
    {
        AddressPool pool = Pool("198.19.0.0/16", "fd00:5ec::/64");
        Assert.Equal(TunnelConfig.MinPrefix4, pool.Prefix4);
        Assert.Equal(TunnelConfig.MinPrefix6, pool.Prefix6);
        Assert.Equal(65533, pool.Capacity); // hosts 2 .. 65534
        Lease a = pool.Acquire("A", TimeSpan.Zero)!;

        // What the server would send for this lease, the client accepts.
        var config = new TunnelConfig(a.Address4, pool.Prefix4, a.Address6, pool.Prefix6, 1416);
        Assert.Equal(config, TunnelConfig.Decode(config.Encode()));
    }

    [Theory]
    [InlineData("198.18.0.0/15")]
    [InlineData("198.19.0.0/31")]
    public void The_pool_option_uses_the_same_bounds(string pool)
    {
        SnekException e = Assert.Throws<SnekException>(() => Jormungandr.Tunnel.OptionChecks.Pool4(pool));
        Assert.Equal("InvalidTunnelOption", e.ErrorId);
        Assert.Equal($"Pool '{pool}' must be an IPv4 network with a prefix from /16 to /30 (clients refuse wider networks).", e.Message);
        Assert.Equal(IPNetwork.Parse("198.19.0.0/16"), Jormungandr.Tunnel.OptionChecks.Pool4("198.19.0.0/16"));
        Assert.Throws<SnekException>(() => Jormungandr.Tunnel.OptionChecks.Pool6("fd00:5ec::/63"));
    }

    [Fact]
    public void Same_key_gets_the_same_lease_different_keys_different_ones()
    {
        AddressPool pool = Pool();
        Lease a = pool.Acquire("A", TimeSpan.Zero)!;
        Lease b = pool.Acquire("B", TimeSpan.Zero)!;
        Assert.NotEqual(a.Address4, b.Address4);
        Assert.Equal(a, pool.Acquire("A", TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_released_lease_lingers_for_its_key_then_returns_to_the_pool()
    {
        AddressPool pool = Pool("198.19.0.0/30"); // exactly one client address: .2
        Lease a = pool.Acquire("A", TimeSpan.Zero)!;
        Assert.Null(pool.Acquire("B", TimeSpan.Zero)); // full
        pool.Release("A", TimeSpan.FromMinutes(1));
        Assert.Null(pool.Acquire("B", TimeSpan.FromMinutes(5))); // still A's while the lease lives
        Assert.Equal(a, pool.Acquire("A", TimeSpan.FromMinutes(6))); // A comes back: same address
        pool.Release("A", TimeSpan.FromMinutes(7));
        Lease b = pool.Acquire("B", TimeSpan.FromMinutes(18))!; // expired: B may have it now
        Assert.Equal(a.Address4, b.Address4);
    }

    [Fact]
    public void Static_addresses_are_reserved_and_given_to_their_key()
    {
        AddressPool pool = Pool();
        pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse("198.19.0.2"), null) });
        Lease other = pool.Acquire("X", TimeSpan.Zero)!;
        Assert.Equal(IPAddress.Parse("198.19.0.3"), other.Address4);
        Assert.Equal(IPAddress.Parse("198.19.0.2"), pool.Acquire("S", TimeSpan.Zero)!.Address4);
    }

    [Fact]
    public void A_dynamic_lease_that_becomes_another_keys_static_address_is_not_handed_back_to_its_holder()
    {
        // B holds .2 dynamically; the admin then gives .2 to S. B reconnecting must not get .2 again,
        // or B and S would both own it and the route would follow whichever connected last.
        AddressPool pool = Pool(v6: "fd00:5ec::/120");
        Lease b = pool.Acquire("B", TimeSpan.Zero)!;
        Assert.Equal(IPAddress.Parse("198.19.0.2"), b.Address4);
        pool.Release("B", TimeSpan.FromSeconds(1));
        pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse("198.19.0.2"), null) });

        Lease again = pool.Acquire("B", TimeSpan.FromSeconds(2))!;
        Lease s = pool.Acquire("S", TimeSpan.FromSeconds(2))!;
        Assert.Equal(IPAddress.Parse("198.19.0.2"), s.Address4);
        Assert.NotEqual(s.Address4, again.Address4);
        Assert.NotEqual(s.Address6, again.Address6);
    }

    [Fact]
    public void A_static_ipv6_address_is_never_a_dynamic_clients_ipv6_address()
    {
        AddressPool pool = Pool(v6: "fd00:5ec::/120");
        pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse("198.19.0.10"), IPAddress.Parse("fd00:5ec::2")) });
        Lease x = pool.Acquire("X", TimeSpan.Zero)!;
        Assert.NotEqual(IPAddress.Parse("fd00:5ec::2"), x.Address6);
        Assert.Equal(IPAddress.Parse("fd00:5ec::2"), pool.Acquire("S", TimeSpan.Zero)!.Address6);
    }

    [Fact]
    public void Two_keys_with_one_static_address_are_refused_and_the_previous_assignments_stay()
    {
        AddressPool pool = Pool(v6: "fd00:5ec::/120");
        pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse("198.19.0.5"), null) });
        SnekException e = Assert.Throws<SnekException>(() => pool.SetStatic(new Dictionary<string, Lease>
        {
            ["S"] = new(IPAddress.Parse("198.19.0.5"), null),
            ["T"] = new(IPAddress.Parse("198.19.0.6"), null),
            ["U"] = new(IPAddress.Parse("198.19.0.7"), IPAddress.Parse("fd00:5ec::6")), // T's IPv6 (host 6)
        }));
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
        Assert.Throws<SnekException>(() => pool.SetStatic(new Dictionary<string, Lease>
        {
            ["S"] = new(IPAddress.Parse("198.19.0.5"), null),
            ["T"] = new(IPAddress.Parse("198.19.0.5"), null),
        }));

        // Neither refused set took effect: .5 is still S's alone.
        Assert.Equal(IPAddress.Parse("198.19.0.5"), pool.Acquire("S", TimeSpan.Zero)!.Address4);
        Assert.NotEqual(IPAddress.Parse("198.19.0.5"), pool.Acquire("T", TimeSpan.Zero)!.Address4);
    }

    [Theory]
    [InlineData("198.19.1.5")] // outside the pool
    [InlineData("198.19.0.1")] // the server's
    [InlineData("198.19.0.255")] // broadcast
    public void Static_addresses_outside_the_client_range_are_refused(string address)
    {
        AddressPool pool = Pool();
        SnekException e = Assert.Throws<SnekException>(() => pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse(address), null) }));
        Assert.Equal(ErrorKind.InvalidData, e.Kind);
    }

    [Fact]
    public void Pool_of_a_slash_24_holds_253_clients_then_reports_full()
    {
        AddressPool pool = Pool();
        Assert.Equal(253, pool.Capacity);
        var seen = new HashSet<IPAddress>();
        for (int i = 0; i < 253; i++)
        {
            Assert.True(seen.Add(pool.Acquire("k" + i, TimeSpan.Zero)!.Address4));
        }

        Assert.Null(pool.Acquire("one-too-many", TimeSpan.Zero));
        Assert.DoesNotContain(IPAddress.Parse("198.19.0.255"), seen);
        Assert.DoesNotContain(IPAddress.Parse("198.19.0.1"), seen);
    }

    [Fact]
    public void The_lowest_free_address_is_handed_out_also_after_addresses_below_it_became_free()
    {
        AddressPool pool = Pool("198.19.0.0/29"); // clients .2 to .6
        pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse("198.19.0.3"), null) });
        Assert.Equal(IPAddress.Parse("198.19.0.2"), pool.Acquire("A", TimeSpan.Zero)!.Address4);
        Assert.Equal(IPAddress.Parse("198.19.0.4"), pool.Acquire("B", TimeSpan.Zero)!.Address4); // .3 is static
        Assert.Equal(IPAddress.Parse("198.19.0.5"), pool.Acquire("C", TimeSpan.Zero)!.Address4);

        // .3 stops being static: it is free again and the lowest.
        pool.SetStatic(new Dictionary<string, Lease>());
        Assert.Equal(IPAddress.Parse("198.19.0.3"), pool.Acquire("D", TimeSpan.Zero)!.Address4);
        Assert.Equal(IPAddress.Parse("198.19.0.6"), pool.Acquire("E", TimeSpan.Zero)!.Address4);
        Assert.Null(pool.Acquire("F", TimeSpan.Zero));

        // A's lease expires and F reclaims its address, the lowest.
        pool.Release("A", TimeSpan.Zero);
        Assert.Equal(IPAddress.Parse("198.19.0.2"), pool.Acquire("F", Lease)!.Address4);
        Assert.Null(pool.Acquire("G", Lease));

        // B's address becomes S's static one: B gives it up and gets none (full); S gets it.
        pool.SetStatic(new Dictionary<string, Lease> { ["S"] = new(IPAddress.Parse("198.19.0.4"), null) });
        Assert.Null(pool.Acquire("B", Lease));
        Assert.Equal(IPAddress.Parse("198.19.0.4"), pool.Acquire("S", Lease)!.Address4);
    }

    [Fact]
    public void A_whole_slash_16_with_a_thousand_static_addresses_fills_with_distinct_non_static_addresses()
    {
        // Thousands of clients after a restart: every address handed out once, none of them static or
        // the server's; each static host (IPv4, and its explicit IPv6 address's host) stays reserved.
        AddressPool pool = Pool("198.19.0.0/16", "fd00:5ec::/64");
        var statics = new Dictionary<string, Lease>(StringComparer.Ordinal);
        var staticHosts = new HashSet<long>();
        for (int i = 0; i < 1000; i++)
        {
            long host = 2 + (i * 61);
            long host6 = 3 + (i * 61); // explicit IPv6 address of another host number
            statics["s" + i] = new(new IPAddress([198, 19, (byte)(host >> 8), (byte)host]), IPAddress.Parse($"fd00:5ec::{host6:x}"));
            staticHosts.Add(host);
            staticHosts.Add(host6);
        }

        pool.SetStatic(statics);
        var seen = new HashSet<long>();
        for (int i = 0; ; i++)
        {
            Lease? lease = pool.Acquire("c" + i, TimeSpan.Zero);
            if (lease is null)
            {
                break;
            }

            long host = AddressPool.ToUInt32(lease.Address4) - AddressPool.ToUInt32(IPAddress.Parse("198.19.0.0"));
            Assert.True(seen.Add(host), $"host {host} handed out twice");
            Assert.DoesNotContain(host, staticHosts);
        }

        Assert.Equal(pool.Capacity - staticHosts.Count, seen.Count);
    }
}
