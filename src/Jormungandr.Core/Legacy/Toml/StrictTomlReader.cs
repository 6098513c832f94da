using System.Globalization;
using System.Text;

namespace Jormungandr.Legacy.Toml;

/// <summary>
/// A small, strict TOML reader for what the course's cipher files use: comments, <c>key = value</c>
/// with bare or quoted keys, <c>[table]</c> and <c>[[array.of.tables]]</c> headers with simple names,
/// basic and literal strings, decimal integers, and (multi-line) arrays of strings and integers.
/// Anything else (floats, booleans, dates, inline tables, dotted keys, multi-line strings, nested
/// arrays) is rejected with its line and column rather than guessed at.
/// </summary>
public sealed class StrictTomlReader : ITomlReader
{
    /// <inheritdoc />
    public TomlDocument Parse(string text, string? sourceName = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        return new Parser(text, sourceName).Run();
    }

    private sealed class Parser(string text, string? source)
    {
        private readonly Dictionary<string, object> _root = new(StringComparer.Ordinal);
        private int _pos;
        private int _line = 1;
        private int _lineStart;

        public TomlDocument Run()
        {
            Dictionary<string, object> current = _root;
            while (true)
            {
                SkipWhitespaceAndNewlines();
                if (_pos >= text.Length)
                {
                    return new TomlDocument(_root);
                }

                char c = text[_pos];
                if (c == '[')
                {
                    current = ParseHeader();
                }
                else
                {
                    ParseKeyValue(current);
                }

                EndOfLine();
            }
        }

        private Dictionary<string, object> ParseHeader()
        {
            int headerLine = _line;
            bool array = Peek(1) == '[';
            _pos += array ? 2 : 1;
            SkipSpaces();
            int nameCol = Column;
            string name = ParseKey();
            SkipSpaces();
            if (Peek(0) == '.')
            {
                throw Error(Column, "dotted table names are not supported");
            }

            Expect(']');
            if (array)
            {
                Expect(']');
            }

            Dictionary<string, object> table = new(StringComparer.Ordinal);
            if (array)
            {
                if (!_root.TryGetValue(name, out object? existing))
                {
                    existing = new List<TomlTable>();
                    _root[name] = existing;
                }

                if (existing is not List<TomlTable> list)
                {
                    throw Error(nameCol, $"'{name}' is already defined and is not an array of tables");
                }

                list.Add(new TomlTable(table, headerLine));
            }
            else
            {
                if (_root.ContainsKey(name))
                {
                    throw Error(nameCol, $"'{name}' is defined twice");
                }

                _root[name] = new TomlTable(table, headerLine);
            }

            return table;
        }

        private void ParseKeyValue(Dictionary<string, object> table)
        {
            int keyCol = Column;
            string key = ParseKey();
            SkipSpaces();
            if (Peek(0) == '.')
            {
                throw Error(Column, "dotted keys are not supported");
            }

            Expect('=');
            SkipSpaces();
            object value = ParseValue(allowArray: true);
            if (!table.TryAdd(key, value))
            {
                throw Error(keyCol, $"key '{key}' is defined twice");
            }
        }

        private string ParseKey()
        {
            char c = Peek(0);
            if (c == '"' || c == '\'')
            {
                int col = Column;
                string quoted = c == '"' ? ParseBasicString() : ParseLiteralString();
                if (quoted.Length == 0)
                {
                    throw Error(col, "empty keys are not supported");
                }

                return quoted;
            }

            int start = _pos;
            while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] is '_' or '-'))
            {
                _pos++;
            }

            if (_pos == start)
            {
                throw Error(Column, _pos >= text.Length ? "expected a key but the file ended" : $"expected a key, found '{Describe(text[_pos])}'");
            }

            return text[start.._pos];
        }

        private object ParseValue(bool allowArray)
        {
            int col = Column;
            char c = Peek(0);
            switch (c)
            {
                case '"':
                    if (Peek(1) == '"' && Peek(2) == '"')
                    {
                        throw Error(col, "multi-line strings are not supported");
                    }

                    return ParseBasicString();
                case '\'':
                    if (Peek(1) == '\'' && Peek(2) == '\'')
                    {
                        throw Error(col, "multi-line strings are not supported");
                    }

                    return ParseLiteralString();
                case '[':
                    if (!allowArray)
                    {
                        throw Error(col, "nested arrays are not supported");
                    }

                    return ParseArray();
                case '{':
                    throw Error(col, "inline tables are not supported");
                case '+' or '-' or (>= '0' and <= '9'):
                    return ParseInteger();
                case '\0' when _pos >= text.Length:
                    throw Error(col, "expected a value but the file ended");
                default:
                    if (char.IsAsciiLetter(c))
                    {
                        int start = _pos;
                        while (_pos < text.Length && char.IsAsciiLetter(text[_pos]))
                        {
                            _pos++;
                        }

                        string word = text[start.._pos];
                        _pos = start;
                        throw Error(col, word is "true" or "false" ? "booleans are not supported" : word is "inf" or "nan" ? "floats are not supported" : $"unexpected '{word}' where a value belongs");
                    }

                    throw Error(col, $"unexpected '{Describe(c)}' where a value belongs");
            }
        }

        private long ParseInteger()
        {
            int col = Column;
            int start = _pos;
            if (text[_pos] is '+' or '-')
            {
                _pos++;
            }

            int digitsStart = _pos;
            StringBuilder digits = new();
            bool lastUnderscore = false;
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '_'))
            {
                if (text[_pos] == '_')
                {
                    if (lastUnderscore || _pos == digitsStart)
                    {
                        throw Error(Column, "misplaced '_' in an integer");
                    }

                    lastUnderscore = true;
                }
                else
                {
                    digits.Append(text[_pos]);
                    lastUnderscore = false;
                }

                _pos++;
            }

            if (digits.Length == 0)
            {
                throw Error(col, "expected digits");
            }

            if (lastUnderscore)
            {
                throw Error(Column - 1, "misplaced '_' in an integer");
            }

            if (_pos < text.Length && (text[_pos] is '.' or '-' or '+' or ':' || char.IsAsciiLetter(text[_pos])))
            {
                throw Error(col, "only decimal integers are supported (no floats, dates or 0x/0o/0b forms)");
            }

            if (digits.Length > 1 && digits[0] == '0')
            {
                throw Error(col, "leading zeros are not allowed");
            }

            if (!long.TryParse(text.AsSpan(start, digitsStart - start).ToString() + digits, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long value))
            {
                throw Error(col, "integer out of range");
            }

            return value;
        }

        private List<object> ParseArray()
        {
            _pos++; // '['
            List<object> items = [];
            while (true)
            {
                SkipWhitespaceNewlinesAndComments();
                if (Peek(0) == ']')
                {
                    _pos++;
                    return items;
                }

                items.Add(ParseValue(allowArray: false));
                SkipWhitespaceNewlinesAndComments();
                char c = Peek(0);
                if (c == ',')
                {
                    _pos++;
                    continue;
                }

                if (c == ']')
                {
                    _pos++;
                    return items;
                }

                throw Error(Column, _pos >= text.Length ? "unterminated array" : $"expected ',' or ']' in an array, found '{Describe(c)}'");
            }
        }

        private string ParseBasicString()
        {
            int col = Column;
            _pos++;
            StringBuilder sb = new();
            while (true)
            {
                if (_pos >= text.Length || text[_pos] is '\n' or '\r')
                {
                    throw Error(col, "unterminated string");
                }

                char c = text[_pos++];
                if (c == '"')
                {
                    return sb.ToString();
                }

                if (c != '\\')
                {
                    if (char.IsControl(c) && c != '\t')
                    {
                        throw Error(Column - 1, "control characters must be escaped in strings");
                    }

                    sb.Append(c);
                    continue;
                }

                char e = Peek(0);
                _pos++;
                switch (e)
                {
                    case 'b': sb.Append('\b'); break;
                    case 't': sb.Append('\t'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'r': sb.Append('\r'); break;
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case 'u' or 'U':
                        int len = e == 'u' ? 4 : 8;
                        if (_pos + len > text.Length || !int.TryParse(text.AsSpan(_pos, len), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out int cp) || !Rune.IsValid(cp))
                        {
                            throw Error(Column - 2, "bad unicode escape");
                        }

                        sb.Append(new Rune(cp).ToString());
                        _pos += len;
                        break;
                    default:
                        throw Error(Column - 2, $"unknown escape '\\{Describe(e)}'");
                }
            }
        }

        private string ParseLiteralString()
        {
            int col = Column;
            _pos++;
            int start = _pos;
            while (_pos < text.Length && text[_pos] != '\'' && text[_pos] is not ('\n' or '\r'))
            {
                _pos++;
            }

            if (_pos >= text.Length || text[_pos] != '\'')
            {
                throw Error(col, "unterminated string");
            }

            return text[start.._pos++];
        }

        private void EndOfLine()
        {
            SkipSpaces();
            if (Peek(0) == '#')
            {
                SkipComment();
            }

            if (_pos >= text.Length)
            {
                return;
            }

            if (text[_pos] == '\r' && Peek(1) == '\n')
            {
                _pos++;
            }

            if (text[_pos] != '\n')
            {
                throw Error(Column, $"expected the end of the line, found '{Describe(text[_pos])}'");
            }

            NewLine();
        }

        private void SkipWhitespaceAndNewlines() => SkipWhitespaceNewlinesAndComments();

        private void SkipWhitespaceNewlinesAndComments()
        {
            while (_pos < text.Length)
            {
                char c = text[_pos];
                if (c is ' ' or '\t')
                {
                    _pos++;
                }
                else if (c == '\n')
                {
                    NewLine();
                }
                else if (c == '\r' && Peek(1) == '\n')
                {
                    _pos++;
                    NewLine();
                }
                else if (c == '#')
                {
                    SkipComment();
                }
                else
                {
                    return;
                }
            }
        }

        private void SkipComment()
        {
            while (_pos < text.Length && text[_pos] != '\n' && !(text[_pos] == '\r' && Peek(1) == '\n'))
            {
                _pos++;
            }
        }

        private void NewLine()
        {
            _pos++;
            _line++;
            _lineStart = _pos;
        }

        private void SkipSpaces()
        {
            while (_pos < text.Length && text[_pos] is ' ' or '\t')
            {
                _pos++;
            }
        }

        private void Expect(char c)
        {
            if (Peek(0) != c || _pos >= text.Length)
            {
                throw Error(Column, _pos >= text.Length ? $"expected '{c}' but the file ended" : $"expected '{c}', found '{Describe(text[_pos])}'");
            }

            _pos++;
        }

        private char Peek(int offset) => _pos + offset < text.Length ? text[_pos + offset] : '\0';

        private int Column => _pos - _lineStart + 1;

        private static string Describe(char c) => char.IsControl(c) ? $"\\u{(int)c:x4}" : c.ToString();

        private TomlSyntaxException Error(int column, string what) => new(source, _line, column, what);
    }
}
