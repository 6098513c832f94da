using System.Globalization;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Toml;

namespace Jormungandr.Legacy;

/// <summary>One cipher and the key sizes offered for it (a <c>[[supported_cipher]]</c> table).</summary>
/// <param name="Name">The cipher name as written (canonical after <see cref="CipherProposal.Validate"/>).</param>
/// <param name="KeySizes">Key sizes in bits, in the order written.</param>
public sealed record CipherOffer(string Name, IReadOnlyList<int> KeySizes);

/// <summary>
/// A list of ciphers with key sizes: what a client proposes (<c>ProposedCiphers:AES:[128,192,256],DES3:[192]</c>)
/// and what a server supports; loaded from the course's TOML files.
/// </summary>
public sealed class CipherProposal
{
    /// <summary>The message prefix of a proposal.</summary>
    public const string Prefix = "ProposedCiphers:";

    /// <summary>Longest proposal text parsed; longer ones are rejected before parsing.</summary>
    public const int MaxLength = 4096;

    /// <summary>Creates a proposal from offers (not validated: see <see cref="Validate"/>).</summary>
    public CipherProposal(IReadOnlyList<CipherOffer> offers)
    {
        ArgumentNullException.ThrowIfNull(offers);
        Offers = offers;
    }

    /// <summary>The offers, in order.</summary>
    public IReadOnlyList<CipherOffer> Offers { get; }

    /// <summary>What a client proposes when given no cipher file (the example proposal).</summary>
    public static CipherProposal DefaultClient { get; } = new([
        new CipherOffer(CipherSuite.Aes, [128, 192, 256]),
        new CipherOffer(CipherSuite.Blowfish, [112, 224, 448]),
        new CipherOffer(CipherSuite.Des3, [192]),
    ]);

    /// <summary>What a server supports when given no cipher file (as examples/legacy/server_cipher.toml).</summary>
    public static CipherProposal DefaultServer { get; } = new([
        new CipherOffer(CipherSuite.Aes, [128, 192, 256]),
        new CipherOffer(CipherSuite.Blowfish, [112, 224, 256]),
        new CipherOffer(CipherSuite.Des3, [112, 128, 168, 192]),
        new CipherOffer(CipherSuite.Des, [56]),
    ]);

    /// <summary>Every (cipher, key size) pair, in order.</summary>
    public IEnumerable<CipherSuite> Suites()
    {
        foreach (CipherOffer offer in Offers)
        {
            foreach (int size in offer.KeySizes)
            {
                yield return new CipherSuite(offer.Name, size);
            }
        }
    }

    /// <summary>True when the proposal offers exactly this cipher and key size.</summary>
    public bool Contains(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        foreach (CipherOffer offer in Offers)
        {
            if (string.Equals(offer.Name, suite.Name, StringComparison.OrdinalIgnoreCase) && offer.KeySizes.Contains(suite.KeySize))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>
    /// A copy with canonical names, after checking every name and key size is known.
    /// </summary>
    /// <exception cref="SnekException">LegacyUnknownCipher (InvalidData) naming the first unknown entry.</exception>
    public CipherProposal Validate()
    {
        List<CipherOffer> result = [];
        foreach (CipherOffer offer in Offers)
        {
            string name = offer.Name;
            foreach (int size in offer.KeySizes)
            {
                name = CipherSuite.Create(offer.Name, size).Name;
            }

            if (offer.KeySizes.Count == 0)
            {
                name = CipherSuite.Canonicalize(offer.Name) ?? throw new SnekException("LegacyUnknownCipher", ErrorKind.InvalidData,
                    $"Unknown cipher '{CipherSuite.Truncate(offer.Name)}'.", offer.Name);
            }

            result.Add(new CipherOffer(name, offer.KeySizes));
        }

        return new CipherProposal(result);
    }

    /// <summary>The wire text: <c>ProposedCiphers:AES:[128,192,256],Blowfish:[112,224,448]</c>.</summary>
    public string Format()
    {
        StringBuilder sb = new(Prefix);
        for (int i = 0; i < Offers.Count; i++)
        {
            if (i > 0)
            {
                sb.Append(',');
            }

            sb.Append(Offers[i].Name).Append(":[");
            for (int j = 0; j < Offers[i].KeySizes.Count; j++)
            {
                if (j > 0)
                {
                    sb.Append(',');
                }

                sb.Append(Offers[i].KeySizes[j].ToString(CultureInfo.InvariantCulture));
            }

            sb.Append(']');
        }

        return sb.ToString();
    }

    /// <inheritdoc />
    public override string ToString() => Format();

    /// <summary>
    /// Parses a proposal. Strict about structure (prefix, <c>Name:[n,...]</c> entries separated by commas,
    /// at least one entry and one size each, no duplicate names, nothing after the last bracket); spaces
    /// between tokens and one trailing newline are tolerated, as some course clients send them.
    /// Names and sizes are not checked against the known ciphers here: see <see cref="Validate"/>.
    /// </summary>
    /// <exception cref="SnekException">LegacyBadProposal (ProtocolError) with the offending position.</exception>
    public static CipherProposal Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (text.Length > MaxLength)
        {
            throw Bad($"the proposal is {text.Length} characters long (limit {MaxLength})");
        }

        if (!text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            throw Bad($"it does not start with '{Prefix}'");
        }

        string body = text.TrimEnd('\r', '\n');
        int pos = Prefix.Length;
        List<CipherOffer> offers = [];
        HashSet<string> seen = new(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipSpaces(body, ref pos);
            int nameStart = pos;
            while (pos < body.Length && (char.IsAsciiLetterOrDigit(body[pos]) || body[pos] is '_' or '-'))
            {
                pos++;
            }

            if (pos == nameStart)
            {
                throw Bad($"expected a cipher name at offset {pos}");
            }

            string name = body[nameStart..pos];
            if (name.Length > 32)
            {
                throw Bad($"cipher name at offset {nameStart} is too long");
            }

            if (!seen.Add(name))
            {
                throw Bad($"cipher '{name}' is listed twice");
            }

            SkipSpaces(body, ref pos);
            Expect(body, ref pos, ':');
            SkipSpaces(body, ref pos);
            Expect(body, ref pos, '[');
            List<int> sizes = [];
            while (true)
            {
                SkipSpaces(body, ref pos);
                int digitsStart = pos;
                while (pos < body.Length && char.IsAsciiDigit(body[pos]))
                {
                    pos++;
                }

                if (pos == digitsStart || pos - digitsStart > 5)
                {
                    throw Bad($"expected a key size (1 to 5 digits) at offset {digitsStart}");
                }

                int size = int.Parse(body.AsSpan(digitsStart, pos - digitsStart), NumberStyles.None, CultureInfo.InvariantCulture);
                if (!sizes.Contains(size))
                {
                    sizes.Add(size);
                }

                SkipSpaces(body, ref pos);
                if (pos < body.Length && body[pos] == ',')
                {
                    pos++;
                    continue;
                }

                Expect(body, ref pos, ']');
                break;
            }

            offers.Add(new CipherOffer(name, sizes));
            SkipSpaces(body, ref pos);
            if (pos == body.Length)
            {
                return new CipherProposal(offers);
            }

            Expect(body, ref pos, ',');
        }
    }

    private const int MaxFileBytes = 1 << 20;

    /// <summary>The error identifiers of cipher files.</summary>
    public static TomlErrors FileErrors { get; } = new("Cipher file", "LegacyCipherFileNotFound", "LegacyCipherFileUnreadable", "TomlSyntax", "LegacyBadCipherFile", ErrorKind.InvalidData, ErrorKind.InvalidData);

    /// <summary>
    /// Loads a course cipher file: <c>[[supported_cipher]]</c> tables, each with <c>name</c> (string)
    /// and <c>keys</c> (integer array), and nothing else. Names and sizes are validated.
    /// </summary>
    /// <exception cref="SnekException">LegacyCipherFileNotFound (ObjectNotFound), TomlSyntax (InvalidData),
    /// LegacyBadCipherFile (InvalidData), LegacyUnknownCipher (InvalidData); syntax and shape errors are
    /// <see cref="TomlFileException"/>s naming <c>file:line:column</c>.</exception>
    public static CipherProposal Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return FromToml(TomlText.Load(path, MaxFileBytes, FileErrors));
    }

    /// <summary>Parses the text of a cipher file; <paramref name="sourceName"/> prefixes error messages.</summary>
    public static CipherProposal Parse(string text, string sourceName = "<cipher file>") => FromToml(TomlText.Parse(text, sourceName, FileErrors));

    /// <summary>Reads the <c>[[supported_cipher]]</c> tables of a parsed document.</summary>
    /// <exception cref="SnekException">LegacyBadCipherFile or LegacyUnknownCipher (InvalidData).</exception>
    public static CipherProposal FromToml(TomlSection root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.AllowOnly("supported_cipher");
        IReadOnlyList<TomlSection>? tables = root.Tables("supported_cipher");
        if (tables is null || tables.Count == 0)
        {
            throw root.Error(root.Location, "expected at least one [[supported_cipher]] table");
        }

        List<CipherOffer> offers = [];
        foreach (TomlSection table in tables)
        {
            table.AllowOnly("name", "keys");
            string name = table.String("name") ?? throw table.Error(table.Location, "[[supported_cipher]] needs a string 'name'");
            IReadOnlyList<long> keys = table.Integers("keys", 1, 100_000, 1024) ?? throw table.Error(table.Location, $"[[supported_cipher]] '{name}' needs a non-empty integer array 'keys'");
            if (keys.Count == 0)
            {
                throw table.Error(table.LocationOf("keys"), $"[[supported_cipher]] '{name}' needs a non-empty integer array 'keys'");
            }

            offers.Add(new CipherOffer(name, [.. keys.Select(k => (int)k)]));
        }

        return new CipherProposal(offers).Validate();
    }

    private static void SkipSpaces(string s, ref int pos)
    {
        while (pos < s.Length && s[pos] == ' ')
        {
            pos++;
        }
    }

    private static void Expect(string s, ref int pos, char c)
    {
        if (pos >= s.Length || s[pos] != c)
        {
            throw Bad(pos >= s.Length ? $"expected '{c}' but the text ended" : $"expected '{c}' at offset {pos}");
        }

        pos++;
    }

    private static SnekException Bad(string why) =>
        new("LegacyBadProposal", ErrorKind.ProtocolError, $"Malformed cipher proposal: {why}.");
}
