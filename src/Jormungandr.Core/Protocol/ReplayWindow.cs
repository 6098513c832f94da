using System.Runtime.CompilerServices;

namespace Jormungandr.Protocol;

/// <summary>
/// RFC 6479 sliding-window replay filter: a ring of 64-bit blocks; the block holding the highest
/// counter is always current, so at least <see cref="WindowSize"/> counters behind it are tracked.
/// Constant memory, no allocation after construction. Not thread-safe (the session locks).
/// </summary>
public sealed class ReplayWindow
{
    /// <summary>Bits in the ring.</summary>
    public const int TotalBits = 4096;

    private const int BlockBits = 64;
    private const int Blocks = TotalBits / BlockBits;
    private const int BlockMask = Blocks - 1;

    /// <summary>How far behind the highest counter a counter is still accepted.</summary>
    public const ulong WindowSize = TotalBits - BlockBits;

    private readonly ulong[] _bitmap = new ulong[Blocks];
    private ulong _highest;

    /// <summary>Highest counter accepted so far (0 before any).</summary>
    public ulong Highest => _highest;

    /// <summary>True when <paramref name="counter"/> would be accepted (no state change): run before decrypting.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsAcceptable(ulong counter)
    {
        if (counter > _highest)
        {
            return true;
        }

        if (_highest - counter > WindowSize)
        {
            return false;
        }

        return (_bitmap[(int)((counter / BlockBits) & BlockMask)] & (1UL << (int)(counter % BlockBits))) == 0;
    }

    /// <summary>Marks <paramref name="counter"/> as seen; false (nothing changed) when it is too old or a duplicate. Run after authenticating.</summary>
    public bool TryMark(ulong counter)
    {
        ulong block = counter / BlockBits;
        if (counter > _highest)
        {
            ulong current = _highest / BlockBits;
            ulong diff = block - current;
            if (diff > Blocks)
            {
                diff = Blocks;
            }

            // Clear the blocks the window slides over: they now stand for newer counters.
            for (ulong i = 1; i <= diff; i++)
            {
                _bitmap[(int)((current + i) & BlockMask)] = 0;
            }

            _highest = counter;
        }
        else if (_highest - counter > WindowSize)
        {
            return false;
        }

        ref ulong slot = ref _bitmap[(int)(block & BlockMask)];
        ulong bit = 1UL << (int)(counter % BlockBits);
        if ((slot & bit) != 0)
        {
            return false;
        }

        slot |= bit;
        return true;
    }
}
