using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// One cipher and key size of the legacy echo protocol, e.g. AES-256. Names are the wire names
/// (<c>AES</c>, <c>Blowfish</c>, <c>DES3</c>, <c>DES</c>); key sizes are in bits as the course's TOML
/// files and proposals write them.
/// </summary>
/// <param name="Name">The canonical wire name.</param>
/// <param name="KeySize">The key size in bits.</param>
public sealed record CipherSuite(string Name, int KeySize)
{
    /// <summary>AES: 128, 192 or 256-bit keys, 16-byte blocks.</summary>
    public const string Aes = "AES";

    /// <summary>Blowfish: 32 to 448-bit keys in steps of 8, 8-byte blocks.</summary>
    public const string Blowfish = "Blowfish";

    /// <summary>Triple DES: 112, 128, 168 or 192-bit keys (zero-padded to 16 or 24 bytes), 8-byte blocks.</summary>
    public const string Des3 = "DES3";

    /// <summary>Single DES: a 56-bit key (7 characters zero-padded to 8 bytes), 8-byte blocks.</summary>
    public const string Des = "DES";

    /// <summary>The known cipher names, in tie-break preference order (see <see cref="CipherNegotiation"/>).</summary>
    public static IReadOnlyList<string> Names { get; } = [Aes, Blowfish, Des3, Des];

    /// <summary>The cipher's block size in bytes, which is also the IV length.</summary>
    public int BlockSize => BlockSizeOf(Name);

    /// <summary>"AES256": how the original transcript names the choice.</summary>
    public override string ToString() => Name + KeySize.ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The canonical spelling of a cipher name (case-insensitive match), or null when unknown.</summary>
    public static string? Canonicalize(string name)
    {
        foreach (string known in Names)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }

    /// <summary>True when <paramref name="name"/> (canonical) supports a <paramref name="keySize"/>-bit key.</summary>
    public static bool IsValidKeySize(string name, int keySize) => name switch
    {
        Aes => keySize is 128 or 192 or 256,
        Blowfish => keySize is >= 32 and <= 448 && keySize % 8 == 0,
        Des3 => keySize is 112 or 128 or 168 or 192,
        Des => keySize == 56,
        _ => false,
    };

    /// <summary>Validates and canonicalizes a name and key size.</summary>
    /// <exception cref="SnekException">LegacyUnknownCipher (InvalidData) for an unknown name or a key size the cipher lacks.</exception>
    public static CipherSuite Create(string name, int keySize)
    {
        string? canonical = Canonicalize(name);
        if (canonical is null)
        {
            throw new SnekException("LegacyUnknownCipher", ErrorKind.InvalidData,
                $"Unknown cipher '{Truncate(name)}'; known ciphers are {string.Join(", ", Names)}.", name);
        }

        if (!IsValidKeySize(canonical, keySize))
        {
            throw new SnekException("LegacyUnknownCipher", ErrorKind.InvalidData,
                $"{canonical} does not support {keySize}-bit keys.", canonical + keySize.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new CipherSuite(canonical, keySize);
    }

    internal static int BlockSizeOf(string name) => name switch
    {
        Aes => 16,
        Blowfish or Des3 or Des => 8,
        _ => throw new ArgumentException($"Unknown cipher '{name}'.", nameof(name)),
    };

    internal static string Truncate(string text) => text.Length <= 40 ? text : string.Concat(text.AsSpan(0, 40), "…");
}
