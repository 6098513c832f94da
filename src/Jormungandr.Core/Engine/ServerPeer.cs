using System.Net;
using System.Net.Sockets;
using Jormungandr.Protocol;
using Jormungandr.Tunnel;

namespace Jormungandr.Engine;

/// <summary>One authenticated client of a server: its session, addresses, endpoint and key-channel connection.</summary>
internal sealed class ServerPeer
{
    private long _dropsRouting;

    /// <summary>Rekeys a client may start: 4 at once, then one per 2 s (the shortest rekey interval a client accepts; the default is 2 minutes).</summary>
    private const int RekeyBurst = 4;
    private const double RekeysPerSecond = 0.5;

    public ServerPeer(AuthorizedKey key, Lease lease, Session session, Socket keyChannel, TimeSpan now)
    {
        Key = key;
        Lease = lease;
        Session = session;
        KeyChannel = keyChannel;
        Rekeys = new TokenBucket(RekeyBurst, RekeysPerSecond, now);
    }

    /// <summary>
    /// This session's own bound on rekeys over its authenticated key channel; they never compete with
    /// unauthenticated handshakes for the limiter's slots. Used only by the channel's handler.
    /// </summary>
    public TokenBucket Rekeys { get; }

    public AuthorizedKey Key { get; }

    public Lease Lease { get; }

    public Session Session { get; }

    /// <summary>The key-channel connection the session was made on (closed to disconnect the client).</summary>
    public Socket KeyChannel { get; }

    /// <summary>The client's UDP endpoint as last learnt by the session (cached so the TUN thread does not clone it per packet).</summary>
    public volatile SocketAddress? Endpoint;

    /// <summary>Packets dropped because their inner source was not this client's address.</summary>
    public long DropsRouting => Volatile.Read(ref _dropsRouting);

    public void CountRoutingDrop() => Interlocked.Increment(ref _dropsRouting);

    public SnekSession ToSnekSession(string interfaceName, TunnelRole role, string? peerName, SessionState state)
    {
        SessionCounters c = Session.Counters;
        SocketAddress? ep = Endpoint;
        var s = new SnekSession
        {
            InterfaceName = interfaceName,
            Role = role,
            PeerName = peerName ?? Key.Name,
            PeerFingerprint = Key.Fingerprint,
            Endpoint = ep is null ? null : Describe(ep),
            TunnelAddresses = Lease.Address6 is null ? [Lease.Address4.ToString()] : [Lease.Address4.ToString(), Lease.Address6.ToString()],
            State = state,
            Established = Session.Established,
            LastHandshake = Session.LastHandshake,
            BytesIn = c.BytesIn,
            BytesOut = c.BytesOut,
            PacketsIn = c.PacketsIn,
            PacketsOut = c.PacketsOut,
            DropsAuth = c.DropsAuthentication + c.DropsExpired,
            DropsReplay = c.DropsReplay,
            DropsRouting = DropsRouting,
            DropsMalformed = c.DropsMalformed + c.DropsFragment,
            Rekeys = (int)Math.Min(int.MaxValue, c.Rekeys),
        };
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
