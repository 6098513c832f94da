using System.Net;

namespace Jormungandr.Tunnel;

/// <summary>Options of <see cref="StartServerCommand"/> (<c>snek server</c>, <c>Start-SnekServer</c>).</summary>
public sealed record ServerOptions
{
    /// <summary>Directory of authorized client keys (<c>*.pub</c>); re-read when it changes. Required.</summary>
    public string AuthorizedKeysPath { get; init; } = "";

    /// <summary>
    /// The server's private key. When null, <see cref="TunnelDefaults.ServerKeyPath"/> is used and
    /// created (with its <c>.pub</c> beside it, for clients to pin) if it does not exist.
    /// </summary>
    public string? CertificatePath { get; init; }

    /// <summary>Passphrase of the private key, if it is encrypted.</summary>
    public string? Passphrase { get; init; }

    /// <summary>TCP port of the key channel (handshakes).</summary>
    public int KeyPort { get; init; } = TunnelDefaults.KeyPort;

    /// <summary>UDP port of the data channel.</summary>
    public int DataPort { get; init; } = TunnelDefaults.DataPort;

    /// <summary>Local address to listen on; null listens on all IPv4 and IPv6 addresses.</summary>
    public string? Bind { get; init; }

    /// <summary>IPv4 tunnel address pool in CIDR form; the server takes the first host address.</summary>
    public string Pool { get; init; } = TunnelDefaults.Pool;

    /// <summary>Optional IPv6 tunnel address pool in CIDR form (prefix 64 to 120).</summary>
    public string? Pool6 { get; init; }

    /// <summary>TUN interface name; null picks the first free <c>snkN</c>.</summary>
    public string? InterfaceName { get; init; }

    /// <summary>Inner MTU; null derives it from the underlay so sealed packets need no IP fragmentation.</summary>
    public int? Mtu { get; init; }

    /// <summary>Turns off size-bucket padding of inner packets.</summary>
    public bool NoPadding { get; init; }

    /// <summary>Where the status socket is created (<c>&lt;InterfaceName&gt;.sock</c>, mode 0600).</summary>
    public string StatusDirectory { get; init; } = TunnelDefaults.StatusDirectory;

    /// <summary>
    /// Where the server keeps state that survives a restart (the address leases); null uses
    /// <c>/var/lib/jormungandr/&lt;InterfaceName&gt;</c>. Created with mode 0700.
    /// </summary>
    public string? StateDirectory { get; init; }

    /// <summary>
    /// Gateway mode: forwarding on (restored on exit) and masquerade of the pools' traffic leaving through
    /// the server's other interfaces, IPv4 and IPv6. Without it the server forwards nothing.
    /// </summary>
    public bool Gateway { get; init; }

    /// <summary>Routes (CIDR) pushed to clients that ask; 0.0.0.0/0 or ::/0 asks them for a full tunnel. At most 32.</summary>
    public IReadOnlyList<string> PushRoutes { get; init; } = [];

    /// <summary>DNS server addresses pushed to clients that ask. At most 4.</summary>
    public IReadOnlyList<string> PushDns { get; init; } = [];

    /// <summary>DNS search domains pushed to clients that ask. At most 6.</summary>
    public IReadOnlyList<string> PushSearchDomains { get; init; } = [];

    /// <summary>The configuration pushed to clients (<see cref="Engine.PushedConfig"/>); call <see cref="Validate"/> first.</summary>
    internal Engine.PushedConfig Pushed => OptionChecks.Pushed(PushRoutes, PushDns, PushSearchDomains);

    /// <summary>Checks every value; throws <see cref="Commands.SnekException"/> (InvalidArgument) naming the first bad one.</summary>
    public void Validate()
    {
        OptionChecks.RequirePath(AuthorizedKeysPath, "AuthorizedKeysPath");
        if (CertificatePath is not null)
        {
            OptionChecks.RequirePath(CertificatePath, "CertificatePath");
        }

        OptionChecks.Port(KeyPort, "KeyPort");
        OptionChecks.Port(DataPort, "DataPort");
        if (Bind is not null)
        {
            OptionChecks.Address(Bind, "Bind");
        }

        OptionChecks.Pool4(Pool);
        if (Pool6 is not null)
        {
            OptionChecks.Pool6(Pool6);
        }

        if (InterfaceName is not null)
        {
            OptionChecks.InterfaceName(InterfaceName);
        }

        if (Mtu is int mtu)
        {
            OptionChecks.Mtu(mtu, Pool6 is not null);
        }

        OptionChecks.RequirePath(StatusDirectory, "StatusDirectory");
        if (StateDirectory is not null)
        {
            OptionChecks.RequirePath(StateDirectory, "StateDirectory");
        }

        _ = OptionChecks.Pushed(PushRoutes, PushDns, PushSearchDomains);
    }
}
