using System.Net;
using System.Net.Sockets;
using Jormungandr.Protocol;
using Jormungandr.Tunnel;

namespace Jormungandr.Engine;

/// <summary>
/// One peer of a <see cref="Device"/>: who it is, its current session, and where its datagrams go. A
/// server has one per connected client; a client has one, its server. Its allowed networks live in the
/// device's routing table.
/// </summary>
internal sealed class Peer
{
    private long _dropsRouting;
    private Session? _session;

    /// <summary>A peer named <paramref name="name"/> with the key <paramref name="fingerprint"/>.</summary>
    /// <param name="name">Display name (the authorized key's name, or the server address).</param>
    /// <param name="fingerprint">The peer key's fingerprint.</param>
    /// <param name="learnsEndpoint">
    /// True when the peer's endpoint follows its authenticated datagrams (a server's clients roam); false
    /// when it is fixed by configuration (a client's server).
    /// </param>
    public Peer(string name, string fingerprint, bool learnsEndpoint)
    {
        Name = name;
        Fingerprint = fingerprint;
        LearnsEndpoint = learnsEndpoint;
    }

    /// <summary>Display name.</summary>
    public string Name { get; }

    /// <summary>Fingerprint of the peer's key.</summary>
    public string Fingerprint { get; }

    /// <summary>Whether the endpoint is learnt from authenticated datagrams.</summary>
    public bool LearnsEndpoint { get; }

    /// <summary>The current session; null while there is none (a client reconnecting).</summary>
    public Session? Session
    {
        get => Volatile.Read(ref _session);
        internal set => Volatile.Write(ref _session, value);
    }

    /// <summary>Where datagrams for this peer go (cached so the TUN thread does not clone it per packet).</summary>
    public volatile SocketAddress? Endpoint;

    /// <summary>Packets from this peer dropped because their inner source lies outside its allowed networks.</summary>
    public long DropsRouting => Volatile.Read(ref _dropsRouting);

    /// <summary>Counts one packet dropped by cryptokey routing.</summary>
    public void CountRoutingDrop() => Interlocked.Increment(ref _dropsRouting);

    /// <summary>The peer as a status row: identity, addresses, allowed networks and the session's counters.</summary>
    public SnekSession ToSnekSession(string interfaceName, TunnelRole role, SessionState state, IEnumerable<string> tunnelAddresses, IEnumerable<IPNetwork> allowedNetworks)
    {
        SocketAddress? ep = Endpoint;
        var s = new SnekSession
        {
            InterfaceName = interfaceName,
            Role = role,
            PeerName = Name,
            PeerFingerprint = Fingerprint,
            Endpoint = ep is null ? null : Describe(ep),
            TunnelAddresses = [.. tunnelAddresses],
            AllowedNetworks = [.. allowedNetworks.Select(n => n.ToString())],
            State = state,
            DropsRouting = DropsRouting,
        };
        if (Session is Session session)
        {
            SessionCounters c = session.Counters;
            s.Established = session.Established;
            s.LastHandshake = session.LastHandshake;
            s.BytesIn = c.BytesIn;
            s.BytesOut = c.BytesOut;
            s.PacketsIn = c.PacketsIn;
            s.PacketsOut = c.PacketsOut;
            s.DropsAuth = c.DropsAuthentication + c.DropsExpired;
            s.DropsReplay = c.DropsReplay;
            s.DropsMalformed = c.DropsMalformed + c.DropsFragment;
            s.Rekeys = (int)Math.Min(int.MaxValue, c.Rekeys);
        }

        s.Drops = s.DropsAuth + s.DropsReplay + s.DropsRouting + s.DropsMalformed;
        return s;
    }

    /// <summary>address:port (IPv6 in brackets).</summary>
    public static string Describe(SocketAddress address)
    {
        EndPoint ep = new IPEndPoint(address.Family == AddressFamily.InterNetworkV6 ? IPAddress.IPv6Any : IPAddress.Any, 0).Create(address);
        return ep.ToString() ?? "";
    }
}
