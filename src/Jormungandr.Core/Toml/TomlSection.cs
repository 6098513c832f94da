using System.Globalization;

namespace Jormungandr.Toml;

/// <summary>A value read from TOML and where it was written.</summary>
/// <param name="Value">A <see cref="string"/>, <see cref="long"/>, <see cref="bool"/>, <see cref="double"/>, a
/// date-time, an <see cref="IReadOnlyList{T}"/> of <see cref="TomlValue"/> (an array), a <see cref="TomlSection"/>
/// (a table) or an <see cref="IReadOnlyList{T}"/> of <see cref="TomlSection"/> (an array of tables).</param>
/// <param name="At">Where the value starts (for a table: its header or first key).</param>
public sealed record TomlValue(object Value, TomlLocation At);

/// <summary>One key of a table and its value.</summary>
public sealed record TomlEntry(string Key, TomlLocation KeyAt, TomlValue Value);

/// <summary>
/// A TOML table with typed, strict accessors: a getter checks the type and range of a value and
/// throws <see cref="TomlFileException"/> naming <c>file:line:column</c>; <see cref="AllowOnly"/>
/// refuses any key a schema does not name. Duplicate keys and tables never reach a section: the parser
/// refuses them (<see cref="TomlText"/>).
/// </summary>
public sealed class TomlSection
{
    private readonly Dictionary<string, TomlEntry> _byKey = new(StringComparer.Ordinal);
    private readonly List<TomlEntry> _entries = [];

    internal TomlSection(string sourceName, TomlErrors errors, string path, TomlLocation at)
    {
        SourceName = sourceName;
        Errors = errors;
        Path = path;
        Location = at;
    }

    /// <summary>The file the section was read from (or the name given for a text).</summary>
    public string SourceName { get; }

    /// <summary>The error identifiers this file reports.</summary>
    public TomlErrors Errors { get; }

    /// <summary>The dotted name of the table; empty for the document root.</summary>
    public string Path { get; }

    /// <summary>Where the table begins.</summary>
    public TomlLocation Location { get; }

    /// <summary>The keys in the order written.</summary>
    public IReadOnlyList<TomlEntry> Entries => _entries;

    /// <summary>True when <paramref name="key"/> is present.</summary>
    public bool Has(string key) => _byKey.ContainsKey(key);

    /// <summary>The entry for a key, or null.</summary>
    public TomlEntry? Find(string key) => _byKey.GetValueOrDefault(key);

    internal void Add(TomlEntry entry)
    {
        _byKey.Add(entry.Key, entry);
        _entries.Add(entry);
    }

    /// <summary>A schema error at <paramref name="at"/>.</summary>
    public TomlFileException Error(TomlLocation at, string what) => new(Errors.Invalid, Errors.InvalidKind, SourceName, at, what);

    /// <summary>Refuses the first key (in file order) that is not in <paramref name="known"/>.</summary>
    public void AllowOnly(params ReadOnlySpan<string> known)
    {
        foreach (TomlEntry entry in _entries)
        {
            if (!known.Contains(entry.Key))
            {
                string where = Path.Length == 0 ? "" : $" in [{Path}]";
                throw Error(entry.KeyAt, $"unknown key '{entry.Key}'{where}; known keys: {string.Join(", ", known.ToArray())}");
            }
        }
    }

    /// <summary>A string value, or null when absent.</summary>
    public string? String(string key) => Get<string>(key, "a string");

    /// <summary>A boolean value, or null when absent.</summary>
    public bool? Boolean(string key) => Find(key) is null ? null : Get<bool>(key, "a boolean (true or false)");

    /// <summary>An integer value from <paramref name="min"/> to <paramref name="max"/>, or null when absent.</summary>
    public long? Integer(string key, long min, long max)
    {
        TomlEntry? entry = Find(key);
        if (entry is null)
        {
            return null;
        }

        long value = Get<long>(key, "an integer");
        return InRange(value, min, max, entry.Value.At, key);
    }

    /// <summary>An array of strings (at most <paramref name="maxCount"/>), or null when absent.</summary>
    public IReadOnlyList<string>? Strings(string key, int maxCount)
    {
        IReadOnlyList<TomlValue>? items = ArrayItems(key, maxCount);
        return items?.Select(item => item.Value as string ?? throw ElementError(key, item, "a string")).ToArray();
    }

    /// <summary>An array of integers each from <paramref name="min"/> to <paramref name="max"/> (at most <paramref name="maxCount"/>), or null when absent.</summary>
    public IReadOnlyList<long>? Integers(string key, long min, long max, int maxCount)
    {
        IReadOnlyList<TomlValue>? items = ArrayItems(key, maxCount);
        return items?.Select(item => item.Value is long value ? InRange(value, min, max, item.At, key) : throw ElementError(key, item, "an integer")).ToArray();
    }

    /// <summary>A table, or null when absent.</summary>
    public TomlSection? Table(string key) => Get<TomlSection>(key, "a table");

    /// <summary>An array of tables (<c>[[key]]</c>), or null when absent.</summary>
    public IReadOnlyList<TomlSection>? Tables(string key)
    {
        // An array of inline tables is the same thing written on one line.
        if (Find(key)?.Value.Value is IReadOnlyList<TomlValue> items && items.Count > 0 && items.All(i => i.Value is TomlSection))
        {
            return [.. items.Select(i => (TomlSection)i.Value)];
        }

        return Get<IReadOnlyList<TomlSection>>(key, "an array of tables ([[" + key + "]])");
    }

    /// <summary>Where the value of <paramref name="key"/> starts; the table's own location when absent.</summary>
    public TomlLocation LocationOf(string key) => Find(key)?.Value.At ?? Location;

    /// <summary>The value's type as a reader would name it.</summary>
    public static string Describe(object value) => value switch
    {
        string => "a string",
        long => "an integer",
        bool => "a boolean",
        double => "a float",
        TomlSection => "a table",
        IReadOnlyList<TomlSection> => "an array of tables",
        IReadOnlyList<TomlValue> => "an array",
        _ => "a date-time",
    };

    private T? Get<T>(string key, string expected)
    {
        TomlEntry? entry = Find(key);
        if (entry is null)
        {
            return default;
        }

        if (entry.Value.Value is T value)
        {
            return value;
        }

        throw Error(entry.Value.At, $"'{key}' must be {expected}, not {Describe(entry.Value.Value)}");
    }

    private IReadOnlyList<TomlValue>? ArrayItems(string key, int maxCount)
    {
        TomlEntry? entry = Find(key);
        if (entry is null)
        {
            return null;
        }

        if (entry.Value.Value is not IReadOnlyList<TomlValue> items)
        {
            throw Error(entry.Value.At, $"'{key}' must be an array, not {Describe(entry.Value.Value)}");
        }

        if (items.Count > maxCount)
        {
            throw Error(entry.Value.At, $"'{key}' has {items.Count} elements; at most {maxCount} are allowed");
        }

        return items;
    }

    private TomlFileException ElementError(string key, TomlValue item, string expected) =>
        Error(item.At, $"every element of '{key}' must be {expected}, not {Describe(item.Value)}");

    private long InRange(long value, long min, long max, TomlLocation at, string key)
    {
        if (value < min || value > max)
        {
            throw Error(at, string.Create(CultureInfo.InvariantCulture, $"'{key}' is {value}; it must be from {min} to {max}"));
        }

        return value;
    }
}
