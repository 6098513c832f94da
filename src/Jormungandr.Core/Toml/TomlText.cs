using System.Text;
using Jormungandr.IO;
using Microsoft.Win32.SafeHandles;
using Tomlyn.Parsing;
using Tomlyn.Syntax;

namespace Jormungandr.Toml;

/// <summary>
/// Reads TOML (1.1, through Tomlyn's syntax parser) into <see cref="TomlSection"/>s that remember where
/// every key and value was written. Tomlyn's semantic validation runs first, so a duplicate key, a table
/// declared twice or <c>[t]</c> followed by <c>[[t]]</c> is an error with its position (its model
/// deserializer would merge them silently); the tree is then mapped by hand, without reflection, so the
/// library stays trimming- and AOT-safe.
/// </summary>
public static class TomlText
{
    /// <summary>Parses <paramref name="text"/>; the first problem is thrown as <see cref="TomlFileException"/>.</summary>
    public static TomlSection Parse(string text, string sourceName, TomlErrors errors)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(sourceName);
        ArgumentNullException.ThrowIfNull(errors);
        DocumentSyntax document;
        try
        {
            document = SyntaxParser.Parse(text, sourceName, validate: true);
        }
        catch (ArgumentException ex)
        {
            // Tomlyn's lexer throws while describing some malformed escapes (a backslash at the end of the
            // text formats end-of-input as a character); the text is invalid either way.
            throw new TomlFileException(errors.Syntax, errors.SyntaxKind, sourceName, EndOf(text), "the text ends inside an escape sequence or holds an invalid one (" + ex.GetType().Name + ")");
        }

        foreach (DiagnosticMessage message in document.Diagnostics)
        {
            if (message.Kind == DiagnosticMessageKind.Error)
            {
                throw new TomlFileException(errors.Syntax, errors.SyntaxKind, sourceName, TomlLocation.From(message.Span.Start), message.Message);
            }
        }

        return new Builder(sourceName, errors).Build(document);
    }

    // Where a parse that failed without a position stopped: the last line and column of the text.
    private static TomlLocation EndOf(string text)
    {
        int line = 1, column = 1;
        foreach (char c in text)
        {
            if (c == '\n')
            {
                line++;
                column = 1;
            }
            else
            {
                column++;
            }
        }

        return new TomlLocation(line, column);
    }

    /// <summary>
    /// Reads a TOML file: only a regular file (a FIFO is refused without blocking), at most
    /// <paramref name="maxBytes"/> as seen on the open descriptor, UTF-8 with an optional BOM.
    /// </summary>
    public static TomlSection Load(string path, int maxBytes, TomlErrors errors) => Load(path, maxBytes, errors, out _);

    /// <summary>As <see cref="Load(string, int, TomlErrors)"/>, with the file's kind, mode and owner as seen on the open descriptor.</summary>
    internal static TomlSection Load(string path, int maxBytes, TomlErrors errors, out FileStatus status)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(errors);
        return Parse(ReadFile(path, maxBytes, errors, out status), path, errors);
    }

    private static string ReadFile(string path, int maxBytes, TomlErrors errors, out FileStatus status)
    {
        try
        {
            using SafeFileHandle handle = RegularFile.OpenRead(path, out status);
            if (status.Length > maxBytes)
            {
                throw new Commands.SnekException(errors.Invalid, errors.InvalidKind, $"{path}: the file is larger than {maxBytes} bytes.", path);
            }

            byte[] buffer = new byte[status.Length];
            int total = 0;
            int n;
            while (total < buffer.Length && (n = RandomAccess.Read(handle, buffer.AsSpan(total), total)) > 0)
            {
                total += n;
            }

            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer, 0, total).TrimStart('\uFEFF');
            }
            catch (DecoderFallbackException e)
            {
                throw new Commands.SnekException(errors.Syntax, errors.SyntaxKind, $"{path}: the file is not UTF-8 text.", path, e);
            }
        }
        catch (NotRegularFileException e)
        {
            throw new Commands.SnekException(errors.Invalid, errors.InvalidKind, $"{path}: {e.Message}", path, e);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new Commands.SnekException(errors.NotFound, Commands.ErrorKind.ObjectNotFound, $"{errors.Noun} not found: {path}", path, e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new Commands.SnekException(errors.Unreadable, Commands.ErrorKind.PermissionDenied, $"Cannot read {errors.Noun.ToLowerInvariant()} {path}: {e.Message}", path, e);
        }
    }

    private sealed class Builder(string source, TomlErrors errors)
    {
        public TomlSection Build(DocumentSyntax document)
        {
            TomlSection root = new(source, errors, "", new TomlLocation(1, 1));
            foreach (KeyValueSyntax kv in document.KeyValues)
            {
                AddKeyValue(root, kv);
            }

            foreach (TableSyntaxBase table in document.Tables)
            {
                List<(string Name, TomlLocation At)> name = KeyParts(table.Name!);
                TomlLocation at = TomlLocation.From(table.Span.Start);
                TomlSection section;
                if (table is TableArraySyntax)
                {
                    TomlSection parent = Navigate(root, name.GetRange(0, name.Count - 1));
                    (string last, TomlLocation lastAt) = name[^1];
                    if (parent.Find(last)?.Value.Value is not List<TomlSection> array)
                    {
                        array = [];
                        parent.Add(new TomlEntry(last, lastAt, new TomlValue(array, at)));
                    }

                    section = new TomlSection(source, errors, Join(parent, last), at);
                    array.Add(section);
                }
                else
                {
                    section = Navigate(root, name, at);
                }

                foreach (KeyValueSyntax kv in table.Items)
                {
                    AddKeyValue(section, kv);
                }
            }

            return root;
        }

        private void AddKeyValue(TomlSection section, KeyValueSyntax kv)
        {
            List<(string Name, TomlLocation At)> parts = KeyParts(kv.Key!);
            TomlSection target = Navigate(section, parts.GetRange(0, parts.Count - 1));
            (string key, TomlLocation keyAt) = parts[^1];
            target.Add(new TomlEntry(key, keyAt, Convert(kv.Value!, Join(target, key))));
        }

        // Walks (creating implicit tables) down a dotted name; an array of tables continues in its last element.
        private TomlSection Navigate(TomlSection from, List<(string Name, TomlLocation At)> parts, TomlLocation? headerAt = null)
        {
            TomlSection current = from;
            foreach ((string name, TomlLocation at) in parts)
            {
                object? existing = current.Find(name)?.Value.Value;
                if (existing is TomlSection table)
                {
                    current = table;
                }
                else if (existing is List<TomlSection> array && array.Count > 0)
                {
                    current = array[^1];
                }
                else if (existing is null)
                {
                    TomlSection created = new(source, errors, Join(current, name), headerAt ?? at);
                    current.Add(new TomlEntry(name, at, new TomlValue(created, headerAt ?? at)));
                    current = created;
                }
                else
                {
                    // The validator refuses this; kept as an error rather than an assumption.
                    throw current.Error(at, $"'{name}' is not a table");
                }
            }

            return current;
        }

        private TomlValue Convert(ValueSyntax value, string path)
        {
            TomlLocation at = TomlLocation.From(value.Span.Start);
            return value switch
            {
                StringValueSyntax s => new TomlValue(s.Value ?? "", at),
                IntegerValueSyntax i => new TomlValue(i.Value, at),
                BooleanValueSyntax b => new TomlValue(b.Value, at),
                FloatValueSyntax f => new TomlValue(f.Value, at),
                DateTimeValueSyntax d => new TomlValue(d.Value, at),
                ArraySyntax a => new TomlValue(a.Items.Select(item => Convert(item.Value!, path)).ToList(), at),
                InlineTableSyntax t => new TomlValue(InlineTable(t, path, at), at),
                _ => throw new TomlFileException(errors.Syntax, errors.SyntaxKind, source, at, "unsupported value"),
            };
        }

        private TomlSection InlineTable(InlineTableSyntax table, string path, TomlLocation at)
        {
            TomlSection section = new(source, errors, path, at);
            foreach (InlineTableItemSyntax item in table.Items)
            {
                AddKeyValue(section, item.KeyValue!);
            }

            return section;
        }

        private static List<(string Name, TomlLocation At)> KeyParts(KeySyntax key)
        {
            List<(string, TomlLocation)> parts = [(KeyText(key.Key!), TomlLocation.From(key.Key!.Span.Start))];
            foreach (DottedKeyItemSyntax dotted in key.DotKeys)
            {
                parts.Add((KeyText(dotted.Key!), TomlLocation.From(dotted.Key!.Span.Start)));
            }

            return parts;
        }

        private static string KeyText(BareKeyOrStringValueSyntax key) => key switch
        {
            BareKeySyntax bare => bare.Key?.Text ?? "",
            StringValueSyntax quoted => quoted.Value ?? "",
            _ => "",
        };

        private static string Join(TomlSection parent, string name) => parent.Path.Length == 0 ? name : parent.Path + "." + name;
    }
}
