namespace Jormungandr.Routing;

/// <summary>How the tunnel's DNS servers and search domains reach the host's resolver.</summary>
public enum DnsMethod
{
    /// <summary>Not applied.</summary>
    None = 0,

    /// <summary><c>resolvconf -a IFACE</c> / <c>-d</c> (Debian resolvconf, openresolv).</summary>
    Resolvconf,

    /// <summary>systemd-resolved through <c>resolvectl dns/domain/revert IFACE</c>.</summary>
    Resolved,

    /// <summary>resolv.conf replaced, the original kept aside and put back on removal.</summary>
    File,
}
