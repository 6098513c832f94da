namespace Jormungandr.Tunnel;

/// <summary>Options of <see cref="ConnectPeerCommand"/> (<c>snek connect</c>, <c>Connect-SnekPeer</c>).</summary>
public sealed record ClientOptions
{
    /// <summary>The server: an IPv4/IPv6 address or a host name. Required.</summary>
    public string Address { get; init; } = "";

    /// <summary>
    /// Further addresses of the same server (at most 16), tried in turn after <see cref="Address"/> when
    /// a connection attempt fails; the server key must match whichever answers.
    /// </summary>
    public IReadOnlyList<string> AlternateAddresses { get; init; } = [];

    /// <summary>The client's private key file. Required unless <see cref="PrivateKey"/> is given.</summary>
    public string CertificatePath { get; init; } = "";

    /// <summary>
    /// The client's private key itself (a profile carries it inline): base64 of the raw secret key, or
    /// the armored encrypted form. Used instead of <see cref="CertificatePath"/>.
    /// </summary>
    public string? PrivateKey { get; init; }

    /// <summary>Passphrase of the private key, if it is encrypted.</summary>
    public string? Passphrase { get; init; }

    /// <summary>The server's public key (<c>.pub</c>): only this server is accepted.</summary>
    public string? ServerKeyPath { get; init; }

    /// <summary>The server's public key itself, base64 of its 1952 bytes: only this server is accepted. Used instead of <see cref="ServerKeyPath"/>.</summary>
    public string? ServerPublicKey { get; init; }

    /// <summary>
    /// Directory of trusted server keys (<c>*.pub</c>); any of them is accepted. Used when
    /// <see cref="ServerKeyPath"/> is null; defaults to <see cref="TunnelDefaults.TrustedServersPath"/>.
    /// </summary>
    public string? TrustedServersPath { get; init; }

    /// <summary>
    /// Accepts an unknown server key once and records it in the trusted-servers directory
    /// (trust on first use). Off unless asked for; not allowed with <see cref="ServerKeyPath"/>.
    /// </summary>
    public bool TrustOnFirstUse { get; init; }

    /// <summary>TCP port of the server's key channel.</summary>
    public int KeyPort { get; init; } = TunnelDefaults.KeyPort;

    /// <summary>UDP port of the server's data channel.</summary>
    public int DataPort { get; init; } = TunnelDefaults.DataPort;

    /// <summary>Extra routes (CIDR) sent through the tunnel, besides the server's pool.</summary>
    public IReadOnlyList<string> Routes { get; init; } = [];

    /// <summary>TUN interface name; null picks the first free <c>snkN</c>.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Inner MTU; null derives it from the underlay so sealed packets need no IP fragmentation.</summary>
    public int? Mtu { get; init; }

    /// <summary>Turns off size-bucket padding of inner packets.</summary>
    public bool NoPadding { get; init; }

    /// <summary>Where the status socket is created (<c>&lt;InterfaceName&gt;.sock</c>, mode 0600).</summary>
    public string StatusDirectory { get; init; } = TunnelDefaults.StatusDirectory;

    /// <summary>Longest wait between reconnection attempts (backoff doubles from 250 ms up to this).</summary>
    public TimeSpan MaxReconnectDelay { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>Age of the session keys at which the client runs a new handshake (rekey); 2 to 150 s (servers refuse keys older than 180 s).</summary>
    public TimeSpan RekeyAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Sends all traffic through the tunnel (IPv4, and IPv6 when the server assigns an IPv6 address) with
    /// policy routing, the tunnel's own sockets marked so they keep using the underlay; the host's main
    /// routing table is not changed. A route or pushed route of 0.0.0.0/0 or ::/0 does the same.
    /// </summary>
    public bool FullTunnel { get; init; }

    /// <summary>While the client runs, drops everything this host sends outside the tunnel (loopback and the tunnel's own sockets excepted), also between sessions.</summary>
    public bool KillSwitch { get; init; }

    /// <summary>Ignores every route and DNS setting the server pushes (as OpenVPN's <c>route-nopull</c>).</summary>
    public bool RouteNoPull { get; init; }

    /// <summary>Pushed routes are taken only inside one of these networks (CIDR; empty: anywhere).</summary>
    public IReadOnlyList<string> PullAllow { get; init; } = [];

    /// <summary>Pushed routes overlapping one of these networks (CIDR) are refused.</summary>
    public IReadOnlyList<string> PullDeny { get; init; } = [];

    /// <summary>Ignores pushed DNS servers and search domains (routes are still taken).</summary>
    public bool NoPullDns { get; init; }

    /// <summary>The route policy these options describe (<see cref="Routing.RoutePolicy"/>); call <see cref="Validate"/> first.</summary>
    internal Routing.RoutePolicy RoutePolicy => RouteNoPull
        ? Routing.RoutePolicy.None
        : new Routing.RoutePolicy(
            PullAllow.Count == 0 ? Routing.RoutePolicy.All.Allow : OptionChecks.PullFilter(PullAllow, "PullAllow"),
            OptionChecks.PullFilter(PullDeny, "PullDeny"),
            !NoPullDns);

    /// <summary>Checks every value; throws <see cref="Commands.SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        OptionChecks.Host(Address);
        ArgumentNullException.ThrowIfNull(AlternateAddresses);
        if (AlternateAddresses.Count > 16)
        {
            throw OptionChecks.Invalid("AlternateAddresses", "At most 16 alternate server addresses are allowed.");
        }

        foreach (string alternate in AlternateAddresses)
        {
            OptionChecks.Host(alternate);
        }
        if (PrivateKey is null)
        {
            OptionChecks.RequirePath(CertificatePath, "CertificatePath");
        }
        else if (!string.IsNullOrEmpty(CertificatePath))
        {
            throw OptionChecks.Invalid("PrivateKey", "Give the private key either inline (PrivateKey) or as a file (CertificatePath), not both.");
        }

        if (ServerKeyPath is not null && ServerPublicKey is not null)
        {
            throw OptionChecks.Invalid("ServerPublicKey", "Pin the server key either inline (ServerPublicKey) or as a file (ServerKeyPath), not both.");
        }

        if (ServerPublicKey is not null)
        {
            OptionChecks.PublicKey(ServerPublicKey, "ServerPublicKey");
        }

        if (ServerKeyPath is not null)
        {
            OptionChecks.RequirePath(ServerKeyPath, "ServerKeyPath");
        }

        if ((ServerKeyPath is not null || ServerPublicKey is not null) && TrustOnFirstUse)
        {
            throw OptionChecks.Invalid("TrustOnFirstUse", "TrustOnFirstUse cannot be combined with a pinned server key.");
        }

        if (TrustedServersPath is not null)
        {
            OptionChecks.RequirePath(TrustedServersPath, "TrustedServersPath");
        }

        OptionChecks.Port(KeyPort, "KeyPort");
        OptionChecks.Port(DataPort, "DataPort");
        ArgumentNullException.ThrowIfNull(Routes);
        if (Routes.Count > 256)
        {
            throw OptionChecks.Invalid("Routes", "At most 256 routes are allowed.");
        }

        foreach (string route in Routes)
        {
            OptionChecks.Route(route);
        }

        if (InterfaceName is not null)
        {
            OptionChecks.InterfaceName(InterfaceName);
        }

        if (Mtu is int mtu)
        {
            OptionChecks.Mtu(mtu, false);
        }

        OptionChecks.RequirePath(StatusDirectory, "StatusDirectory");
        if (MaxReconnectDelay < TimeSpan.FromMilliseconds(250) || MaxReconnectDelay > TimeSpan.FromMinutes(10))
        {
            throw OptionChecks.Invalid("MaxReconnectDelay", "MaxReconnectDelay must be between 250 ms and 10 minutes.");
        }

        if (RekeyAfter < TimeSpan.FromSeconds(2) || RekeyAfter > TimeSpan.FromSeconds(150))
        {
            throw OptionChecks.Invalid("RekeyAfter", "RekeyAfter must be between 2 and 150 seconds (servers refuse keys older than 180 s).");
        }

        _ = OptionChecks.PullFilter(PullAllow, "PullAllow");
        _ = OptionChecks.PullFilter(PullDeny, "PullDeny");
        if (RouteNoPull && (PullAllow.Count > 0 || PullDeny.Count > 0 || NoPullDns))
        {
            throw OptionChecks.Invalid("RouteNoPull", "RouteNoPull ignores everything pushed; it cannot be combined with PullAllow, PullDeny or NoPullDns.");
        }
    }
}
