using System.Buffers.Binary;

namespace Jormungandr.Fuzz;

/// <summary>
/// Reads a fuzz input as a sequence of small fields, so one input can describe several messages or
/// steps. Reading past the end yields zeros and empty records rather than failing: every input is valid.
/// </summary>
public ref struct FuzzReader(ReadOnlySpan<byte> input)
{
    private ReadOnlySpan<byte> _rest = input;

    /// <summary>True once every byte was consumed.</summary>
    public readonly bool IsEmpty => _rest.IsEmpty;

    /// <summary>The next byte, or 0 at the end.</summary>
    public byte Byte()
    {
        if (_rest.IsEmpty)
        {
            return 0;
        }

        byte b = _rest[0];
        _rest = _rest[1..];
        return b;
    }

    /// <summary>The next big-endian 16-bit value (missing bytes read as 0).</summary>
    public ushort UInt16() => (ushort)((Byte() << 8) | Byte());

    /// <summary>A record: a big-endian 16-bit length then that many bytes (fewer when the input ends).</summary>
    public ReadOnlySpan<byte> Record()
    {
        int length = UInt16();
        return Take(length);
    }

    /// <summary>The next <paramref name="count"/> bytes, or what is left.</summary>
    public ReadOnlySpan<byte> Take(int count)
    {
        ReadOnlySpan<byte> r = _rest[..Math.Min(count, _rest.Length)];
        _rest = _rest[r.Length..];
        return r;
    }

    /// <summary>Everything not read yet.</summary>
    public ReadOnlySpan<byte> Rest()
    {
        ReadOnlySpan<byte> r = _rest;
        _rest = default;
        return r;
    }

    /// <summary>Writes <paramref name="record"/> as a record (length prefix then bytes), the inverse of <see cref="Record"/>.</summary>
    public static void AppendRecord(List<byte> output, ReadOnlySpan<byte> record)
    {
        Span<byte> length = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(length, (ushort)record.Length);
        output.AddRange(length);
        output.AddRange(record);
    }
}
