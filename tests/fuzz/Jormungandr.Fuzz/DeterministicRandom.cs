using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Jormungandr.Crypto;

namespace Jormungandr.Fuzz;

/// <summary>The protocol vectors' randomness: SHA-256(seed || u64be(block counter)) blocks, consumed in order.</summary>
internal sealed class DeterministicRandom(string seed) : IRandomSource
{
    private readonly byte[] _seed = Encoding.UTF8.GetBytes(seed);
    private readonly byte[] _block = new byte[32];
    private ulong _counter;
    private int _used = 32;

    public void Fill(Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            if (_used == 32)
            {
                byte[] input = new byte[_seed.Length + 8];
                _seed.CopyTo(input, 0);
                BinaryPrimitives.WriteUInt64BigEndian(input.AsSpan(_seed.Length), _counter++);
                SHA256.HashData(input, _block);
                _used = 0;
            }

            destination[i] = _block[_used++];
        }
    }
}
