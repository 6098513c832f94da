using System.Globalization;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.IO;
using Jormungandr.Legacy.Toml;

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

    /// <summary>
    /// Loads a course cipher file: <c>[[supported_cipher]]</c> tables, each with <c>name</c> (string)
    /// and <c>keys</c> (integer array). Names and sizes are validated.
    /// </summary>
    /// <exception cref="SnekException">LegacyCipherFileNotFound (ObjectNotFound), TomlSyntax (InvalidData),
    /// LegacyBadCipherFile (InvalidData), LegacyUnknownCipher (InvalidData).</exception>
    public static CipherProposal Load(string path, ITomlReader? reader = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            // Only a regular file is read (a FIFO would block the server's start), bounded by the size seen
            // on the open descriptor.
            using Microsoft.Win32.SafeHandles.SafeFileHandle handle = RegularFile.OpenRead(path, out FileStatus status);
            if (status.Length > MaxFileBytes)
            {
                throw new SnekException("LegacyBadCipherFile", ErrorKind.InvalidData, $"{path}: the cipher file is larger than 1 MiB.", path);
            }

            byte[] buffer = new byte[status.Length];
            int total = 0;
            int n;
            while (total < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0)
            {
                total += n;
            }

            text = new UTF8Encoding(false).GetString(buffer, 0, total).TrimStart('\uFEFF');
        }
        catch (NotRegularFileException ex)
        {
            throw new SnekException("LegacyBadCipherFile", ErrorKind.InvalidData, $"{path}: {ex.Message}", path, ex);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SnekException("LegacyCipherFileNotFound", ErrorKind.ObjectNotFound, $"Cipher file not found: {path}", path, ex);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SnekException("LegacyCipherFileUnreadable", ErrorKind.PermissionDenied, $"Cannot read cipher file {path}: {ex.Message}", path, ex);
        }

        return FromToml((reader ?? new StrictTomlReader()).Parse(text, path), path);
    }

    /// <summary>Reads the <c>[[supported_cipher]]</c> tables of a parsed document.</summary>
    /// <exception cref="SnekException">LegacyBadCipherFile or LegacyUnknownCipher (InvalidData).</exception>
    public static CipherProposal FromToml(TomlDocument document, string sourceName = "<cipher file>")
    {
        ArgumentNullException.ThrowIfNull(document);
        if (!document.Root.TryGetValue("supported_cipher", out object? value) || value is not IReadOnlyList<TomlTable> tables || tables.Count == 0)
        {
            throw BadFile(sourceName, "expected at least one [[supported_cipher]] table");
        }

        List<CipherOffer> offers = [];
        foreach (TomlTable table in tables)
        {
            if (!table.Values.TryGetValue("name", out object? name) || name is not string nameText)
            {
                throw BadFile(sourceName, $"line {table.Line}: [[supported_cipher]] needs a string 'name'");
            }

            if (!table.Values.TryGetValue("keys", out object? keys) || keys is not IReadOnlyList<object> keyList || keyList.Count == 0)
            {
                throw BadFile(sourceName, $"line {table.Line}: [[supported_cipher]] '{nameText}' needs a non-empty integer array 'keys'");
            }

            List<int> sizes = [];
            foreach (object k in keyList)
            {
                if (k is not long l || l is < 1 or > 100_000)
                {
                    throw BadFile(sourceName, $"line {table.Line}: 'keys' of '{nameText}' must hold key sizes in bits");
                }

                sizes.Add((int)l);
            }

            offers.Add(new CipherOffer(nameText, sizes));
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

    private static SnekException BadFile(string source, string why) =>
        new("LegacyBadCipherFile", ErrorKind.InvalidData, $"{source}: {why}.", source);
}
