namespace Jormungandr.Crypto;

/// <summary>An ML-KEM parameter set (FIPS 203 §8, Table 2) and the byte sizes it implies.</summary>
public sealed class MlKemParameterSet
{
    /// <summary>Size of the shared secret K in bytes (all parameter sets).</summary>
    public const int SharedSecretSize = 32;

    /// <summary>Size of the seeds d, z and the encapsulation randomness m in bytes.</summary>
    public const int SeedSize = 32;

    /// <summary>ML-KEM-512 (security category 1).</summary>
    public static readonly MlKemParameterSet MlKem512 = new("ML-KEM-512", k: 2, eta1: 3, eta2: 2, du: 10, dv: 4);

    /// <summary>ML-KEM-768 (security category 3).</summary>
    public static readonly MlKemParameterSet MlKem768 = new("ML-KEM-768", k: 3, eta1: 2, eta2: 2, du: 10, dv: 4);

    /// <summary>ML-KEM-1024 (security category 5): the one Jormungandr's handshake uses.</summary>
    public static readonly MlKemParameterSet MlKem1024 = new("ML-KEM-1024", k: 4, eta1: 2, eta2: 2, du: 11, dv: 5);

    private MlKemParameterSet(string name, int k, int eta1, int eta2, int du, int dv)
    {
        Name = name;
        K = k;
        Eta1 = eta1;
        Eta2 = eta2;
        Du = du;
        Dv = dv;
    }

    /// <summary>The FIPS 203 name, e.g. <c>ML-KEM-1024</c>.</summary>
    public string Name { get; }

    /// <summary>Module rank k.</summary>
    public int K { get; }

    /// <summary>η1, the noise parameter of s, e and y.</summary>
    public int Eta1 { get; }

    /// <summary>η2, the noise parameter of e1 and e2.</summary>
    public int Eta2 { get; }

    /// <summary>d_u, compression bits of u.</summary>
    public int Du { get; }

    /// <summary>d_v, compression bits of v.</summary>
    public int Dv { get; }

    /// <summary>Encapsulation key size: 384k + 32.</summary>
    public int EncapsulationKeySize => (384 * K) + 32;

    /// <summary>Decapsulation key size: 768k + 96.</summary>
    public int DecapsulationKeySize => (768 * K) + 96;

    /// <summary>Ciphertext size: 32(d_u k + d_v).</summary>
    public int CiphertextSize => 32 * ((Du * K) + Dv);

    /// <summary>All parameter sets, smallest first.</summary>
    public static IReadOnlyList<MlKemParameterSet> All { get; } = [MlKem512, MlKem768, MlKem1024];

    /// <summary>Looks a parameter set up by its FIPS 203 name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">The name is not ML-KEM-512, ML-KEM-768 or ML-KEM-1024.</exception>
    public static MlKemParameterSet FromName(string name)
    {
        foreach (MlKemParameterSet p in All)
        {
            if (string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
            {
                return p;
            }
        }

        throw new ArgumentException($"Unknown ML-KEM parameter set '{name}'; expected ML-KEM-512, ML-KEM-768 or ML-KEM-1024.", nameof(name));
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
