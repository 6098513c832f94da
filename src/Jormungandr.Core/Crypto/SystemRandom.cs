using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>The operating system's CSPRNG; the only <see cref="IRandomSource"/> for production use.</summary>
public sealed class SystemRandom : IRandomSource
{
    /// <summary>The shared instance (stateless, thread-safe).</summary>
    public static SystemRandom Instance { get; } = new();

    private SystemRandom()
    {
    }

    /// <inheritdoc />
    public void Fill(Span<byte> destination) => RandomNumberGenerator.Fill(destination);
}
