namespace Jormungandr.Crypto;

/// <summary>An ML-DSA parameter set (FIPS 204 §4, Table 1) and the byte sizes it implies.</summary>
public sealed class MlDsaParameterSet
{
    /// <summary>Size of the key-generation seed ξ in bytes.</summary>
    public const int SeedSize = 32;

    /// <summary>Largest context string FIPS 204 allows, in bytes.</summary>
    public const int MaxContextLength = 255;

    /// <summary>ML-DSA-44 (security category 2).</summary>
    public static readonly MlDsaParameterSet MlDsa44 = new("ML-DSA-44", k: 4, l: 4, eta: 2, tau: 39, gamma1Bits: 17, gamma2: (8380417 - 1) / 88, omega: 80, lambda: 128);

    /// <summary>ML-DSA-65 (security category 3): Jormungandr's identity keys.</summary>
    public static readonly MlDsaParameterSet MlDsa65 = new("ML-DSA-65", k: 6, l: 5, eta: 4, tau: 49, gamma1Bits: 19, gamma2: (8380417 - 1) / 32, omega: 55, lambda: 192);

    /// <summary>ML-DSA-87 (security category 5).</summary>
    public static readonly MlDsaParameterSet MlDsa87 = new("ML-DSA-87", k: 8, l: 7, eta: 2, tau: 60, gamma1Bits: 19, gamma2: (8380417 - 1) / 32, omega: 75, lambda: 256);

    private MlDsaParameterSet(string name, int k, int l, int eta, int tau, int gamma1Bits, int gamma2, int omega, int lambda)
    {
        Name = name;
        K = k;
        L = l;
        Eta = eta;
        Tau = tau;
        Gamma1Bits = gamma1Bits;
        Gamma2 = gamma2;
        Omega = omega;
        Lambda = lambda;
    }

    /// <summary>The FIPS 204 name, e.g. <c>ML-DSA-65</c>.</summary>
    public string Name { get; }

    /// <summary>Rows of A.</summary>
    public int K { get; }

    /// <summary>Columns of A.</summary>
    public int L { get; }

    /// <summary>η, the bound of the secret coefficients.</summary>
    public int Eta { get; }

    /// <summary>τ, the number of ±1 coefficients of the challenge.</summary>
    public int Tau { get; }

    /// <summary>β = τη.</summary>
    public int Beta => Tau * Eta;

    /// <summary>log2 of γ1, the range of y.</summary>
    public int Gamma1Bits { get; }

    /// <summary>γ1 = 2^Gamma1Bits.</summary>
    public int Gamma1 => 1 << Gamma1Bits;

    /// <summary>γ2, the low-order rounding range.</summary>
    public int Gamma2 { get; }

    /// <summary>ω, the largest number of 1s in the hint.</summary>
    public int Omega { get; }

    /// <summary>λ, the collision strength of c̃ in bits.</summary>
    public int Lambda { get; }

    /// <summary>Bits per coefficient of the η-bounded secrets: 3 for η = 2, 4 for η = 4.</summary>
    public int EtaBits => Eta == 2 ? 3 : 4;

    /// <summary>Bits per coefficient of w1: 6 for γ2 = (q−1)/88, 4 for (q−1)/32.</summary>
    public int W1Bits => Gamma2 == (8380417 - 1) / 88 ? 6 : 4;

    /// <summary>Public key size: 32 + 320k.</summary>
    public int PublicKeySize => 32 + (320 * K);

    /// <summary>Secret key size: 128 + 32·((k + l)·bitlen(2η) + 13k).</summary>
    public int SecretKeySize => 128 + (32 * (((K + L) * EtaBits) + (13 * K)));

    /// <summary>Signature size: λ/4 + 32·l·(1 + bitlen(γ1 − 1)) + ω + k.</summary>
    public int SignatureSize => (Lambda / 4) + (32 * L * (1 + Gamma1Bits)) + Omega + K;

    /// <summary>All parameter sets, smallest first.</summary>
    public static IReadOnlyList<MlDsaParameterSet> All { get; } = [MlDsa44, MlDsa65, MlDsa87];

    /// <summary>Looks a parameter set up by its FIPS 204 name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not ML-DSA-44, ML-DSA-65 or ML-DSA-87.</exception>
    public static MlDsaParameterSet FromName(string name)
    {
        foreach (MlDsaParameterSet p in All)
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p;
            }
        }

        throw new ArgumentException($"Unknown ML-DSA parameter set '{name}'; expected ML-DSA-44, ML-DSA-65 or ML-DSA-87.", nameof(name));
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
