namespace Jormungandr.Legacy.Toml;

/// <summary>
/// A parsed TOML document. Values are <see cref="string"/>, <see cref="long"/>,
/// <see cref="IReadOnlyList{T}"/> of <see cref="object"/> (an array of values),
/// <see cref="IReadOnlyList{T}"/> of <see cref="TomlTable"/> (an array of tables) or a <see cref="TomlTable"/>.
/// </summary>
public sealed class TomlDocument
{
    /// <summary>Creates a document around its root table.</summary>
    public TomlDocument(IReadOnlyDictionary<string, object> root)
    {
        Root = root;
    }

    /// <summary>The top-level keys.</summary>
    public IReadOnlyDictionary<string, object> Root { get; }
}

/// <summary>A table (<c>[name]</c> or one element of <c>[[name]]</c>).</summary>
public sealed class TomlTable
{
    /// <summary>Creates a table declared at <paramref name="line"/>.</summary>
    public TomlTable(IReadOnlyDictionary<string, object> values, int line)
    {
        Values = values;
        Line = line;
    }

    /// <summary>The table's keys and values.</summary>
    public IReadOnlyDictionary<string, object> Values { get; }

    /// <summary>The 1-based line of the table header, for error messages.</summary>
    public int Line { get; }
}
