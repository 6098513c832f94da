using System.Buffers.Binary;
using System.Net;
using System.Text.RegularExpressions;
using FsCheck;
using FsCheck.Fluent;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Lab;

namespace Jormungandr.Tests;

/// <summary>
/// rtnetlink interface configuration: the request bytes against hand-computed layouts, the reply
/// parser against crafted and random datagrams (anywhere), and <see cref="InterfaceConfig"/> against a
/// real kernel inside a throwaway network namespace (root only). The namespace tests run the
/// configuration on a dedicated thread that first joins the namespace with setns(CLONE_NEWNET): that
/// moves only this thread, and the netlink socket belongs to the namespace it was opened in.
/// </summary>
public partial class RtNetlinkTests
{
    // ---------- request layouts (hand-computed, little-endian) ----------

    [Fact]
    public void SetLinkUp_is_ifinfomsg_with_IFF_UP_in_flags_and_change_plus_IFLA_MTU()
    {
        byte[] message = RtNetlinkMessages.SetLinkUp(0x01020304, 7, 1400);
        Assert.Equal(
            "28000000" + "1000" + "0500" + "04030201" + "00000000"    // nlmsghdr: len 40, RTM_NEWLINK, REQUEST|ACK, seq, pid 0
            + "00" + "00" + "0000" + "07000000" + "01000000" + "01000000" // ifinfomsg: AF_UNSPEC, type 0, index 7, IFF_UP, change IFF_UP
            + "0800" + "0400" + "78050000",                             // IFLA_MTU 1400
            Hex(message));
    }

    [Fact]
    public void NewAddress_IPv4_has_create_excl_ack_and_IFA_LOCAL_plus_IFA_ADDRESS()
    {
        byte[] message = RtNetlinkMessages.NewAddress(1, 7, IPAddress.Parse("198.19.7.1"), 24);
        Assert.Equal(
            "28000000" + "1400" + "0506" + "01000000" + "00000000"    // len 40, RTM_NEWADDR, REQUEST|ACK|EXCL|CREATE
            + "02" + "18" + "00" + "00" + "07000000"                  // ifaddrmsg: AF_INET, /24, no flags, scope 0, index 7
            + "0800" + "0200" + "c6130701"                            // IFA_LOCAL
            + "0800" + "0100" + "c6130701",                           // IFA_ADDRESS
            Hex(message));
    }

    [Fact]
    public void NewAddress_IPv6_has_IFA_ADDRESS_and_nodad_in_ifa_flags_and_IFA_FLAGS()
    {
        byte[] message = RtNetlinkMessages.NewAddress(1, 7, IPAddress.Parse("fd00:5ec::7"), 64);
        Assert.Equal(
            "34000000" + "1400" + "0506" + "01000000" + "00000000"    // len 52
            + "0a" + "40" + "02" + "00" + "07000000"                  // AF_INET6, /64, IFA_F_NODAD, scope 0, index 7
            + "1400" + "0100" + "fd0005ec000000000000000000000007"    // IFA_ADDRESS (20 bytes)
            + "0800" + "0800" + "02000000",                           // IFA_FLAGS = IFA_F_NODAD
            Hex(message));
    }

    [Fact]
    public void NewRoute_IPv4_replaces_in_main_table_with_link_scope_dst_and_oif()
    {
        byte[] message = RtNetlinkMessages.NewRoute(2, 7, IPNetwork.Parse("198.19.8.0/24"));
        Assert.Equal(
            "2c000000" + "1800" + "0505" + "02000000" + "00000000"    // len 44, RTM_NEWROUTE, REQUEST|ACK|REPLACE|CREATE
            + "02" + "18" + "00" + "00"                               // rtmsg: AF_INET, dst_len 24, src_len 0, tos 0
            + "fe" + "03" + "fd" + "01" + "00000000"                  // table main, proto boot, scope link, unicast, flags 0
            + "0800" + "0100" + "c6130800"                            // RTA_DST
            + "0800" + "0400" + "07000000",                           // RTA_OIF 7
            Hex(message));
    }

    [Fact]
    public void NewRoute_IPv6_uses_universe_scope_and_a_16_byte_dst()
    {
        byte[] message = RtNetlinkMessages.NewRoute(2, 9, IPNetwork.Parse("fd00:5ec::/64"));
        Assert.Equal(
            "38000000" + "1800" + "0505" + "02000000" + "00000000"    // len 56
            + "0a" + "40" + "00" + "00" + "fe" + "03" + "00" + "01" + "00000000"
            + "1400" + "0100" + "fd0005ec000000000000000000000000"
            + "0800" + "0400" + "09000000",
            Hex(message));
    }

    [Fact]
    public void DumpAddresses_is_a_GETADDR_dump_of_all_families()
    {
        Assert.Equal(
            "18000000" + "1600" + "0103" + "03000000" + "00000000" + "00000000" + "00000000",
            Hex(RtNetlinkMessages.DumpAddresses(3)));
    }

    [Fact]
    public void DeleteAddress_names_the_dumped_address_by_family_prefix_index_local_and_address()
    {
        var address = new RtNetlinkAddress(2, 24, 7, IPAddress.Parse("198.19.7.1"), IPAddress.Parse("198.19.7.1"));
        Assert.Equal(
            "28000000" + "1500" + "0500" + "04000000" + "00000000"    // RTM_DELADDR, REQUEST|ACK
            + "02" + "18" + "00" + "00" + "07000000"
            + "0800" + "0200" + "c6130701"
            + "0800" + "0100" + "c6130701",
            Hex(RtNetlinkMessages.DeleteAddress(4, address)));

        var v6 = new RtNetlinkAddress(10, 64, 7, null, IPAddress.Parse("fd00:5ec::7"));
        Assert.Equal(
            "2c000000" + "1500" + "0500" + "05000000" + "00000000"    // len 16 + 8 + 20 = 44
            + "0a" + "40" + "00" + "00" + "07000000"
            + "1400" + "0100" + "fd0005ec000000000000000000000007",
            Hex(RtNetlinkMessages.DeleteAddress(5, v6)));
    }

    // ---------- reply parsing ----------

    [Fact]
    public void Ack_with_error_zero_completes_without_error()
    {
        var reply = new RtNetlinkReply(42, dump: false);
        Assert.True(reply.Feed(ErrorMessage(42, 0)));
        Assert.Equal(0, reply.Errno);
        Assert.Null(reply.Detail);
    }

    [Fact]
    public void Negative_errno_in_the_ack_is_the_failure()
    {
        var reply = new RtNetlinkReply(42, dump: false);
        Assert.True(reply.Feed(ErrorMessage(42, -17)));
        Assert.Equal(17, reply.Errno);
    }

    [Fact]
    public void A_reply_to_another_sequence_number_is_skipped()
    {
        var reply = new RtNetlinkReply(42, dump: false);
        Assert.False(reply.Feed(ErrorMessage(41, -17)));
        Assert.False(reply.Complete);
        Assert.True(reply.Feed([.. ErrorMessage(40, -1), .. ErrorMessage(42, 0)]));
        Assert.Equal(0, reply.Errno);
    }

    [Fact]
    public void Extended_ack_text_is_read_after_a_capped_echo()
    {
        byte[] text = "Invalid prefix for given prefix length\0\0"u8.ToArray(); // 40 bytes incl. NUL padding
        var payload = new List<byte>();
        payload.AddRange(Le32(-22));
        payload.AddRange(Header(16, RtNetlinkMessages.RTM_NEWROUTE, 0x505, 42)); // echoed request header only
        payload.AddRange(Le16((ushort)(4 + text.Length)));
        payload.AddRange(Le16(RtNetlinkMessages.NLMSGERR_ATTR_MSG));
        payload.AddRange(text);
        byte[] message = Message(RtNetlinkMessages.NLMSG_ERROR, RtNetlinkMessages.NLM_F_CAPPED | RtNetlinkMessages.NLM_F_ACK_TLVS, 42, [.. payload]);

        var reply = new RtNetlinkReply(42, dump: false);
        Assert.True(reply.Feed(message));
        Assert.Equal(22, reply.Errno);
        Assert.Equal("Invalid prefix for given prefix length", reply.Detail);
    }

    [Fact]
    public void Dump_collects_the_interfaces_addresses_across_datagrams_until_DONE()
    {
        var reply = new RtNetlinkReply(9, dump: true, interfaceIndex: 7);
        byte[] first = [.. AddressMessage(9, 2, 24, 7, "198.19.7.1", "198.19.7.1"), .. AddressMessage(9, 2, 24, 8, "198.19.9.1", "198.19.9.1")];
        Assert.False(reply.Feed(first));
        Assert.False(reply.Feed(AddressMessage(9, 10, 64, 7, null, "fd00:5ec::7")));
        Assert.True(reply.Feed(Message(RtNetlinkMessages.NLMSG_DONE, RtNetlinkMessages.NLM_F_MULTI, 9, Le32(0))));
        Assert.Equal(0, reply.Errno);
        Assert.Collection(
            reply.Addresses,
            a => Assert.Equal(new RtNetlinkAddress(2, 24, 7, IPAddress.Parse("198.19.7.1"), IPAddress.Parse("198.19.7.1")), a),
            a => Assert.Equal(new RtNetlinkAddress(10, 64, 7, null, IPAddress.Parse("fd00:5ec::7")), a));
    }

    [Fact]
    public void A_dump_that_fails_reports_the_errno_in_DONE()
    {
        var reply = new RtNetlinkReply(9, dump: true);
        Assert.True(reply.Feed(Message(RtNetlinkMessages.NLMSG_DONE, RtNetlinkMessages.NLM_F_MULTI, 9, Le32(-16))));
        Assert.Equal(16, reply.Errno);
    }

    [Theory]
    [InlineData(0u)]      // would never advance
    [InlineData(8u)]      // shorter than a header
    [InlineData(4096u)]   // longer than the datagram
    public void A_header_length_out_of_range_is_malformed_not_a_loop(uint length)
    {
        byte[] message = ErrorMessage(42, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(message, length);
        var reply = new RtNetlinkReply(42, dump: false);
        Assert.Throws<InvalidDataException>(() => reply.Feed(message));
    }

    [Fact]
    public void An_error_message_without_its_code_or_with_a_positive_code_is_malformed()
    {
        Assert.Throws<InvalidDataException>(() => new RtNetlinkReply(42, dump: false).Feed(Message(RtNetlinkMessages.NLMSG_ERROR, 0, 42, [0, 0])));
        Assert.Throws<InvalidDataException>(() => new RtNetlinkReply(42, dump: false).Feed(ErrorMessage(42, 5)));
    }

    [Fact]
    public void Random_datagrams_complete_skip_or_throw_InvalidDataException_only()
    {
        Prop.ForAll(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(b => (byte)b)).ToArbitrary(),
            Gen.Choose(0, 3).ToArbitrary(),
            (byte[] noise, int shape) =>
            {
                // Shape the noise into something header-like so the parser goes past the first check.
                byte[] datagram = shape switch
                {
                    0 => noise,
                    1 => [.. AddressMessage(9, 2, 24, 7, "198.19.7.1", null), .. noise],
                    2 => Mutate(AddressMessage(9, 10, 64, 7, null, "fd00:5ec::7"), noise),
                    _ => Mutate(ErrorMessage(9, -17), noise),
                };
                foreach (bool dump in new[] { false, true })
                {
                    var reply = new RtNetlinkReply(9, dump, 7);
                    try
                    {
                        _ = reply.Feed(datagram);
                    }
                    catch (InvalidDataException)
                    {
                    }

                    Assert.All(reply.Addresses, a => Assert.Equal(7, a.InterfaceIndex));
                }
            }).QuickCheckThrowOnFailure();
    }

    // ---------- against the kernel, in a throwaway namespace ----------

    [NetworkLabFact]
    public void Configures_mtu_up_addresses_routes_and_flush_in_a_namespace()
    {
        using NetworkNamespace ns = NetworkNamespace.Create("rtnl");
        const string Dev = "snkrt0";
        // A persistent TUN without a reader has no carrier: IPv6 addresses would stay "tentative" without nodad.
        ns.Ip("tuntap", "add", "dev", Dev, "mode", "tun");

        InNamespace(ns, () => InterfaceConfig.Up(Dev, 1400));
        string link = ns.Ip("-o", "link", "show", "dev", Dev).StandardOutput;
        Assert.Contains(" mtu 1400 ", link, StringComparison.Ordinal);
        Assert.Matches(UpFlag(), link);

        InNamespace(ns, () =>
        {
            InterfaceConfig.AddAddress(Dev, IPAddress.Parse("198.19.7.1"), 24);
            InterfaceConfig.AddAddress(Dev, IPAddress.Parse("fd00:5ec::7"), 64);
        });
        string addresses = ns.Ip("-o", "addr", "show", "dev", Dev).StandardOutput;
        Assert.Contains("inet 198.19.7.1/24", addresses, StringComparison.Ordinal);
        Assert.Contains("inet6 fd00:5ec::7/64", addresses, StringComparison.Ordinal);
        Assert.DoesNotContain("tentative", addresses, StringComparison.Ordinal);

        InNamespace(ns, () =>
        {
            InterfaceConfig.AddRoute(Dev, IPNetwork.Parse("198.19.8.0/24"));
            InterfaceConfig.AddRoute(Dev, IPNetwork.Parse("198.19.8.0/24")); // replace: no EEXIST
            InterfaceConfig.AddRoute(Dev, IPNetwork.Parse("fd00:5ec::/64"));
        });
        string routes = ns.Ip("route", "show").StandardOutput;
        Assert.Contains("198.19.8.0/24 dev " + Dev, routes, StringComparison.Ordinal);
        Assert.Single(Regex.Matches(routes, "^198\\.19\\.8\\.0/24 ", RegexOptions.Multiline));

        // Removing a route takes exactly that one, never the kernel's prefix route of an address;
        // removing it again (already gone) is not an error.
        InNamespace(ns, () =>
        {
            InterfaceConfig.AddRoute(Dev, IPNetwork.Parse("198.19.9.0/24"));
            InterfaceConfig.AddRoute(Dev, IPNetwork.Parse("fd00:5ec:0:1::/64"));
            InterfaceConfig.RemoveRoute(Dev, IPNetwork.Parse("198.19.8.0/24"));
            InterfaceConfig.RemoveRoute(Dev, IPNetwork.Parse("198.19.8.0/24"));
            InterfaceConfig.RemoveRoute(Dev, IPNetwork.Parse("fd00:5ec:0:1::/64"));
            InterfaceConfig.RemoveRoute(Dev, IPNetwork.Parse("198.19.7.0/24"));
        });
        routes = ns.Ip("route", "show").StandardOutput;
        Assert.DoesNotContain("198.19.8.0/24", routes, StringComparison.Ordinal);
        Assert.Contains("198.19.9.0/24 dev " + Dev, routes, StringComparison.Ordinal);
        Assert.Contains("198.19.7.0/24 dev " + Dev + " proto kernel", routes, StringComparison.Ordinal);
        string routes6 = ns.Ip("-6", "route", "show").StandardOutput;
        Assert.DoesNotContain("fd00:5ec:0:1::/64", routes6, StringComparison.Ordinal);
        Assert.Contains("fd00:5ec::/64 dev " + Dev + " proto kernel", routes6, StringComparison.Ordinal);

        SnekException twice = InNamespace(ns, () => Assert.Throws<SnekException>(() => InterfaceConfig.AddAddress(Dev, IPAddress.Parse("198.19.7.1"), 24)));
        Assert.Equal("InterfaceConfigFailed", twice.ErrorId);
        Assert.Equal(ErrorKind.ResourceExists, twice.Kind);
        Assert.Contains("File exists", twice.Message, StringComparison.Ordinal);
        Assert.Contains("198.19.7.1/24", twice.Message, StringComparison.Ordinal);
        Assert.Contains(Dev, twice.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', twice.Message);

        // Secondary IPv4 address too: deleting the primary can take it along (EADDRNOTAVAIL is then fine).
        InNamespace(ns, () => InterfaceConfig.AddAddress(Dev, IPAddress.Parse("198.19.7.2"), 24));
        InNamespace(ns, () => InterfaceConfig.FlushAddresses(Dev));
        string after = ns.Ip("-o", "addr", "show", "dev", Dev).StandardOutput;
        Assert.DoesNotContain("inet", after, StringComparison.Ordinal);

        // Flushing nothing is fine, and the interface can be configured again (a reconnect).
        InNamespace(ns, () =>
        {
            InterfaceConfig.FlushAddresses(Dev);
            InterfaceConfig.AddAddress(Dev, IPAddress.Parse("198.19.7.9"), 24);
        });
        Assert.Contains("inet 198.19.7.9/24", ns.Ip("-o", "addr", "show", "dev", Dev).StandardOutput, StringComparison.Ordinal);
    }

    [NetworkLabFact]
    public void A_missing_interface_and_a_kernel_rejection_are_clear_one_line_errors()
    {
        using NetworkNamespace ns = NetworkNamespace.Create("rtnlerr");
        const string Dev = "snkrt1";
        ns.Ip("tuntap", "add", "dev", Dev, "mode", "tun");

        SnekException missing = InNamespace(ns, () => Assert.Throws<SnekException>(() => InterfaceConfig.AddAddress("snkmissing0", IPAddress.Parse("198.19.7.1"), 24)));
        Assert.Equal("InterfaceConfigFailed", missing.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, missing.Kind);
        Assert.Contains("snkmissing0", missing.Message, StringComparison.Ordinal);

        SnekException missingUp = InNamespace(ns, () => Assert.Throws<SnekException>(() => InterfaceConfig.Up("snkmissing0", 1400)));
        Assert.Equal(ErrorKind.ObjectNotFound, missingUp.Kind);

        // The link is still down: the kernel refuses a route through it (ENETDOWN, with its extended-ack text).
        SnekException downRoute = InNamespace(ns, () => Assert.Throws<SnekException>(() => InterfaceConfig.AddRoute(Dev, IPNetwork.Parse("198.19.8.0/24"))));
        Assert.Equal("InterfaceConfigFailed", downRoute.ErrorId);
        Assert.Contains("Network is down", downRoute.Message, StringComparison.Ordinal);
        Assert.Contains("198.19.8.0/24", downRoute.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', downRoute.Message);

        // Validation before any syscall still holds.
        Assert.Equal("InvalidAddress", Assert.Throws<SnekException>(() => InterfaceConfig.AddAddress(Dev, IPAddress.Parse("198.19.7.1"), 33)).ErrorId);
    }

    // ---------- helpers ----------

    [GeneratedRegex("[<,]UP[,>]")]
    private static partial Regex UpFlag();

    private static void InNamespace(NetworkNamespace ns, Action action) => NamespaceThread.Run(ns, action);

    private static T InNamespace<T>(NetworkNamespace ns, Func<T> func) => NamespaceThread.Run(ns, func);

    private static string Hex(byte[] bytes) => Convert.ToHexStringLower(bytes);

    private static byte[] Le16(ushort value)
    {
        byte[] bytes = new byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Le32(int value)
    {
        byte[] bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, value);
        return bytes;
    }

    private static byte[] Header(uint length, ushort type, ushort flags, uint sequence)
    {
        byte[] header = new byte[16];
        BinaryPrimitives.WriteUInt32LittleEndian(header, length);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(4), type);
        BinaryPrimitives.WriteUInt16LittleEndian(header.AsSpan(6), flags);
        BinaryPrimitives.WriteUInt32LittleEndian(header.AsSpan(8), sequence);
        return header;
    }

    private static byte[] Message(ushort type, ushort flags, uint sequence, byte[] payload)
    {
        int padded = (payload.Length + 3) & ~3;
        byte[] message = new byte[16 + padded];
        Header((uint)(16 + payload.Length), type, flags, sequence).CopyTo(message, 0);
        payload.CopyTo(message, 16);
        return message;
    }

    private static byte[] ErrorMessage(uint sequence, int error) =>
        Message(RtNetlinkMessages.NLMSG_ERROR, RtNetlinkMessages.NLM_F_CAPPED, sequence, [.. Le32(error), .. Header(16, 0, 0, sequence)]);

    private static byte[] AddressMessage(uint sequence, byte family, byte prefix, int index, string? local, string? address)
    {
        var payload = new List<byte> { family, prefix, 0, 0 };
        payload.AddRange(Le32(index));
        foreach ((ushort type, string? text) in new[] { (RtNetlinkMessages.IFA_LOCAL, local), (RtNetlinkMessages.IFA_ADDRESS, address) })
        {
            if (text is not null)
            {
                byte[] bytes = IPAddress.Parse(text).GetAddressBytes();
                payload.AddRange(Le16((ushort)(4 + bytes.Length)));
                payload.AddRange(Le16(type));
                payload.AddRange(bytes);
            }
        }

        return Message(RtNetlinkMessages.RTM_NEWADDR, RtNetlinkMessages.NLM_F_MULTI, sequence, [.. payload]);
    }

    private static byte[] Mutate(byte[] message, byte[] noise)
    {
        byte[] copy = (byte[])message.Clone();
        for (int i = 0; i + 1 < noise.Length; i += 2)
        {
            copy[noise[i] % copy.Length] = noise[i + 1];
        }

        return copy;
    }
}
