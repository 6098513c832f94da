using Jormungandr.Commands;
using Jormungandr.Legacy;
using Jormungandr.Toml;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// TOML text read by the strict reader (Tomlyn's syntax tree, mapped by hand), then as a cipher file.
/// Only <see cref="SnekException"/> escapes (a <see cref="TomlFileException"/> naming a line and column
/// within the text for any reader error); values are only the documented types; parsing is deterministic.
/// </summary>
internal static class TomlTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        string text = System.Text.Encoding.UTF8.GetString(input);
        TomlSection document;
        try
        {
            document = TomlText.Parse(text, "fuzz.toml", CipherProposal.FileErrors);
        }
        catch (TomlFileException ex)
        {
            InvariantViolation.Check(ex.Line >= 1 && ex.Column >= 1, $"a TOML error at {ex.Line}:{ex.Column}, outside the text");
            return;
        }

        string shape = Describe(document, 0);
        InvariantViolation.Check(Describe(TomlText.Parse(text, "fuzz.toml", CipherProposal.FileErrors), 0) == shape, "the same text parsed to a different document");
        try
        {
            CipherProposal.FromToml(document);
        }
        catch (SnekException)
        {
        }
    }

    private static string Describe(TomlSection table, int depth)
    {
        InvariantViolation.Check(depth < 64, "tables nest deeper than any input could declare");
        var parts = new List<string>();
        foreach (TomlEntry entry in table.Entries.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            parts.Add(entry.Key + "=" + Value(entry.Value.Value, depth));
        }

        return "{" + string.Join(",", parts) + "}";
    }

    private static string Value(object value, int depth) => value switch
    {
        string s => "\"" + s + "\"",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        TomlSection t => Describe(t, depth + 1),
        IReadOnlyList<TomlSection> tables => "[" + string.Join(",", tables.Select(t => Describe(t, depth + 1))) + "]",
        IReadOnlyList<TomlValue> values => "[" + string.Join(",", values.Select(v => Value(v.Value, depth + 1))) + "]",
        IFormattable f => f.ToString(null, System.Globalization.CultureInfo.InvariantCulture),
        _ => throw new InvariantViolation($"a TOML value of undocumented type {value.GetType().Name}"),
    };
}
