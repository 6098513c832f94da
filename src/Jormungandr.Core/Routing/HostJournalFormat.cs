using System.Globalization;
using System.Text;

namespace Jormungandr.Routing;

/// <summary>
/// The text of a <see cref="HostJournal"/>: a header line <c>jormungandr-host 1</c>, then one change per
/// line, fields separated by one space, <c>-</c> for an absent value:
/// <code>
/// rule 4|6 PRIORITY TABLE FWMARK|- not|is SUPPRESS|-
/// route 4|6 TABLE INTERFACE
/// nft FAMILY NAME
/// sysctl KEY PREVIOUS APPLIED
/// dns resolvconf|resolved NAME
/// dns file NAME TARGET none|file|link BACKUP|- SHA256
/// </code>
/// Every field is a number, a name of letters, digits and <c>_ - . : /</c>, or an absolute path
/// without spaces: <see cref="Format"/> refuses anything else, so a line always splits back the same.
/// Bounded: at most <see cref="MaxLines"/> lines of <see cref="MaxLineLength"/> characters.
/// </summary>
internal static class HostJournalFormat
{
    /// <summary>First line of every journal.</summary>
    public const string Header = "jormungandr-host 1";

    /// <summary>Most change lines a journal holds (a tunnel makes about a dozen).</summary>
    public const int MaxLines = 256;

    /// <summary>Longest line.</summary>
    public const int MaxLineLength = 1024;

    /// <summary>The whole journal text for <paramref name="changes"/>.</summary>
    /// <exception cref="ArgumentException">A field has a character that could not be read back.</exception>
    public static string Format(IEnumerable<HostChange> changes)
    {
        var text = new StringBuilder(Header).Append('\n');
        foreach (HostChange change in changes)
        {
            text.Append(Line(change)).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>Parses a journal; <see cref="FormatException"/> naming the line when anything is off.</summary>
    public static List<HostChange> Parse(string text)
    {
        string[] lines = text.Split('\n');
        if (lines.Length == 0 || lines[0] != Header)
        {
            throw new FormatException($"the first line is not '{Header}'");
        }

        var changes = new List<HostChange>();
        for (int i = 1; i < lines.Length; i++)
        {
            string line = lines[i];
            if (line.Length == 0 && i == lines.Length - 1)
            {
                break;
            }

            if (changes.Count >= MaxLines || line.Length > MaxLineLength)
            {
                throw new FormatException($"line {i + 1}: more than {MaxLines} changes or a line over {MaxLineLength} characters");
            }

            try
            {
                changes.Add(ParseLine(line.Split(' ')));
            }
            catch (Exception e) when (e is FormatException or OverflowException or ArgumentException)
            {
                throw new FormatException($"line {i + 1}: {e.Message}", e);
            }
        }

        return changes;
    }

    private static string Line(HostChange change) => change switch
    {
        RuleChange r => Join("rule", Family(r.V6), Number(r.Priority), Number(r.Table), r.FwMark is uint m ? Number(m) : "-",
            r.Invert ? "not" : "is", r.SuppressPrefixLength is uint s ? Number(s) : "-"),
        TableRouteChange t => Join("route", Family(t.V6), Number(t.Table), Word(t.Interface)),
        NftTableChange n => Join("nft", Word(n.Family), Word(n.Name)),
        SysctlChange s => Join("sysctl", Word(s.Key), Word(s.Previous), Word(s.Applied)),
        DnsChange { Method: DnsMethod.File } d => Join("dns", "file", Word(d.Name), PathField(d.Target), d.Original.ToString().ToLowerInvariant(),
            d.Backup is null ? "-" : d.Original == ResolvConfOriginal.Link ? LinkField(d.Backup) : PathField(d.Backup), Word(d.WrittenSha256)),
        DnsChange d => Join("dns", d.Method == DnsMethod.Resolvconf ? "resolvconf" : "resolved", Word(d.Name)),
        _ => throw new ArgumentException($"no journal line for {change.GetType().Name}", nameof(change)),
    };

    private static HostChange ParseLine(string[] f)
    {
        switch (f[0])
        {
            case "rule" when f.Length == 7:
                return new RuleChange(ParseFamily(f[1]), ParseNumber(f[2]), ParseNumber(f[3]), f[4] == "-" ? null : ParseNumber(f[4]),
                    f[5] switch { "not" => true, "is" => false, _ => throw new FormatException("rule sense must be 'not' or 'is'") },
                    f[6] == "-" ? null : ParseNumber(f[6]));
            case "route" when f.Length == 4:
                return new TableRouteChange(ParseFamily(f[1]), ParseNumber(f[2]), Word(f[3]));
            case "nft" when f.Length == 3:
                return new NftTableChange(Word(f[1]), Word(f[2]));
            case "sysctl" when f.Length == 4:
                return new SysctlChange(Word(f[1]), Word(f[2]), Word(f[3]));
            case "dns" when f.Length == 3 && f[1] is "resolvconf" or "resolved":
                return new DnsChange(f[1] == "resolvconf" ? DnsMethod.Resolvconf : DnsMethod.Resolved, Word(f[2]));
            case "dns" when f.Length == 7 && f[1] == "file":
                ResolvConfOriginal original = f[4] switch
                {
                    "none" => ResolvConfOriginal.None,
                    "file" => ResolvConfOriginal.File,
                    "link" => ResolvConfOriginal.Link,
                    _ => throw new FormatException("resolv.conf original must be none, file or link"),
                };
                string? backup = f[5] == "-" ? null : original == ResolvConfOriginal.Link ? LinkField(f[5]) : PathField(f[5]);
                if ((original == ResolvConfOriginal.None) != (backup is null))
                {
                    throw new FormatException("a resolv.conf backup is given exactly when there was an original");
                }

                return new DnsChange(DnsMethod.File, Word(f[2]), PathField(f[3]), original, backup, Word(f[6]));
            default:
                throw new FormatException($"unknown change '{f[0]}' or wrong number of fields ({f.Length})");
        }
    }

    private static string Join(params string[] fields) => string.Join(' ', fields);

    private static string Family(bool v6) => v6 ? "6" : "4";

    private static bool ParseFamily(string text) => text switch
    {
        "4" => false,
        "6" => true,
        _ => throw new FormatException("family must be 4 or 6"),
    };

    private static string Number(uint value) => value.ToString(CultureInfo.InvariantCulture);

    private static uint ParseNumber(string text) => uint.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);

    /// <summary>A name field: 1-255 of letters, digits, '_', '-', '.', ':', '/' (sysctl keys, table names, values).</summary>
    private static string Word(string? value)
    {
        if (string.IsNullOrEmpty(value) || value.Length > 255 || value == "-")
        {
            throw new ArgumentException($"'{value}' is not a journal name field");
        }

        foreach (char c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.' or ':' or '/'))
            {
                throw new ArgumentException($"'{value}' has a character a journal name field cannot hold");
            }
        }

        return value;
    }

    private static string PathField(string? value)
    {
        if (value is null || !value.StartsWith('/') || value.Length > 512 || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{value}' is not an absolute path without spaces");
        }

        return value;
    }

    private static string LinkField(string value)
    {
        if (value.Length is 0 or > 512 || value == "-" || value.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new ArgumentException($"'{value}' is not a link target without spaces");
        }

        return value;
    }
}
