using System.Buffers.Binary;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class RekeyTests
{
    /// <summary>Datagrams in flight, delivered with a lag so old- and new-key packets interleave.</summary>
    private sealed class Link(Session to, int lag)
    {
        private readonly Queue<byte[]> _queue = new();

        public List<int> Delivered { get; } = new();

        public void Send(Session from, int number)
        {
            foreach (byte[] d in SessionPair.Seal(from, Packets.Numbered(number)))
            {
                _queue.Enqueue(d);
            }

            while (_queue.Count > lag)
            {
                Deliver(_queue.Dequeue());
            }
        }

        public void Inject(byte[] datagram) => _queue.Enqueue(datagram);

        public void Flush()
        {
            while (_queue.Count > 0)
            {
                Deliver(_queue.Dequeue());
            }
        }

        private void Deliver(byte[] d)
        {
            (OpenResult r, byte[] p) = SessionPair.Open(to, d);
            Assert.True(r.Authenticated, $"dropped: {r.Reason}");
            if (r.Status == OpenStatus.Packet)
            {
                Delivered.Add(BinaryPrimitives.ReadInt32BigEndian(p.AsSpan(20)));
            }
        }
    }

    [Fact]
    public void Rekey_under_continuous_traffic_loses_nothing()
    {
        var h = new HandshakeHarness("rekey");
        Transcript4 first = h.Run();
        using var client = new Session(first.ClientKeys, null, h.Clock, h.ClientTable);
        using var server = new Session(first.ServerKeys, null, h.Clock, h.ServerTable);
        var toServer = new Link(server, lag: 7);
        var toClient = new Link(client, lag: 5);
        int n = 0;

        void Traffic(int count)
        {
            for (int k = 0; k < count; k++, n++)
            {
                toServer.Send(client, n);
                toClient.Send(server, n);
                h.Clock.Advance(TimeSpan.FromMilliseconds(10));
            }
        }

        Traffic(50);
        for (int step = 0; step < 12; step++)
        {
            h.Clock.Advance(TimeSpan.FromSeconds(10));
            Traffic(1);
        }

        Assert.True(client.Tick().HasFlag(SessionActions.Rekey));
        uint oldClientIndex = client.LocalIndex;
        uint oldServerIndex = server.LocalIndex;

        using var i = new InitiatorHandshake(h.ClientKeys.Identity(), h.PinnedServer, new HandshakeOptions { Random = new SeededRandom("r2c"), Clock = h.Clock, Indices = h.ClientTable });
        using var r = new ResponderHandshake(h.ServerKeys.Identity(), h.AuthorizedClients, new HandshakeOptions { Random = new SeededRandom("r2s"), Clock = h.Clock, Indices = h.ServerTable });
        byte[] m1 = i.CreateInitiation();
        Traffic(10);
        byte[] m2 = r.ProcessInitiation(m1);
        Traffic(10);
        byte[] m3 = i.ProcessResponse(m2);
        Traffic(10);
        r.ProcessAuthentication(m3);
        byte[] m4 = r.CreateConfirmation([], out SessionKeys serverKeys);
        server.Install(serverKeys);
        serverKeys.Dispose();
        Traffic(10);
        SessionKeys clientKeys = i.ProcessConfirmation(m4);
        client.Install(clientKeys);
        clientKeys.Dispose();
        Assert.True(client.Tick().HasFlag(SessionActions.SendKeepalive));
        byte[] ka = new byte[2000];
        toServer.Inject(ka[..client.SealKeepalive(ka)]);
        Traffic(100);
        toServer.Flush();
        toClient.Flush();

        Assert.Equal(Enumerable.Range(0, n), toServer.Delivered.Order());
        Assert.Equal(Enumerable.Range(0, n), toClient.Delivered.Order());
        Assert.NotEqual(oldClientIndex, client.LocalIndex);
        Assert.NotEqual(oldServerIndex, server.LocalIndex);
        Assert.Equal(1, client.Counters.Rekeys);
        Assert.Equal(1, server.Counters.Rekeys);
        Assert.Equal(0, server.Counters.DropsAuthentication + server.Counters.DropsReplay + server.Counters.DropsExpired);

        // After the grace period the old keys are gone and their indices leave the tables.
        h.Clock.Advance(TimeSpan.FromSeconds(11));
        client.Tick();
        server.Tick();
        Assert.False(h.ServerTable.TryGetSession(oldServerIndex, out _));
        Assert.False(h.ClientTable.TryGetSession(oldClientIndex, out _));
        Assert.True(h.ServerTable.TryGetSession(server.LocalIndex, out _));
    }

    [Fact]
    public void Old_keys_refused_after_grace_period()
    {
        var clock = new ManualClock();
        using var pair = new SessionPair(clock: clock);
        byte[] old = SessionPair.Seal(pair.Server, Packets.IPv4(80))[0];
        byte[] k1 = Enumerable.Repeat((byte)7, 32).ToArray();
        byte[] k2 = Enumerable.Repeat((byte)8, 32).ToArray();
        using var ck = new SessionKeys(0x33333333, 0x44444444, true, k1, k2, TestKeys.Get("server").PublicKey);
        pair.Client.Install(ck);
        Assert.Equal(OpenStatus.Packet, SessionPair.Open(pair.Client, old).Result.Status);
        byte[] old2 = SessionPair.Seal(pair.Server, Packets.IPv4(80))[0];
        clock.Advance(pair.Options.OldKeyGrace);
        Assert.Equal(DropReason.KeysExpired, SessionPair.Open(pair.Client, old2).Result.Reason);
        pair.Client.Tick();
        Assert.Equal(DropReason.UnknownIndex, SessionPair.Open(pair.Client, old2).Result.Reason);
    }

    [Fact]
    public void Install_refuses_keys_of_another_peer()
    {
        using var pair = new SessionPair();
        using var other = new SessionKeys(5, 6, true, new byte[32], new byte[32], TestKeys.Get("impostor").PublicKey);
        Assert.Throws<ArgumentException>(() => pair.Client.Install(other));
    }
}
