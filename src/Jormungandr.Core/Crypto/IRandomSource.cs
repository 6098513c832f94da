namespace Jormungandr.Crypto;

/// <summary>Where randomness comes from. Injected so protocol tests can run on a fixed seed.</summary>
public interface IRandomSource
{
    /// <summary>Fills <paramref name="destination"/> with random bytes.</summary>
    void Fill(Span<byte> destination);
}
