namespace Jormungandr.Crypto;

/// <summary>Selects the ML-KEM implementation: the platform's when supported, else <see cref="MlKemManaged"/>.</summary>
public static class MlKem
{
    /// <summary>The active provider.</summary>
    public static IMlKemProvider Provider { get; } = MlKemManaged.Instance;
}
