using Jormungandr.Commands;

namespace Jormungandr.Toml;

/// <summary>
/// The error identifiers a kind of TOML file reports, so a cipher file and a configuration file fail
/// with their own ErrorIds while sharing one reader.
/// </summary>
/// <param name="Noun">What the file is, capitalized, for messages: <c>Cipher file</c>.</param>
/// <param name="NotFound">The file does not exist (ObjectNotFound).</param>
/// <param name="Unreadable">The file cannot be read (PermissionDenied).</param>
/// <param name="Syntax">The text is not valid TOML (<see cref="SyntaxKind"/>).</param>
/// <param name="Invalid">Valid TOML with a wrong key, type or value, or a file that is too large or not regular (<see cref="InvalidKind"/>).</param>
/// <param name="SyntaxKind">The error kind of a syntax error.</param>
/// <param name="InvalidKind">The error kind of a schema error.</param>
public sealed record TomlErrors(string Noun, string NotFound, string Unreadable, string Syntax, string Invalid, ErrorKind SyntaxKind, ErrorKind InvalidKind)
{
    /// <summary>Configuration files: every mistake is the user's argument (exit code 2).</summary>
    public static TomlErrors Config { get; } = new("Configuration file", "ConfigNotFound", "ConfigUnreadable", "ConfigInvalid", "ConfigInvalid", ErrorKind.InvalidArgument, ErrorKind.InvalidArgument);
}
