namespace Jormungandr.Routing;

/// <summary>
/// Syntax of a DNS search domain (RFC 1035 preferred name syntax with RFC 1123 digits): labels of 1-63
/// letters, digits and '-' (not at either end) separated by single dots, at most 253 characters, no
/// trailing dot, at least one letter somewhere (so no IP address passes as a domain). ASCII only:
/// an internationalised name travels as its A-label (xn--...).
/// </summary>
internal static class DnsName
{
    /// <summary>Longest name (without the trailing dot).</summary>
    public const int MaxLength = 253;

    /// <summary>True when <paramref name="name"/> is a usable search domain.</summary>
    public static bool IsValid(ReadOnlySpan<char> name)
    {
        if (name.Length is 0 or > MaxLength)
        {
            return false;
        }

        bool letter = false;
        int labelStart = 0;
        for (int i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || name[i] == '.')
            {
                int length = i - labelStart;
                if (length is 0 or > 63 || name[labelStart] == '-' || name[i - 1] == '-')
                {
                    return false;
                }

                labelStart = i + 1;
                continue;
            }

            char c = name[i];
            if (char.IsAsciiLetter(c))
            {
                letter = true;
            }
            else if (!char.IsAsciiDigit(c) && c != '-')
            {
                return false;
            }
        }

        return letter;
    }
}
