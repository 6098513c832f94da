using Jormungandr.Commands;

namespace Jormungandr.Legacy.Toml;

/// <summary>TOML the reader cannot accept: ErrorId <c>TomlSyntax</c>, kind InvalidData, with a 1-based position.</summary>
public sealed class TomlSyntaxException : SnekException
{
    /// <summary>Creates the error; the message reads <c>source:line:column: what</c>.</summary>
    public TomlSyntaxException(string? sourceName, int line, int column, string what)
        : base("TomlSyntax", ErrorKind.InvalidData, $"{sourceName ?? "<toml>"}:{line}:{column}: {what}", sourceName)
    {
        Line = line;
        Column = column;
    }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem.</summary>
    public int Column { get; }
}
