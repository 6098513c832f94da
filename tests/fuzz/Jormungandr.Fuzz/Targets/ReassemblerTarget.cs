using System.Buffers;
using Jormungandr.Protocol;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// The reassembler fed a sequence of fragments and clock steps. A step is one byte: bit 0 set moves the
/// clock by (byte >> 1) × 100 ms; clear adds a fragment with id (byte >> 1) &amp; 7 and big-endian offset,
/// total and length that follow. Fragment bytes are a fixed function of (id, total, position), so any
/// completed packet must be exactly that function over 0..total, whatever fragments came and went before.
/// Slots and buffered bytes stay within the bound, every rented buffer is zeroed before it is returned,
/// and none is held after disposal.
/// </summary>
internal static class ReassemblerTarget
{
    private const int MaxSteps = 256;

    public static void Run(ReadOnlySpan<byte> input)
    {
        var pool = new TrackingPool();
        var reassembler = new Reassembler(TimeSpan.FromSeconds(5), pool);
        byte[] data = new byte[65536];
        byte[] output = new byte[65535];
        TimeSpan now = TimeSpan.FromSeconds(1000);
        var reader = new FuzzReader(input);
        for (int n = 0; n < MaxSteps && !reader.IsEmpty; n++)
        {
            byte op = reader.Byte();
            if ((op & 1) != 0)
            {
                now += TimeSpan.FromMilliseconds(100 * (op >> 1));
                reassembler.Expire(now);
                continue;
            }

            uint id = (uint)((op >> 1) & 7);
            int offset = reader.UInt16();
            int total = reader.UInt16();
            int length = Math.Min(reader.UInt16(), data.Length);
            for (int k = 0; k < length; k++)
            {
                data[k] = Pattern(id, total, offset + k);
            }

            ReassemblyStatus status = reassembler.Add(id, offset, total, data.AsSpan(0, length), now, output, out int packetLength, out _);
            if (status == ReassemblyStatus.Completed)
            {
                InvariantViolation.Check(packetLength == total, "a completed packet does not have its total length");
                for (int k = 0; k < total; k++)
                {
                    InvariantViolation.Check(output[k] == Pattern(id, total, k), $"byte {k} of completed packet {id} is not the byte sent there");
                }
            }
            else
            {
                InvariantViolation.Check(packetLength == 0, "an incomplete packet reported a length");
            }

            InvariantViolation.Check(reassembler.InFlight <= Reassembler.MaxSlots, "more packets in reassembly than slots");
            InvariantViolation.Check(reassembler.BufferedBytes <= Reassembler.MaxSlots * 65536, "reassembly holds more than its bound");
            InvariantViolation.Check(pool.Outstanding == reassembler.InFlight, "rented buffers do not match the packets in reassembly");
        }

        reassembler.Dispose();
        InvariantViolation.Check(pool.Outstanding == 0 && reassembler.BufferedBytes == 0, "buffers are still held after disposal");
    }

    private static byte Pattern(uint id, int total, int position) => (byte)((id * 131) + (total * 7) + (position * 31) + (position >> 8) + 1);

    /// <summary>A pool that checks each returned buffer was zeroed over the length rented and counts what is out.</summary>
    private sealed class TrackingPool : ArrayPool<byte>
    {
        private readonly Dictionary<byte[], int> _rented = new(ReferenceEqualityComparer.Instance);

        public int Outstanding => _rented.Count;

        public override byte[] Rent(int minimumLength)
        {
            byte[] b = new byte[minimumLength];
            b.AsSpan().Fill(0xEE); // pooled memory is not clean: the reassembler must not rely on zeros
            _rented.Add(b, minimumLength);
            return b;
        }

        public override void Return(byte[] array, bool clearArray = false)
        {
            InvariantViolation.Check(_rented.Remove(array, out int length), "a buffer was returned that was not rented, or twice");
            InvariantViolation.Check(!array.AsSpan(0, length).ContainsAnyExcept((byte)0), "a buffer went back to the pool holding packet bytes");
        }
    }
}
