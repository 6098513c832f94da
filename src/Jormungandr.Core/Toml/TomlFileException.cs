using Jormungandr.Commands;

namespace Jormungandr.Toml;

/// <summary>A mistake at a place in a TOML file; the message reads <c>file:line:column: what</c>.</summary>
public sealed class TomlFileException : SnekException
{
    /// <summary>Creates the error.</summary>
    public TomlFileException(string errorId, ErrorKind kind, string sourceName, TomlLocation at, string what)
        : base(errorId, kind, $"{sourceName}:{at.Line}:{at.Column}: {what}", sourceName)
    {
        SourceName = sourceName;
        Line = at.Line;
        Column = at.Column;
    }

    /// <summary>The file (or the name given for a text).</summary>
    public string SourceName { get; }

    /// <summary>1-based line of the problem.</summary>
    public int Line { get; }

    /// <summary>1-based column of the problem.</summary>
    public int Column { get; }
}
