using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Jormungandr.Crypto;

namespace Jormungandr.Tests;

/// <summary>Deterministic random bytes: SHA-256(seed || counter) blocks. Same seed, same stream.</summary>
internal sealed class SeededRandom : IRandomSource
{
    private readonly byte[] _seed;
    private ulong _counter;
    private readonly byte[] _block = new byte[32];
    private int _used = 32;

    public SeededRandom(string seed) => _seed = Encoding.UTF8.GetBytes(seed);

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
