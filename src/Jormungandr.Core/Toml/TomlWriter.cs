using System.Globalization;
using System.Text;

namespace Jormungandr.Toml;

/// <summary>Writes TOML values: strings escaped so any text reads back unchanged.</summary>
public static class TomlWriter
{
    /// <summary>A basic string, <c>"..."</c>, with every character that needs it escaped.</summary>
    public static string String(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        StringBuilder text = new(value.Length + 2);
        text.Append('"');
        foreach (char c in value)
        {
            switch (c)
            {
                case '"': text.Append("\\\""); break;
                case '\\': text.Append("\\\\"); break;
                case '\n': text.Append("\\n"); break;
                case '\t': text.Append("\\t"); break;
                case '\r': text.Append("\\r"); break;
                default:
                    if (char.IsControl(c))
                    {
                        text.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        return text.Append('"').ToString();
    }

    /// <summary>An array of basic strings on one line.</summary>
    public static string Strings(IEnumerable<string> values) => "[" + string.Join(", ", values.Select(String)) + "]";

    /// <summary>A multi-line basic string (lines kept as written, escapes as in <see cref="String"/>).</summary>
    public static string MultiLine(string value)
    {
        string[] lines = value.Replace("\r\n", "\n", StringComparison.Ordinal).TrimEnd('\n').Split('\n');
        return "\"\"\"\n" + string.Join("\n", lines.Select(l => String(l)[1..^1])) + "\n\"\"\"";
    }

    /// <summary>Text safe to put after <c>#</c>: one line, no control characters.</summary>
    public static string CommentText(string value) => new([.. value.Select(c => char.IsControl(c) ? '?' : c)]);
}
