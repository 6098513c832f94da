using Jormungandr.Protocol;

namespace Jormungandr.Tests;

/// <summary>Runs the v2 handshake between two in-memory peers with fixed seeds.</summary>
internal sealed class HandshakeHarness
{
    public HandshakeHarness(string seed = "hs", string client = "client", string server = "server")
    {
        Clock = new ManualClock();
        ClientKeys = TestKeys.Get(client);
        ServerKeys = TestKeys.Get(server);
        ClientSeed = seed + "/client";
        ServerSeed = seed + "/server";
        AuthorizedClients = new PinnedKeys(ClientKeys.PublicKey);
        PinnedServer = new PinnedKeys(ServerKeys.PublicKey);
    }

    public ManualClock Clock { get; }

    public TestKeys ClientKeys { get; }

    public TestKeys ServerKeys { get; }

    public string ClientSeed { get; }

    public string ServerSeed { get; }

    public PinnedKeys AuthorizedClients { get; }

    public PinnedKeys PinnedServer { get; }

    public SessionTable ClientTable { get; } = new();

    public SessionTable ServerTable { get; } = new();

    public InitiatorHandshake NewInitiator(IPeerKeyPolicy? policy = null) =>
        new(ClientKeys.Identity(), policy ?? PinnedServer, new HandshakeOptions { Random = new SeededRandom(ClientSeed), Clock = Clock, Indices = ClientTable });

    public ResponderHandshake NewResponder(IPeerKeyPolicy? policy = null) =>
        new(ServerKeys.Identity(), policy ?? AuthorizedClients, new HandshakeOptions { Random = new SeededRandom(ServerSeed), Clock = Clock, Indices = ServerTable });

    /// <summary>A full handshake; returns all four messages and both sides' keys.</summary>
    public Transcript4 Run(byte[]? payload = null)
    {
        using InitiatorHandshake i = NewInitiator();
        using ResponderHandshake r = NewResponder();
        byte[] m1 = i.CreateInitiation();
        byte[] m2 = r.ProcessInitiation(m1);
        byte[] m3 = i.ProcessResponse(m2);
        r.ProcessAuthentication(m3);
        byte[] m4 = r.CreateConfirmation(payload ?? [1, 2, 3], out SessionKeys serverKeys);
        SessionKeys clientKeys = i.ProcessConfirmation(m4);
        return new Transcript4(m1, m2, m3, m4, clientKeys, serverKeys);
    }
}

internal sealed record Transcript4(byte[] M1, byte[] M2, byte[] M3, byte[] M4, SessionKeys ClientKeys, SessionKeys ServerKeys);
