namespace Jormungandr.Toml;

/// <summary>A 1-based line and column in a TOML text.</summary>
public readonly record struct TomlLocation(int Line, int Column)
{
    /// <summary>From Tomlyn's 0-based position.</summary>
    internal static TomlLocation From(Tomlyn.Syntax.TextPosition position) => new(position.Line + 1, position.Column + 1);

    /// <inheritdoc />
    public override string ToString() => $"{Line}:{Column}";
}
