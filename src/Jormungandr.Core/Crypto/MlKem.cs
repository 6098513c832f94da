using System.Security.Cryptography;

namespace Jormungandr.Crypto;

/// <summary>Selects the ML-KEM implementation: the platform's when supported, else <see cref="MlKemManaged"/>.</summary>
public static class MlKem
{
    /// <summary>The active provider: <c>platform</c> where <see cref="MLKem.IsSupported"/> (OpenSSL 3.5+, Windows), else <c>managed</c>.</summary>
    public static IMlKemProvider Provider { get; } = Select(MLKem.IsSupported);

    /// <summary>The choice behind <see cref="Provider"/>, separated so tests can exercise both branches.</summary>
    internal static IMlKemProvider Select(bool platformSupported) =>
        platformSupported ? MlKemPlatform.Instance : MlKemManaged.Instance;
}
