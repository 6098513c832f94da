using System.Net;
using Jormungandr.Engine;
using Jormungandr.Tunnel;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// The whole engine — server and clients, handshakes over the key channel, sessions, timers, cryptokey
/// routing — on in-memory TUNs over a simulated network with a test clock. No root, no sockets, no real
/// waiting for protocol timers: the 2-minute rekey runs on the real schedule in test time.
/// </summary>
public class DeviceBehaviourTests
{
    private static readonly IPAddress ServerTunnel = IPAddress.Parse("198.19.0.1");
    private static readonly TimeSpan Second = TimeSpan.FromSeconds(1);

    // Clients are authorized before the server starts (later ones are read on the directory's change, after a delay of test time).
    private static async Task<SimClient> EstablishedClient(SimLab lab, string name)
    {
        SimClient c = lab.AddClient(name);
        lab.StartServer();
        await c.StartAsync();
        try
        {
            await SimLab.WaitUntilAsync(() => c.IsEstablished, $"{name} to be established");
        }
        catch (TimeoutException e)
        {
            throw new TimeoutException(e.Message + " Client: " + string.Join("; ", c.Events.Select(v => $"{v.Kind} {v.Message}"))
                + " Server: " + string.Join("; ", lab.Server!.Log.Lines) + " Client log: " + string.Join("; ", c.Log.Lines), e);
        }


        // The client's first keepalive tells the server its endpoint.
        await SimLab.WaitUntilAsync(() => lab.Server!.Sessions.Any(s => s.PeerName == name && s.Endpoint is not null), $"the server to learn {name}'s endpoint");
        return c;
    }

    private static async Task<List<byte[]>> ReceiveAsync(MemoryTun tun, int count, string what)
    {
        List<byte[]> got = [];
        await SimLab.WaitUntilAsync(() =>
        {
            got.AddRange(Ip.Drain(tun));
            return got.Count >= count;
        }, what);
        return got;
    }

    [Fact]
    public async Task A_client_is_configured_by_the_server_and_traffic_flows_both_ways()
    {
        await using var lab = new SimLab();
        SimClient a = await EstablishedClient(lab, "a");

        Assert.Equal("198.19.0.2", a.TunnelAddress.ToString());
        Assert.Contains("address 198.19.0.2/24", a.Interfaces.Calls);
        Assert.Contains("address fd00:5ec::2/64", a.Interfaces.Calls);
        Assert.Contains("address 198.19.0.1/24", lab.Server!.Interfaces.Calls);

        // Each side's peer owns exactly what cryptokey routing gives it.
        Assert.Equal(["198.19.0.2/32", "fd00:5ec::2/128"], lab.Server.Sessions.Single().AllowedNetworks);
        Assert.Equal(["198.19.0.0/24", "fd00:5ec::/64"], a.Session.AllowedNetworks);

        a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, 1));
        a.Tun.Inject(Ip.Packet(IPAddress.Parse("fd00:5ec::2"), IPAddress.Parse("fd00:5ec::1"), 2));
        List<byte[]> atServer = await ReceiveAsync(lab.Server.Tun, 2, "the client's packets at the server");
        Assert.Equal([1L, 2L], atServer.Select(Ip.Number));

        lab.Server.Tun.Inject(Ip.Packet(ServerTunnel, a.TunnelAddress, 3));
        List<byte[]> atClient = await ReceiveAsync(a.Tun, 1, "the server's packet at the client");
        Assert.Equal(3L, Ip.Number(atClient.Single()));
    }

    [Fact]
    public async Task Keys_are_replaced_every_two_minutes_while_traffic_flows_and_no_packet_is_lost()
    {
        await using var lab = new SimLab();
        SimClient a = await EstablishedClient(lab, "a");
        var rekeyAfter = new ClientOptions().RekeyAfter;
        Assert.Equal(TimeSpan.FromMinutes(2), rekeyAfter);

        long next = 0;
        List<byte[]> atServer = [];
        List<byte[]> atClient = [];
        for (int s = 0; s < 250; s++)
        {
            // A rekey takes real CPU time: while one is due or running the test clock waits for it.
            if (lab.Clock.UtcNow - a.Session.LastHandshake >= rekeyAfter)
            {
                await SimLab.WaitUntilAsync(() => lab.Clock.UtcNow - a.Session.LastHandshake < rekeyAfter, "the rekey to complete");
            }

            a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, next++));
            lab.Server!.Tun.Inject(Ip.Packet(ServerTunnel, a.TunnelAddress, next++));
            await SimLab.WaitUntilAsync(() =>
            {
                atServer.AddRange(Ip.Drain(lab.Server.Tun));
                atClient.AddRange(Ip.Drain(a.Tun));
                return atServer.Count + atClient.Count == next;
            }, $"packet {next} to arrive");
            lab.Clock.Advance(Second);
            await Task.Delay(2);
        }

        Assert.True(a.Session.Rekeys >= 2, $"{a.Session.Rekeys} rekeys in 250 s");
        Assert.True(lab.Server!.Sessions.Single().Rekeys >= 2);
        Assert.Equal(0, a.Count(SessionEventKind.Disconnected));
        Assert.Equal(1, a.Count(SessionEventKind.Established));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => 2L * i), atServer.Select(Ip.Number));
        Assert.Equal(Enumerable.Range(0, 250).Select(i => (2L * i) + 1), atClient.Select(Ip.Number));
    }

    [Fact]
    public async Task A_dead_data_path_expires_the_session_and_the_client_handshakes_again()
    {
        await using var lab = new SimLab();
        SimClient a = await EstablishedClient(lab, "a");

        lab.Network.DataBlocked = true;
        TimeSpan silent = await lab.AdvanceUntilAsync(() => a.Count(SessionEventKind.Disconnected) > 0, Second, TimeSpan.FromSeconds(60));
        Assert.InRange(silent, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(40)); // the 35 s session timeout

        lab.Network.DataBlocked = false;
        await lab.AdvanceUntilAsync(() => a.Count(SessionEventKind.Connected) == 2, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(20)); // the backoff
        await SimLab.WaitUntilAsync(() => a.Count(SessionEventKind.Established) == 2 && a.IsEstablished, "a new session", 60);
        a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, 7));
        Assert.Equal(7L, Ip.Number((await ReceiveAsync(lab.Server!.Tun, 1, "traffic on the new session")).Single()));
    }

    [Fact]
    public async Task A_client_behind_a_rebinding_nat_keeps_its_session_and_the_server_follows()
    {
        await using var lab = new SimLab();
        SimClient a = await EstablishedClient(lab, "a");
        string? before = lab.Server!.Sessions.Single().Endpoint;

        lab.Network.Rebind((SimTransport)a.Engine!.Device!.Transport);
        a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, 1));
        await ReceiveAsync(lab.Server.Tun, 1, "the packet from the new port");
        string? after = lab.Server.Sessions.Single().Endpoint;
        Assert.NotEqual(before, after);

        lab.Server.Tun.Inject(Ip.Packet(ServerTunnel, a.TunnelAddress, 2));
        Assert.Equal(2L, Ip.Number((await ReceiveAsync(a.Tun, 1, "the reply at the new port")).Single()));

        // Roaming on purpose (a new local socket): same session, the server follows again.
        Assert.True(a.Engine.Rebind());
        await SimLab.WaitUntilAsync(() => lab.Server.Sessions.Single().Endpoint != after, "the server to follow the rebind");
        lab.Server.Tun.Inject(Ip.Packet(ServerTunnel, a.TunnelAddress, 3));
        Assert.Equal(3L, Ip.Number((await ReceiveAsync(a.Tun, 1, "the reply after the rebind")).Single()));
        Assert.Equal(1, a.Count(SessionEventKind.Established));
    }

    [Fact]
    public async Task Every_datagram_replayed_is_dropped_and_each_packet_arrives_once()
    {
        await using var lab = new SimLab();
        SimClient a = await EstablishedClient(lab, "a");
        lab.Network.Duplication = 1.0;

        for (int i = 0; i < 50; i++)
        {
            a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, i));
        }

        List<byte[]> got = await ReceiveAsync(lab.Server!.Tun, 50, "50 packets");
        await Task.Delay(50);
        got.AddRange(Ip.Drain(lab.Server.Tun));
        Assert.Equal(Enumerable.Range(0, 50).Select(i => (long)i), got.Select(Ip.Number));
        Assert.True(lab.Server.Sessions.Single().DropsReplay >= 50);
    }

    [Fact]
    public async Task Loss_reordering_duplication_and_delay_lose_packets_but_never_deliver_one_twice()
    {
        await using var lab = new SimLab(seed: 7);
        SimClient a = await EstablishedClient(lab, "a");
        lab.Network.Loss = 0.2;
        lab.Network.Reordering = 0.2;
        lab.Network.Duplication = 0.2;
        lab.Network.Delay = TimeSpan.FromMilliseconds(20);

        List<byte[]> got = [];
        for (int i = 0; i < 200; i++)
        {
            a.Tun.Inject(Ip.Packet(a.TunnelAddress, ServerTunnel, i));
            await Task.Delay(1);
            lab.Clock.Advance(TimeSpan.FromMilliseconds(10));
            got.AddRange(Ip.Drain(lab.Server!.Tun));
        }

        await lab.AdvanceAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(10));
        await Task.Delay(100);
        got.AddRange(Ip.Drain(lab.Server!.Tun));
        long[] numbers = [.. got.Select(Ip.Number)];
        Assert.Equal(numbers.Length, numbers.Distinct().Count());
        Assert.All(numbers, n => Assert.InRange(n, 0, 199));
        Assert.InRange(numbers.Length, 100, 199); // about 80% get through; some certainly do not
        Assert.True(a.IsEstablished);
    }

    [Fact]
    public async Task After_each_server_restart_the_client_comes_back_within_the_first_backoff_step()
    {
        await using var lab = new SimLab();
        SimClient a = await EstablishedClient(lab, "a");
        IPAddress address = a.TunnelAddress;

        for (int restart = 1; restart <= 3; restart++)
        {
            int connected = a.Count(SessionEventKind.Connected);
            await lab.Server!.DisposeAsync();
            DateTimeOffset down = lab.Clock.UtcNow;
            lab.StartServer();
            await SimLab.WaitUntilAsync(() => a.Count(SessionEventKind.Disconnected) == restart, "the client to notice");

            await lab.AdvanceUntilAsync(() => a.Count(SessionEventKind.Connected) > connected, TimeSpan.FromMilliseconds(10), TimeSpan.FromSeconds(20));
            TimeSpan back = a.Events.Last(e => e.Kind == SessionEventKind.Connected).Time - down;

            // 250 ms jittered down to 125..250 ms after every established session; without the reset the
            // nominal delay would double per restart (500 ms, then 1 s).
            Assert.InRange(back, TimeSpan.FromMilliseconds(120), TimeSpan.FromMilliseconds(270));
            await SimLab.WaitUntilAsync(() => a.IsEstablished && a.Count(SessionEventKind.Established) == restart + 1, "the new session");
            Assert.Equal(address, a.TunnelAddress); // the lease survived the restart
        }
    }

    [Fact]
    public async Task Many_clients_reach_the_server_and_none_can_send_as_another()
    {
        await using var lab = new SimLab();
        List<SimClient> clients = [];
        for (int i = 0; i < 12; i++)
        {
            SimClient c = lab.AddClient("c" + i);
            clients.Add(c);
        }

        SimClient mallory = lab.AddClient("mallory", authorize: false);
        lab.StartServer();
        await Task.WhenAll(clients.Select(c => c.StartAsync()).Append(mallory.StartAsync()));
        await SimLab.WaitUntilAsync(() => clients.All(c => c.IsEstablished), "every client", 60);
        await SimLab.WaitUntilAsync(() => lab.Server!.Sessions.Count(s => s.Endpoint is not null) == clients.Count, "every endpoint");
        Assert.Equal(clients.Count, clients.Select(c => c.TunnelAddress).Distinct().Count());
        Assert.False(mallory.IsEstablished);
        Assert.True(lab.Server!.Engine.ServerStatus().Unauthorized >= 1);

        foreach (SimClient c in clients)
        {
            c.Tun.Inject(Ip.Packet(c.TunnelAddress, ServerTunnel, clients.IndexOf(c)));
        }

        List<byte[]> got = await ReceiveAsync(lab.Server.Tun, clients.Count, "a packet from every client");
        Assert.All(got, p => Assert.Equal(clients[(int)Ip.Number(p)].TunnelAddress, Ip.Source(p)));

        // c1 claims c0's address, the server's, an underlay address and an address outside the pool.
        SimClient liar = clients[1];
        foreach (string forged in new[] { clients[0].TunnelAddress.ToString(), "198.19.0.1", "198.18.0.1", "198.19.1.9" })
        {
            liar.Tun.Inject(Ip.Packet(IPAddress.Parse(forged), ServerTunnel, 100));
        }

        await SimLab.WaitUntilAsync(() => lab.Server.Sessions.Single(s => s.PeerName == liar.Name).DropsRouting == 4, "the forged packets to be dropped");
        Assert.Empty(Ip.Drain(lab.Server.Tun));

        // The server's routing picks exactly one client per destination.
        foreach (SimClient c in clients)
        {
            lab.Server.Tun.Inject(Ip.Packet(ServerTunnel, c.TunnelAddress, 1000 + clients.IndexOf(c)));
        }

        foreach (SimClient c in clients)
        {
            Assert.Equal(1000L + clients.IndexOf(c), Ip.Number((await ReceiveAsync(c.Tun, 1, c.Name + "'s packet")).Single()));
        }

        await Task.Delay(50);
        Assert.All(clients, c => Assert.Empty(Ip.Drain(c.Tun)));
    }
}
