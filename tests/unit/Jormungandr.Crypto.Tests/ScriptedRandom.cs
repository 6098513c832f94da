using Org.BouncyCastle.Crypto.Prng;
using Org.BouncyCastle.Security;

namespace Jormungandr.Tests;

/// <summary>
/// A BouncyCastle random source that hands out exactly the chunks it was given, in order, so an operation
/// that draws its randomness (ML-KEM's m, ML-DSA's rnd) can be fed the same bytes our code gets as an
/// argument. A draw of another size, or one too many, throws: a silent fallback would hide a mismatch.
/// </summary>
internal sealed class ScriptedRandom : IRandomGenerator
{
    private readonly Queue<byte[]> _chunks;

    private ScriptedRandom(IEnumerable<byte[]> chunks) => _chunks = new Queue<byte[]>(chunks);

    /// <summary>A SecureRandom whose draws are <paramref name="chunks"/>, one per call.</summary>
    public static SecureRandom Of(params byte[][] chunks) => new(new ScriptedRandom(chunks));

    public void AddSeedMaterial(byte[] seed)
    {
        // Seeding has no effect on a script.
    }

    public void AddSeedMaterial(ReadOnlySpan<byte> seed)
    {
        // Seeding has no effect on a script.
    }

    public void AddSeedMaterial(long seed)
    {
        // Seeding has no effect on a script.
    }

    public void NextBytes(byte[] bytes) => NextBytes(bytes.AsSpan());

    public void NextBytes(byte[] bytes, int start, int len) => NextBytes(bytes.AsSpan(start, len));

    public void NextBytes(Span<byte> bytes)
    {
        if (!_chunks.TryDequeue(out byte[]? chunk))
        {
            throw new InvalidOperationException($"Scripted random exhausted: an unexpected draw of {bytes.Length} bytes.");
        }

        if (chunk.Length != bytes.Length)
        {
            throw new InvalidOperationException($"Scripted random: a draw of {bytes.Length} bytes where {chunk.Length} were scripted.");
        }

        chunk.CopyTo(bytes);
    }
}
