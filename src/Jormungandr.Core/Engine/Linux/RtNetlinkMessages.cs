using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// Builds the rtnetlink requests <see cref="InterfaceConfig"/> sends (sans-IO: bytes out, no socket).
/// Layouts from linux/netlink.h, linux/rtnetlink.h, linux/if_link.h, linux/if_addr.h: nlmsghdr 16 bytes,
/// ifinfomsg 16, ifaddrmsg 8, rtmsg 12, each attribute a 4-byte rtattr header, everything 4-byte
/// aligned. Netlink is host byte order; the engine targets little-endian Linux (x86-64, arm64).
/// </summary>
internal static class RtNetlinkMessages
{
    public const int HeaderSize = 16;       // struct nlmsghdr
    public const int IfInfoSize = 16;       // struct ifinfomsg
    public const int IfAddrSize = 8;        // struct ifaddrmsg
    public const int RtMsgSize = 12;        // struct rtmsg
    public const int FibRuleHeaderSize = 12; // struct fib_rule_hdr
    public const int AttributeHeaderSize = 4; // struct rtattr

    public const ushort NLMSG_NOOP = 1;
    public const ushort NLMSG_ERROR = 2;
    public const ushort NLMSG_DONE = 3;
    public const ushort NLMSG_OVERRUN = 4;

    public const ushort NLM_F_REQUEST = 0x1;
    public const ushort NLM_F_MULTI = 0x2;
    public const ushort NLM_F_ACK = 0x4;
    public const ushort NLM_F_DUMP = 0x300;    // NLM_F_ROOT | NLM_F_MATCH
    public const ushort NLM_F_REPLACE = 0x100;
    public const ushort NLM_F_EXCL = 0x200;
    public const ushort NLM_F_CREATE = 0x400;
    public const ushort NLM_F_CAPPED = 0x100;   // on NLMSG_ERROR: only the request's header is echoed
    public const ushort NLM_F_ACK_TLVS = 0x200; // on NLMSG_ERROR: extended-ack attributes follow

    public const ushort RTM_NEWLINK = 16;
    public const ushort RTM_NEWADDR = 20;
    public const ushort RTM_DELADDR = 21;
    public const ushort RTM_GETADDR = 22;
    public const ushort RTM_NEWROUTE = 24;
    public const ushort RTM_DELROUTE = 25;
    public const ushort RTM_NEWRULE = 32;
    public const ushort RTM_DELRULE = 33;

    public const ushort IFLA_MTU = 4;
    public const ushort IFA_ADDRESS = 1;
    public const ushort IFA_LOCAL = 2;
    public const ushort IFA_FLAGS = 8;
    public const ushort RTA_DST = 1;
    public const ushort RTA_OIF = 4;
    public const ushort RTA_TABLE = 15;
    public const ushort FRA_PRIORITY = 6;
    public const ushort FRA_FWMARK = 10;
    public const ushort FRA_SUPPRESS_PREFIXLEN = 14;
    public const ushort FRA_TABLE = 15;
    public const ushort FRA_FWMASK = 16;
    public const ushort NLMSGERR_ATTR_MSG = 1;

    public const byte AF_UNSPEC = 0;
    public const byte AF_INET = 2;
    public const byte AF_INET6 = 10;
    public const uint IFF_UP = 0x1;
    public const byte IFA_F_NODAD = 0x02;
    public const byte RT_TABLE_MAIN = 254;
    public const byte RTPROT_BOOT = 3;
    public const byte RT_SCOPE_UNIVERSE = 0;
    public const byte RT_SCOPE_LINK = 253;
    public const byte RT_SCOPE_NOWHERE = 255;
    public const byte RTN_UNICAST = 1;
    public const byte FR_ACT_TO_TBL = 1;
    public const uint FIB_RULE_INVERT = 0x2;

    /// <summary>Rounds up to the 4-byte netlink alignment (NLMSG_ALIGN / RTA_ALIGN).</summary>
    public static int Align(int length) => (length + 3) & ~3;

    /// <summary>RTM_NEWLINK for an existing link: set IFLA_MTU and IFF_UP (ifi_change masks only IFF_UP), like <c>ip link set dev X mtu M up</c>.</summary>
    public static byte[] SetLinkUp(uint sequence, int interfaceIndex, int mtu)
    {
        var message = new Builder(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK, sequence, IfInfoSize + Align(AttributeHeaderSize + 4));
        Span<byte> ifi = message.Fixed(IfInfoSize);
        ifi[0] = AF_UNSPEC;                                           // ifi_family; [1] pad, [2..4] ifi_type 0
        BinaryPrimitives.WriteInt32LittleEndian(ifi[4..], interfaceIndex); // ifi_index
        BinaryPrimitives.WriteUInt32LittleEndian(ifi[8..], IFF_UP);   // ifi_flags
        BinaryPrimitives.WriteUInt32LittleEndian(ifi[12..], IFF_UP);  // ifi_change
        message.U32(IFLA_MTU, (uint)mtu);
        return message.Finish();
    }

    /// <summary>
    /// RTM_NEWADDR with NLM_F_CREATE|NLM_F_EXCL (an existing address is EEXIST, like <c>ip addr add</c>).
    /// IPv4 carries IFA_LOCAL and IFA_ADDRESS (no peer: both the address); IPv6 carries IFA_ADDRESS with
    /// IFA_F_NODAD in ifa_flags and in the u32 IFA_FLAGS attribute (usable at once, no duplicate detection).
    /// </summary>
    public static byte[] NewAddress(uint sequence, int interfaceIndex, IPAddress address, int prefix)
    {
        bool v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        int length = v6 ? 16 : 4;
        int attributes = v6
            ? Align(AttributeHeaderSize + 16) + Align(AttributeHeaderSize + 4)
            : 2 * Align(AttributeHeaderSize + 4);
        var message = new Builder(RTM_NEWADDR, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence, IfAddrSize + attributes);
        WriteIfAddr(message.Fixed(IfAddrSize), v6 ? AF_INET6 : AF_INET, (byte)prefix, v6 ? IFA_F_NODAD : (byte)0, interfaceIndex);
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        if (v6)
        {
            message.Attribute(IFA_ADDRESS, bytes[..length]);
            message.U32(IFA_FLAGS, IFA_F_NODAD);
        }
        else
        {
            message.Attribute(IFA_LOCAL, bytes[..length]);
            message.Attribute(IFA_ADDRESS, bytes[..length]);
        }

        return message.Finish();
    }

    /// <summary>
    /// RTM_NEWROUTE with NLM_F_CREATE|NLM_F_REPLACE (an existing route to the network is replaced), like
    /// <c>ip route replace NET dev X</c>: main table, protocol boot, unicast, RTA_DST and RTA_OIF.
    /// Scope link for IPv4 (no gateway), universe for IPv6, as iproute2 chooses.
    /// </summary>
    public static byte[] NewRoute(uint sequence, int interfaceIndex, IPNetwork network)
    {
        bool v6 = network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        int length = v6 ? 16 : 4;
        int attributes = Align(AttributeHeaderSize + length) + Align(AttributeHeaderSize + 4);
        var message = new Builder(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_REPLACE, sequence, RtMsgSize + attributes);
        Span<byte> rtm = message.Fixed(RtMsgSize);
        rtm[0] = v6 ? AF_INET6 : AF_INET;           // rtm_family
        rtm[1] = (byte)network.PrefixLength;        // rtm_dst_len; [2] src_len 0, [3] tos 0
        rtm[4] = RT_TABLE_MAIN;                     // rtm_table
        rtm[5] = RTPROT_BOOT;                       // rtm_protocol
        rtm[6] = v6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK; // rtm_scope
        rtm[7] = RTN_UNICAST;                       // rtm_type; [8..12] rtm_flags 0
        Span<byte> bytes = stackalloc byte[16];
        network.BaseAddress.TryWriteBytes(bytes, out _);
        message.Attribute(RTA_DST, bytes[..length]);
        message.U32(RTA_OIF, (uint)interfaceIndex);
        return message.Finish();
    }

    /// <summary>
    /// RTM_DELROUTE for <paramref name="network"/> through one interface in the main table, like
    /// <c>ip route del NET dev X proto boot</c>: only a route <see cref="NewRoute"/> made matches (protocol
    /// boot), never the kernel's own prefix route of an address; type unspecified, scope RT_SCOPE_NOWHERE.
    /// </summary>
    public static byte[] DeleteRoute(uint sequence, int interfaceIndex, IPNetwork network)
    {
        bool v6 = network.BaseAddress.AddressFamily == AddressFamily.InterNetworkV6;
        int length = v6 ? 16 : 4;
        int attributes = Align(AttributeHeaderSize + length) + Align(AttributeHeaderSize + 4);
        var message = new Builder(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, sequence, RtMsgSize + attributes);
        Span<byte> rtm = message.Fixed(RtMsgSize);
        WriteRtMsg(rtm, v6, RT_TABLE_MAIN, RTPROT_BOOT, RT_SCOPE_NOWHERE, 0);
        rtm[1] = (byte)network.PrefixLength; // rtm_dst_len
        Span<byte> bytes = stackalloc byte[16];
        network.BaseAddress.TryWriteBytes(bytes, out _);
        message.Attribute(RTA_DST, bytes[..length]);
        message.U32(RTA_OIF, (uint)interfaceIndex);
        return message.Finish();
    }

    /// <summary>
    /// RTM_NEWROUTE with NLM_F_CREATE|NLM_F_EXCL for the default route of one family through an
    /// interface in <paramref name="table"/>, like <c>ip route add default dev X table T</c> (an existing
    /// default route in that table is EEXIST: the table is not ours to overwrite). A table above 255 goes in
    /// RTA_TABLE with rtm_table RT_TABLE_UNSPEC, as iproute2 sends it; RTA_TABLE is always present.
    /// </summary>
    public static byte[] NewDefaultRoute(uint sequence, int interfaceIndex, bool v6, uint table)
    {
        var message = new Builder(RTM_NEWROUTE, NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL, sequence, RtMsgSize + (2 * Align(AttributeHeaderSize + 4)));
        WriteRtMsg(message.Fixed(RtMsgSize), v6, table, RTPROT_BOOT, v6 ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK, RTN_UNICAST);
        message.U32(RTA_TABLE, table);
        message.U32(RTA_OIF, (uint)interfaceIndex);
        return message.Finish();
    }

    /// <summary>
    /// RTM_DELROUTE for the default route of one family in <paramref name="table"/>, like
    /// <c>ip route del default dev X table T</c> (protocol and type unspecified, scope RT_SCOPE_NOWHERE:
    /// match any). Without an interface (index 0, the device is gone) RTA_OIF is left out.
    /// </summary>
    public static byte[] DeleteDefaultRoute(uint sequence, int interfaceIndex, bool v6, uint table)
    {
        int attributes = Align(AttributeHeaderSize + 4) + (interfaceIndex > 0 ? Align(AttributeHeaderSize + 4) : 0);
        var message = new Builder(RTM_DELROUTE, NLM_F_REQUEST | NLM_F_ACK, sequence, RtMsgSize + attributes);
        WriteRtMsg(message.Fixed(RtMsgSize), v6, table, 0, RT_SCOPE_NOWHERE, 0);
        message.U32(RTA_TABLE, table);
        if (interfaceIndex > 0)
        {
            message.U32(RTA_OIF, (uint)interfaceIndex);
        }

        return message.Finish();
    }

    /// <summary>
    /// RTM_NEWRULE (NLM_F_CREATE|NLM_F_EXCL: an identical rule is EEXIST) or RTM_DELRULE for a
    /// "lookup TABLE" rule, like <c>ip rule add|del [not] [fwmark M] lookup T [suppress_prefixlength N] pref P</c>.
    /// Every attribute is explicit (priority, table, mark with an all-ones mask) so the delete names
    /// exactly the rule the add made and nothing else.
    /// </summary>
    public static byte[] Rule(uint sequence, bool add, bool v6, uint priority, uint table, uint? fwmark, bool invert, uint? suppressPrefixLength)
    {
        int attributes = (2 + (fwmark is null ? 0 : 2) + (suppressPrefixLength is null ? 0 : 1)) * Align(AttributeHeaderSize + 4);
        ushort flags = add ? (ushort)(NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL) : (ushort)(NLM_F_REQUEST | NLM_F_ACK);
        var message = new Builder(add ? RTM_NEWRULE : RTM_DELRULE, flags, sequence, FibRuleHeaderSize + attributes);
        Span<byte> frh = message.Fixed(FibRuleHeaderSize);
        frh[0] = v6 ? AF_INET6 : AF_INET;            // family; [1] dst_len, [2] src_len, [3] tos: 0
        frh[4] = table < 256 ? (byte)table : (byte)0; // table (FRA_TABLE carries the full number)
        frh[7] = FR_ACT_TO_TBL;                       // action; [5], [6] reserved
        BinaryPrimitives.WriteUInt32LittleEndian(frh[8..], invert ? FIB_RULE_INVERT : 0u);
        message.U32(FRA_PRIORITY, priority);
        message.U32(FRA_TABLE, table);
        if (fwmark is uint mark)
        {
            message.U32(FRA_FWMARK, mark);
            message.U32(FRA_FWMASK, uint.MaxValue);
        }

        if (suppressPrefixLength is uint suppress)
        {
            message.U32(FRA_SUPPRESS_PREFIXLEN, suppress);
        }

        return message.Finish();
    }

    /// <summary>RTM_GETADDR dump of every address of every family (the reply is filtered by interface index).</summary>
    public static byte[] DumpAddresses(uint sequence)
    {
        var message = new Builder(RTM_GETADDR, NLM_F_REQUEST | NLM_F_DUMP, sequence, IfAddrSize);
        WriteIfAddr(message.Fixed(IfAddrSize), AF_UNSPEC, 0, 0, 0);
        return message.Finish();
    }

    /// <summary>RTM_DELADDR for an address from a dump, identified as the kernel matches it: family, prefix, index, IFA_LOCAL, IFA_ADDRESS.</summary>
    public static byte[] DeleteAddress(uint sequence, RtNetlinkAddress address)
    {
        int attributes = 0;
        if (address.Local is not null)
        {
            attributes += Align(AttributeHeaderSize + AddressLength(address.Local));
        }

        if (address.Address is not null)
        {
            attributes += Align(AttributeHeaderSize + AddressLength(address.Address));
        }

        var message = new Builder(RTM_DELADDR, NLM_F_REQUEST | NLM_F_ACK, sequence, IfAddrSize + attributes);
        WriteIfAddr(message.Fixed(IfAddrSize), address.Family, address.PrefixLength, 0, address.InterfaceIndex);
        Span<byte> bytes = stackalloc byte[16];
        if (address.Local is not null)
        {
            address.Local.TryWriteBytes(bytes, out int written);
            message.Attribute(IFA_LOCAL, bytes[..written]);
        }

        if (address.Address is not null)
        {
            address.Address.TryWriteBytes(bytes, out int written);
            message.Attribute(IFA_ADDRESS, bytes[..written]);
        }

        return message.Finish();
    }

    private static void WriteRtMsg(Span<byte> rtm, bool v6, uint table, byte protocol, byte scope, byte type)
    {
        rtm[0] = v6 ? AF_INET6 : AF_INET;             // rtm_family; [1] dst_len 0 (default), [2] src_len, [3] tos
        rtm[4] = table < 256 ? (byte)table : (byte)0; // rtm_table (RTA_TABLE carries the full number)
        rtm[5] = protocol;                            // rtm_protocol
        rtm[6] = scope;                               // rtm_scope
        rtm[7] = type;                                // rtm_type; [8..12] rtm_flags 0
    }

    private static int AddressLength(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 16 : 4;

    private static void WriteIfAddr(Span<byte> ifa, byte family, byte prefix, byte flags, int interfaceIndex)
    {
        ifa[0] = family;   // ifa_family
        ifa[1] = prefix;   // ifa_prefixlen
        ifa[2] = flags;    // ifa_flags
        ifa[3] = 0;        // ifa_scope: universe
        BinaryPrimitives.WriteInt32LittleEndian(ifa[4..], interfaceIndex); // ifa_index
    }

    /// <summary>One request in a buffer sized up front: header, fixed part, attributes, then nlmsg_len.</summary>
    private struct Builder
    {
        private readonly byte[] _buffer;
        private int _position;

        public Builder(ushort type, ushort flags, uint sequence, int bodyLength)
        {
            _buffer = new byte[HeaderSize + Align(bodyLength)];
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(4), type);
            BinaryPrimitives.WriteUInt16LittleEndian(_buffer.AsSpan(6), flags);
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer.AsSpan(8), sequence);
            // nlmsg_pid 0: the kernel fills in our port id.
            _position = HeaderSize;
        }

        public Span<byte> Fixed(int length)
        {
            Span<byte> span = _buffer.AsSpan(_position, length);
            _position += Align(length);
            return span;
        }

        public void Attribute(ushort type, ReadOnlySpan<byte> value)
        {
            Span<byte> header = _buffer.AsSpan(_position, AttributeHeaderSize);
            BinaryPrimitives.WriteUInt16LittleEndian(header, (ushort)(AttributeHeaderSize + value.Length)); // rta_len
            BinaryPrimitives.WriteUInt16LittleEndian(header[2..], type);                                   // rta_type
            value.CopyTo(_buffer.AsSpan(_position + AttributeHeaderSize));
            _position += Align(AttributeHeaderSize + value.Length);
        }

        public void U32(ushort type, uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            Attribute(type, bytes);
        }

        public readonly byte[] Finish()
        {
            BinaryPrimitives.WriteUInt32LittleEndian(_buffer, (uint)_position); // nlmsg_len
            return _position == _buffer.Length ? _buffer : _buffer[.._position];
        }
    }
}
