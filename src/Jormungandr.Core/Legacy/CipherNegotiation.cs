using System.Globalization;
using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// The server's choice and its wire messages. Rule: the cipher/key-size pair both sides list with the
/// longest key; ties (e.g. AES-192 and Blowfish-192) go to the earlier name in
/// <see cref="CipherSuite.Names"/> (AES, Blowfish, DES3, DES), so the choice never depends on the order
/// either side wrote its list in.
/// </summary>
public static class CipherNegotiation
{
    /// <summary>The reply prefix.</summary>
    public const string ChosenPrefix = "ChosenCipher:";

    /// <summary>What the server sends (then closes) when nothing matches; the client reports it verbatim.</summary>
    public const string NoCommonCipherMessage = "Could not agree on a cipher";

    /// <summary>Chooses the suite. The proposal must already be validated (canonical names).</summary>
    /// <exception cref="SnekException">LegacyNoCommonCipher (ProtocolError) when nothing matches.</exception>
    public static CipherSuite Select(CipherProposal supported, CipherProposal proposed)
    {
        ArgumentNullException.ThrowIfNull(supported);
        ArgumentNullException.ThrowIfNull(proposed);
        CipherSuite? best = null;
        foreach (CipherSuite candidate in proposed.Suites())
        {
            if (!supported.Contains(candidate))
            {
                continue;
            }

            if (best is null || candidate.KeySize > best.KeySize ||
                (candidate.KeySize == best.KeySize && Rank(candidate.Name) < Rank(best.Name)))
            {
                best = candidate;
            }
        }

        return best ?? throw NoCommonCipher(proposed);
    }

    /// <summary>The error both sides use when nothing matches.</summary>
    public static SnekException NoCommonCipher(object? target = null) =>
        new("LegacyNoCommonCipher", ErrorKind.ProtocolError, NoCommonCipherMessage, target);

    /// <summary><c>ChosenCipher:AES,256</c> (comma, as the reference capture shows).</summary>
    public static string FormatChoice(CipherSuite suite)
    {
        ArgumentNullException.ThrowIfNull(suite);
        return ChosenPrefix + suite.Name + "," + suite.KeySize.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Parses the server's reply: <c>ChosenCipher:AES,256</c> or the prose spec's <c>ChosenCipher:AES:256</c>
    /// (one trailing newline tolerated). The choice must be one the client proposed.
    /// </summary>
    /// <exception cref="SnekException">LegacyNoCommonCipher when the server says so; LegacyBadChoice (ProtocolError)
    /// for anything malformed or not proposed.</exception>
    public static CipherSuite ParseChoice(string text, CipherProposal proposed)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(proposed);
        string body = text.TrimEnd('\r', '\n');
        if (body == NoCommonCipherMessage)
        {
            throw NoCommonCipher();
        }

        if (!body.StartsWith(ChosenPrefix, StringComparison.Ordinal) || body.Length > 64)
        {
            throw BadChoice($"expected '{ChosenPrefix}<name>,<bits>', got '{CipherSuite.Truncate(body)}'");
        }

        string rest = body[ChosenPrefix.Length..];
        int sep = rest.IndexOfAny([',', ':']);
        if (sep <= 0 || !int.TryParse(rest.AsSpan(sep + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int bits))
        {
            throw BadChoice($"cannot read a cipher and key size from '{CipherSuite.Truncate(body)}'");
        }

        CipherSuite suite;
        try
        {
            suite = CipherSuite.Create(rest[..sep], bits);
        }
        catch (SnekException ex)
        {
            throw BadChoice(ex.Message);
        }

        if (!proposed.Contains(suite))
        {
            throw BadChoice($"the server chose {suite}, which this client did not propose");
        }

        return suite;
    }

    /// <summary>
    /// True when <paramref name="received"/> already is a complete choice: it parses and no proposed key size
    /// of that cipher could still continue its digits (so "Blowfish,40" waits if 400 was proposed).
    /// </summary>
    internal static bool IsCompleteChoice(ReadOnlySpan<byte> received, CipherProposal proposed)
    {
        string text = System.Text.Encoding.UTF8.GetString(received);
        if (text == NoCommonCipherMessage)
        {
            return true;
        }

        CipherSuite suite;
        try
        {
            suite = ParseChoice(text, proposed);
        }
        catch (SnekException)
        {
            return false;
        }

        string digits = suite.KeySize.ToString(CultureInfo.InvariantCulture);
        foreach (CipherSuite s in proposed.Suites())
        {
            string other = s.KeySize.ToString(CultureInfo.InvariantCulture);
            if (string.Equals(s.Name, suite.Name, StringComparison.OrdinalIgnoreCase) && other.Length > digits.Length && other.StartsWith(digits, StringComparison.Ordinal))
            {
                return false;
            }
        }

        return true;
    }

    private static int Rank(string name)
    {
        for (int i = 0; i < CipherSuite.Names.Count; i++)
        {
            if (CipherSuite.Names[i] == name)
            {
                return i;
            }
        }

        return int.MaxValue;
    }

    private static SnekException BadChoice(string why) =>
        new("LegacyBadChoice", ErrorKind.ProtocolError, $"Bad cipher choice from the server: {why}.");
}
