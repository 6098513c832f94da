namespace Jormungandr.Tunnel;

/// <summary>Default ports, paths and pools of the tunnel commands.</summary>
public static class TunnelDefaults
{
    /// <summary>TCP key-channel port (as the original).</summary>
    public const int KeyPort = 443;

    /// <summary>UDP data port (as the original).</summary>
    public const int DataPort = 10666;

    /// <summary>Default IPv4 tunnel pool.</summary>
    public const string Pool = "198.19.0.0/24";

    /// <summary>Directory of the status sockets.</summary>
    public const string StatusDirectory = "/run/jormungandr";

    /// <summary>Parent of the servers' state directories (<c>&lt;interface&gt;/leases</c>) when none is given.</summary>
    public const string StateRoot = "/var/lib/jormungandr";

    /// <summary>The server's private key when none is given (created on first start).</summary>
    public const string ServerKeyPath = "/var/lib/jormungandr/server.priv";

    /// <summary>Trusted server keys of a client when neither a pinned key nor a directory is given.</summary>
    public const string TrustedServersPath = "/etc/jormungandr/trusted-servers";
}
