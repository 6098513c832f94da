using System.Buffers.Binary;
using System.Net;
using System.Text;
using static Jormungandr.Engine.Linux.RtNetlinkMessages;

namespace Jormungandr.Engine.Linux;

/// <summary>One address from an RTM_GETADDR dump: what RTM_DELADDR needs to name it.</summary>
/// <param name="Family">AF_INET or AF_INET6.</param>
/// <param name="PrefixLength">ifa_prefixlen.</param>
/// <param name="InterfaceIndex">ifa_index.</param>
/// <param name="Local">IFA_LOCAL (IPv4 and point-to-point), or null.</param>
/// <param name="Address">IFA_ADDRESS (the peer, or the address itself), or null.</param>
internal sealed record RtNetlinkAddress(byte Family, byte PrefixLength, int InterfaceIndex, IPAddress? Local, IPAddress? Address);

/// <summary>
/// Collects the kernel's reply to one request (sans-IO: fed datagrams, no socket): an NLMSG_ERROR ack
/// (error 0 = done, negative errno = failed), or for a dump the RTM_NEWADDR parts up to NLMSG_DONE.
/// Messages of other sequence numbers (stale replies) are skipped. Bounded: at most
/// <see cref="MaxMessages"/> messages; a header whose length is out of range is a malformed reply
/// (<see cref="InvalidDataException"/>), never a loop or an out-of-range read.
/// </summary>
internal sealed class RtNetlinkReply
{
    /// <summary>Most messages accepted for one request (a dump of this many addresses is far beyond any real host).</summary>
    public const int MaxMessages = 65536;

    private const int MaxDetailChars = 200;
    private readonly uint _sequence;
    private readonly bool _dump;
    private readonly int _interfaceIndex;
    private readonly List<RtNetlinkAddress> _addresses = [];
    private int _messages;

    /// <summary>Expects the reply to the request with <paramref name="sequence"/>.</summary>
    /// <param name="sequence">nlmsg_seq of the request.</param>
    /// <param name="dump">True for an NLM_F_DUMP request (ends at NLMSG_DONE), false for an acked one.</param>
    /// <param name="interfaceIndex">For an address dump: keep only addresses of this interface.</param>
    public RtNetlinkReply(uint sequence, bool dump, int interfaceIndex = 0)
    {
        _sequence = sequence;
        _dump = dump;
        _interfaceIndex = interfaceIndex;
    }

    /// <summary>True once the ack, the error or NLMSG_DONE arrived.</summary>
    public bool Complete { get; private set; }

    /// <summary>0 on success, else the positive errno the kernel returned.</summary>
    public int Errno { get; private set; }

    /// <summary>The kernel's extended-ack text (e.g. "Invalid prefix for given prefix length"), or null.</summary>
    public string? Detail { get; private set; }

    /// <summary>Dumped addresses of the interface.</summary>
    public IReadOnlyList<RtNetlinkAddress> Addresses => _addresses;

    /// <summary>Consumes one received datagram; returns <see cref="Complete"/>.</summary>
    /// <exception cref="InvalidDataException">The datagram is not well-formed netlink, or too many messages.</exception>
    public bool Feed(ReadOnlySpan<byte> datagram)
    {
        while (!Complete && datagram.Length >= HeaderSize)
        {
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(datagram);
            ushort type = BinaryPrimitives.ReadUInt16LittleEndian(datagram[4..]);
            ushort flags = BinaryPrimitives.ReadUInt16LittleEndian(datagram[6..]);
            uint sequence = BinaryPrimitives.ReadUInt32LittleEndian(datagram[8..]);
            if (length < HeaderSize || length > (uint)datagram.Length)
            {
                throw new InvalidDataException($"malformed netlink reply: message length {length} with {datagram.Length} bytes left");
            }

            if (++_messages > MaxMessages)
            {
                throw new InvalidDataException($"netlink reply has more than {MaxMessages} messages");
            }

            ReadOnlySpan<byte> payload = datagram[HeaderSize..(int)length];
            if (sequence == _sequence)
            {
                Handle(type, flags, payload);
            }

            datagram = datagram[Math.Min(Align((int)length), datagram.Length)..];
        }

        return Complete;
    }

    private void Handle(ushort type, ushort flags, ReadOnlySpan<byte> payload)
    {
        switch (type)
        {
            case NLMSG_ERROR:
                Errno = ErrorCode(payload);
                Detail = ExtendedAck(flags, payload);
                Complete = true;
                break;
            case NLMSG_DONE when _dump:
                // A dump that failed part-way says so in NLMSG_DONE's int.
                Errno = payload.Length >= 4 ? ErrorCode(payload) : 0;
                Complete = true;
                break;
            case NLMSG_OVERRUN:
                throw new InvalidDataException("netlink reply overrun");
            case RTM_NEWADDR when _dump:
                AddAddress(payload);
                break;
            default:
                break; // NLMSG_NOOP and anything not asked for
        }
    }

    private static int ErrorCode(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < 4)
        {
            throw new InvalidDataException("malformed netlink error message");
        }

        int error = BinaryPrimitives.ReadInt32LittleEndian(payload);
        if (error > 0 || error < -4095)
        {
            throw new InvalidDataException($"netlink error message with impossible code {error}");
        }

        return -error;
    }

    /// <summary>NLMSGERR_ATTR_MSG after the echoed request (its header only when NLM_F_CAPPED).</summary>
    private static string? ExtendedAck(ushort flags, ReadOnlySpan<byte> payload)
    {
        if ((flags & NLM_F_ACK_TLVS) == 0 || payload.Length < 4 + HeaderSize)
        {
            return null;
        }

        int echoed = (flags & NLM_F_CAPPED) != 0
            ? HeaderSize
            : (int)Math.Min(BinaryPrimitives.ReadUInt32LittleEndian(payload[4..]), (uint)payload.Length);
        int offset = Align(4 + echoed);
        if (offset >= payload.Length)
        {
            return null;
        }

        foreach (Attribute attribute in new Attributes(payload[offset..]))
        {
            if (attribute.Type == NLMSGERR_ATTR_MSG)
            {
                int end = attribute.Value.IndexOf((byte)0);
                ReadOnlySpan<byte> text = end >= 0 ? attribute.Value[..end] : attribute.Value;
                return Printable(Encoding.UTF8.GetString(text[..Math.Min(text.Length, MaxDetailChars)]));
            }
        }

        return null;
    }

    private static string? Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (char c in text)
        {
            builder.Append(char.IsControl(c) ? ' ' : c);
        }

        string result = builder.ToString().Trim();
        return result.Length == 0 ? null : result;
    }

    private void AddAddress(ReadOnlySpan<byte> payload)
    {
        if (payload.Length < IfAddrSize)
        {
            throw new InvalidDataException("malformed RTM_NEWADDR message");
        }

        byte family = payload[0];
        int index = BinaryPrimitives.ReadInt32LittleEndian(payload[4..]);
        int addressLength = family switch { AF_INET => 4, AF_INET6 => 16, _ => 0 };
        if (addressLength == 0 || (_interfaceIndex != 0 && index != _interfaceIndex))
        {
            return;
        }

        IPAddress? local = null;
        IPAddress? address = null;
        foreach (Attribute attribute in new Attributes(payload[IfAddrSize..]))
        {
            if (attribute.Value.Length != addressLength)
            {
                continue;
            }

            if (attribute.Type == IFA_LOCAL)
            {
                local = new IPAddress(attribute.Value);
            }
            else if (attribute.Type == IFA_ADDRESS)
            {
                address = new IPAddress(attribute.Value);
            }
        }

        if (local is not null || address is not null)
        {
            _addresses.Add(new RtNetlinkAddress(family, payload[1], index, local, address));
        }
    }

    /// <summary>Walks rtattrs; stops at the first one whose length does not fit (a truncated tail is ignored).</summary>
    private ref struct Attributes
    {
        private ReadOnlySpan<byte> _rest;

        public Attributes(ReadOnlySpan<byte> data)
        {
            _rest = data;
            Current = default;
        }

        public Attribute Current { get; private set; }

        public readonly Attributes GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_rest.Length < AttributeHeaderSize)
            {
                return false;
            }

            int length = BinaryPrimitives.ReadUInt16LittleEndian(_rest);
            ushort type = (ushort)(BinaryPrimitives.ReadUInt16LittleEndian(_rest[2..]) & 0x3fff); // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
            if (length < AttributeHeaderSize || length > _rest.Length)
            {
                _rest = default;
                return false;
            }

            Current = new Attribute(type, _rest[AttributeHeaderSize..length]);
            _rest = _rest[Math.Min(Align(length), _rest.Length)..];
            return true;
        }
    }

    /// <summary>One rtattr: type (flag bits cleared) and value.</summary>
    private readonly ref struct Attribute(ushort type, ReadOnlySpan<byte> value)
    {
        public ushort Type { get; } = type;

        public ReadOnlySpan<byte> Value { get; } = value;
    }
}
