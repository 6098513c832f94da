using System.Net;

namespace Jormungandr.Lab;

/// <summary>Shape of a <see cref="TwoHostLab"/>; the defaults suit the demo, tests and benches.</summary>
public sealed class TwoHostLabOptions
{
    /// <summary>Word in the namespace names (<c>snek-&lt;purpose&gt;-server-…</c>); a-z, 0-9, '-'.</summary>
    public string Purpose { get; set; } = "lab";

    /// <summary>Underlay address of the server end; default 198.18.0.1.</summary>
    public IPAddress ServerAddress { get; set; } = IPAddress.Parse("198.18.0.1");

    /// <summary>Underlay address of the client end; default 198.18.0.2.</summary>
    public IPAddress ClientAddress { get; set; } = IPAddress.Parse("198.18.0.2");

    /// <summary>Prefix length of the underlay addresses; default 24.</summary>
    public int PrefixLength { get; set; } = 24;

    /// <summary>Optional IPv6 underlay address of the server (2001:2::/48, the IPv6 benchmarking range); null for IPv4 only.</summary>
    public IPAddress? ServerAddress6 { get; set; }

    /// <summary>Optional IPv6 underlay address of the client (2001:2::/48, the IPv6 benchmarking range).</summary>
    public IPAddress? ClientAddress6 { get; set; }

    /// <summary>MTU of the veth ends, or null for the kernel default (1500).</summary>
    public int? Mtu { get; set; }
}
