using Jormungandr.Commands;
using Jormungandr.Legacy;
using Jormungandr.Legacy.Toml;

namespace Jormungandr.Fuzz.Targets;

/// <summary>
/// TOML text read by the strict reader, then as a cipher file. Only <see cref="TomlSyntaxException"/>
/// (from the reader) and <see cref="SnekException"/> (from the cipher file) escape; values are only the
/// documented types; parsing is deterministic.
/// </summary>
internal static class TomlTarget
{
    public static void Run(ReadOnlySpan<byte> input)
    {
        string text = System.Text.Encoding.UTF8.GetString(input);
        var reader = new StrictTomlReader();
        TomlDocument document;
        try
        {
            document = reader.Parse(text, "fuzz.toml");
        }
        catch (TomlSyntaxException)
        {
            return;
        }

        string shape = Describe(document.Root, 0);
        InvariantViolation.Check(Describe(reader.Parse(text, "fuzz.toml").Root, 0) == shape, "the same text parsed to a different document");
        try
        {
            CipherProposal.FromToml(document, "fuzz.toml");
        }
        catch (SnekException)
        {
        }
    }

    private static string Describe(IReadOnlyDictionary<string, object> table, int depth)
    {
        InvariantViolation.Check(depth < 64, "tables nest deeper than any input could declare");
        var parts = new List<string>();
        foreach (KeyValuePair<string, object> pair in table.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            parts.Add(pair.Key + "=" + Value(pair.Value, depth));
        }

        return "{" + string.Join(",", parts) + "}";
    }

    private static string Value(object value, int depth) => value switch
    {
        string s => "\"" + s + "\"",
        long l => l.ToString(System.Globalization.CultureInfo.InvariantCulture),
        TomlTable t => Describe(t.Values, depth + 1),
        IReadOnlyList<TomlTable> tables => "[" + string.Join(",", tables.Select(t => Describe(t.Values, depth + 1))) + "]",
        IReadOnlyList<object> values => "[" + string.Join(",", values.Select(v => Value(v, depth + 1))) + "]",
        _ => throw new InvariantViolation($"a TOML value of undocumented type {value.GetType().Name}"),
    };
}
