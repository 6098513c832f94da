namespace Jormungandr.Legacy.Toml;

/// <summary>
/// Reads TOML text into a <see cref="TomlDocument"/>. One interface so a full reader (e.g. Tomlyn)
/// can replace <see cref="StrictTomlReader"/> without touching the callers.
/// </summary>
public interface ITomlReader
{
    /// <summary>Parses <paramref name="text"/>; <paramref name="sourceName"/> (a path) prefixes error messages.</summary>
    /// <exception cref="TomlSyntaxException">Malformed or unsupported TOML, with line and column.</exception>
    TomlDocument Parse(string text, string? sourceName = null);
}
