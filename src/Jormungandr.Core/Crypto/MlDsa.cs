namespace Jormungandr.Crypto;

/// <summary>
/// Selects the ML-DSA implementation: the platform's (<see cref="MlDsaPlatform"/>) when
/// <c>System.Security.Cryptography.MLDsa.IsSupported</c> (OpenSSL 3.5+, Windows), else <see cref="MlDsaManaged"/>.
/// <see cref="IMlDsaProvider.Name"/> says which is active.
/// </summary>
public static class MlDsa
{
    /// <summary>The active provider.</summary>
    public static IMlDsaProvider Provider { get; } = MlDsaPlatform.IsSupported ? MlDsaPlatform.Instance : MlDsaManaged.Instance;
}
