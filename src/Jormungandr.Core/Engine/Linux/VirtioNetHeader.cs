namespace Jormungandr.Engine.Linux;

/// <summary>
/// The <c>struct virtio_net_hdr</c> a TUN with IFF_VNET_HDR puts before every packet (little-endian):
/// flags (1), gso_type (1), hdr_len (2), gso_size (2), csum_start (2), csum_offset (2).
/// </summary>
internal static class VirtioNetHeader
{
    /// <summary>sizeof(struct virtio_net_hdr), the TUN default vnet header size.</summary>
    public const int Size = 10;

    /// <summary>VIRTIO_NET_HDR_F_NEEDS_CSUM: the checksum field holds the pseudo-header sum; sum from csum_start.</summary>
    public const byte NeedsChecksum = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_NONE.</summary>
    public const byte GsoNone = 0;

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV4.</summary>
    public const byte GsoTcpV4 = 1;

    /// <summary>VIRTIO_NET_HDR_GSO_TCPV6.</summary>
    public const byte GsoTcpV6 = 4;

    /// <summary>VIRTIO_NET_HDR_GSO_ECN, or-ed into gso_type.</summary>
    public const byte GsoEcn = 0x80;
}
