using Jormungandr.Protocol;

namespace Jormungandr.Tests;

/// <summary>The key channel's message order as sans-IO state machines: frames in, steps out.</summary>
public class KeyExchangeTests
{
    private static (InitiatorExchange Client, ResponderExchange Server) Pair(HandshakeHarness h, IPeerKeyPolicy? authorized = null) =>
        (new InitiatorExchange(h.ClientKeys.Identity(), h.PinnedServer, new HandshakeOptions { Random = new SeededRandom(h.ClientSeed), Clock = h.Clock, Indices = h.ClientTable }),
         new ResponderExchange(h.ServerKeys.Identity(), authorized ?? h.AuthorizedClients, new HandshakeOptions { Random = new SeededRandom(h.ServerSeed), Clock = h.Clock, Indices = h.ServerTable }));

    // One handshake through both machines; returns the client's and the server's final steps.
    private static (KeyExchangeStep Client, KeyExchangeStep Server) Handshake(InitiatorExchange client, ResponderExchange server, byte[] payload)
    {
        KeyExchangeStep init = client.Begin();
        KeyExchangeStep response = server.Receive(init.Send);
        KeyExchangeStep auth = client.Receive(response.Send);
        KeyExchangeStep authenticated = server.Receive(auth.Send);
        Assert.Equal(KeyExchangeEvent.Authenticated, authenticated.Event);
        KeyExchangeStep confirm = server.Confirm(payload);
        KeyExchangeStep done = client.Receive(confirm.Send);
        return (done, confirm);
    }

    [Fact]
    public void A_first_handshake_then_rekeys_on_the_same_channel()
    {
        var h = new HandshakeHarness();
        (InitiatorExchange client, ResponderExchange server) = Pair(h);
        using (client)
        using (server)
        {
            (KeyExchangeStep c, KeyExchangeStep s) = Handshake(client, server, [7, 7]);
            Assert.Equal(KeyExchangeEvent.Established, c.Event);
            Assert.Equal(KeyExchangeEvent.Established, s.Event);
            Assert.Equal([7, 7], c.Keys!.ApplicationPayload.ToArray());
            Assert.Equal(h.ClientKeys.PublicKey, server.PeerPublicKey);
            Assert.False(client.InProgress);
            Assert.Null(client.Deadline);
            Assert.Null(server.Deadline); // an established channel may idle without a deadline
            c.Keys.Dispose();
            s.Keys!.Dispose();

            (c, s) = Handshake(client, server, [8]);
            Assert.Equal(KeyExchangeEvent.Rekeyed, c.Event);
            Assert.Equal(KeyExchangeEvent.Rekeyed, s.Event);
            c.Keys!.Dispose();
            s.Keys!.Dispose();
        }
    }

    [Fact]
    public void Rekeys_beyond_the_sessions_bound_fail_the_channel_and_the_bound_refills()
    {
        var h = new HandshakeHarness();
        (InitiatorExchange client, ResponderExchange server) = Pair(h);
        using (client)
        using (server)
        {
            Handshake(client, server, []);
            for (int i = 0; i < ResponderExchange.RekeyBurst; i++)
            {
                Assert.Equal(KeyExchangeEvent.Rekeyed, Handshake(client, server, []).Server.Event);
            }

            KeyExchangeStep refused = server.Receive(client.Begin().Send);
            Assert.Equal(KeyExchangeEvent.Failed, refused.Event);
            Assert.Equal(ProtocolError.RateLimited, refused.Error!.Error);
            Assert.Equal(KeyExchangeEvent.Failed, server.Receive(new byte[10]).Event); // failed for good
        }

        // With time the bound allows one more every 2 s.
        (client, server) = Pair(h);
        using (client)
        using (server)
        {
            Handshake(client, server, []);
            for (int i = 0; i < ResponderExchange.RekeyBurst; i++)
            {
                Handshake(client, server, []);
            }

            h.Clock.Advance(TimeSpan.FromSeconds(2));
            Assert.Equal(KeyExchangeEvent.Rekeyed, Handshake(client, server, []).Server.Event);
        }
    }

    [Fact]
    public void A_silent_server_fails_the_client_at_the_handshake_deadline()
    {
        var h = new HandshakeHarness();
        (InitiatorExchange client, ResponderExchange server) = Pair(h);
        using (client)
        using (server)
        {
            client.Begin();
            Assert.Equal(h.Clock.Now + TimeSpan.FromSeconds(5), client.Deadline);
            h.Clock.Advance(TimeSpan.FromSeconds(4.9));
            Assert.Equal(KeyExchangeEvent.None, client.CheckDeadline().Event);
            h.Clock.Advance(TimeSpan.FromSeconds(0.1));
            KeyExchangeStep failed = client.CheckDeadline();
            Assert.Equal(ProtocolError.Timeout, failed.Error!.Error);
            Assert.Equal(KeyExchangeEvent.Failed, client.Begin().Event);
        }
    }

    [Fact]
    public void The_server_can_bring_an_unauthenticated_deadline_forward_and_a_late_answer_fails()
    {
        var h = new HandshakeHarness();
        (InitiatorExchange client, ResponderExchange server) = Pair(h);
        using (client)
        using (server)
        {
            KeyExchangeStep response = server.Receive(client.Begin().Send);
            server.LimitDeadline(h.Clock.Now + TimeSpan.FromSeconds(1));
            Assert.Equal(h.Clock.Now + TimeSpan.FromSeconds(1), server.Deadline);
            byte[] auth = client.Receive(response.Send).Send!;
            h.Clock.Advance(TimeSpan.FromSeconds(1.5));
            KeyExchangeStep late = server.Receive(auth);
            Assert.Equal(KeyExchangeEvent.Failed, late.Event);
            Assert.Equal(ProtocolError.Timeout, late.Error!.Error);
            Assert.Equal(0, h.ServerTable.Count); // the reserved index went with the handshake
        }
    }

    [Fact]
    public void Frames_out_of_order_fail_the_exchange()
    {
        var h = new HandshakeHarness();
        (InitiatorExchange client, ResponderExchange server) = Pair(h);
        using (client)
        using (server)
        {
            Assert.Equal(KeyExchangeEvent.Failed, client.Receive(new byte[64]).Event); // nothing in progress
            KeyExchangeStep response = server.Receive(Pair(h).Client.Begin().Send);
            Assert.Throws<InvalidOperationException>(() => server.Confirm([])); // not authenticated yet
            Assert.Equal(KeyExchangeEvent.Failed, server.Receive(response.Send!).Event); // a Response is no Authentication
        }
    }

    [Fact]
    public void A_refused_client_fails_the_exchange_with_the_reason_given()
    {
        var h = new HandshakeHarness();
        (InitiatorExchange client, ResponderExchange server) = Pair(h);
        using (client)
        using (server)
        {
            KeyExchangeStep response = server.Receive(client.Begin().Send);
            Assert.Equal(KeyExchangeEvent.Authenticated, server.Receive(client.Receive(response.Send).Send).Event);
            KeyExchangeStep refused = server.Refuse(new ProtocolException(ProtocolError.PeerNotTrusted, "no"));
            Assert.Equal(ProtocolError.PeerNotTrusted, refused.Error!.Error);
            Assert.Equal(0, h.ServerTable.Count);
        }
    }

    [Fact]
    public void A_rekey_that_authenticates_another_key_fails()
    {
        var h = new HandshakeHarness();
        var other = new HandshakeHarness(client: "other");
        var both = new PinnedKeys(h.ClientKeys.PublicKey, other.ClientKeys.PublicKey);
        (InitiatorExchange client, ResponderExchange server) = Pair(h, both);
        var intruder = new InitiatorExchange(other.ClientKeys.Identity(), h.PinnedServer, new HandshakeOptions { Clock = h.Clock });
        using (client)
        using (server)
        using (intruder)
        {
            Handshake(client, server, []);
            KeyExchangeStep response = server.Receive(intruder.Begin().Send);
            KeyExchangeStep switched = server.Receive(intruder.Receive(response.Send).Send);
            Assert.Equal(KeyExchangeEvent.Failed, switched.Event);
            Assert.Equal(ProtocolError.UnexpectedMessage, switched.Error!.Error);
        }
    }
}
