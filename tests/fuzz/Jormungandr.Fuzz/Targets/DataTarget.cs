using Jormungandr.Crypto;
using Jormungandr.Protocol;
using Jormungandr.Time;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// A sequence of datagrams opened by the vector responder's session. Each record is a mode byte then a
/// length-prefixed body: mode bit 0 clear sends the body as a raw datagram, set seals it as the inner
/// plaintext under the vector key (so the fuzzer reaches the inner header, fragments and reassembly behind
/// the AEAD); bit 1 reuses the previous counter (a replay); bit 7 moves the clock one second on first.
/// Open never throws; a raw datagram opens only when it is authentic; a freshly sealed one is never refused
/// as unauthentic; a delivered packet is a valid IP packet (a whole one exactly the sealed bytes);
/// reassembly stays within its slots.
/// </summary>
internal static class DataTarget
{
    private const int MaxRecords = 64;

    public static void Run(ReadOnlySpan<byte> input)
    {
        ProtocolVectors v = ProtocolVectors.Instance;
        var clock = new SteppedClock();
        using var keys = new SessionKeys(v.ResponderIndex, v.InitiatorIndex, false, v.ResponderToInitiatorKey, v.InitiatorToResponderKey, v.InitiatorPublicKey);
        using var session = new Session(keys, new SessionOptions(), clock);
        using var sealer = new ChaCha20Poly1305Managed(v.InitiatorToResponderKey);
        byte[] datagram = new byte[DataPacket.HeaderSize + 65535 + ProtocolConstants.TagSize];
        byte[] output = new byte[65535 + DataPacket.HeaderSize];
        ulong counter = 0;
        var reader = new FuzzReader(input);
        for (int n = 0; n < MaxRecords && !reader.IsEmpty; n++)
        {
            byte mode = reader.Byte();
            ReadOnlySpan<byte> body = reader.Record();
            if ((mode & 0x80) != 0)
            {
                clock.Step(TimeSpan.FromSeconds(1));
            }

            bool sealed_ = (mode & 1) != 0;
            int length;
            if (sealed_)
            {
                if (body.IsEmpty)
                {
                    continue;
                }

                ulong c = (mode & 2) != 0 && counter > 0 ? counter - 1 : counter++;
                length = Seal(sealer, c, body, datagram);
            }
            else
            {
                body.CopyTo(datagram);
                length = body.Length;
            }

            ReadOnlySpan<byte> d = datagram.AsSpan(0, length);
            OpenResult r = session.Open(d, output);
            if (!sealed_ && r.Status != OpenStatus.Dropped)
            {
                InvariantViolation.Check(IsAuthentic(sealer, d), "an unauthentic raw datagram was accepted");
            }

            if (sealed_ && (mode & 2) == 0)
            {
                InvariantViolation.Check(r.Reason != DropReason.Authentication, "a correctly sealed datagram failed authentication");
            }

            switch (r.Status)
            {
                case OpenStatus.Packet:
                    InvariantViolation.Check(IpPacket.IsValid(output.AsSpan(0, r.Length)), "an invalid IP packet was delivered");
                    if (sealed_ && body[0] == DataPacket.KindPacket)
                    {
                        InvariantViolation.Check(output.AsSpan(0, r.Length).SequenceEqual(body.Slice(DataPacket.InnerHeaderSize, r.Length)), "a whole packet changed on the way");
                    }

                    break;
                case OpenStatus.Keepalive:
                    InvariantViolation.Check(r.Length == 0, "a keepalive carried bytes");
                    break;
            }

            InvariantViolation.Check(session.ReassemblyInFlight <= 4 && session.ReassemblyBufferedBytes <= 4 * 65536, "reassembly grew past its bound");
        }
    }

    /// <summary>A datagram to the vector responder carrying <paramref name="plain"/> under <paramref name="counter"/>.</summary>
    public static int Seal(ChaCha20Poly1305Managed sealer, ulong counter, ReadOnlySpan<byte> plain, Span<byte> datagram)
    {
        int plainLength = Math.Min(plain.Length, 65535);
        DataPacket.WriteHeader(datagram, ProtocolVectors.Instance.ResponderIndex, counter);
        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        DataPacket.WriteNonce(nonce, counter);
        sealer.Encrypt(
            nonce,
            plain[..plainLength],
            datagram.Slice(DataPacket.HeaderSize, plainLength),
            datagram.Slice(DataPacket.HeaderSize + plainLength, ProtocolConstants.TagSize),
            datagram[..DataPacket.HeaderSize]);
        return DataPacket.HeaderSize + plainLength + ProtocolConstants.TagSize;
    }

    private static bool IsAuthentic(ChaCha20Poly1305Managed key, ReadOnlySpan<byte> d)
    {
        if (!DataPacket.TryReadHeader(d, out _, out ulong counter))
        {
            return false;
        }

        int plainLength = d.Length - DataPacket.HeaderSize - ProtocolConstants.TagSize;
        Span<byte> nonce = stackalloc byte[ProtocolConstants.NonceSize];
        DataPacket.WriteNonce(nonce, counter);
        byte[] plain = new byte[plainLength];
        return key.TryDecrypt(nonce, d.Slice(DataPacket.HeaderSize, plainLength), d.Slice(DataPacket.HeaderSize + plainLength), plain, d[..DataPacket.HeaderSize]);
    }

    /// <summary>A clock the input moves forward.</summary>
    private sealed class SteppedClock : IClock
    {
        public TimeSpan Now { get; private set; } = TimeSpan.FromSeconds(1000);

        public DateTimeOffset UtcNow => DateTimeOffset.UnixEpoch + Now;

        public void Step(TimeSpan by) => Now += by;
    }
}
