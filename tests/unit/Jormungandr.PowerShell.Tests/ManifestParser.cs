using System.Globalization;
using System.Text;

namespace Jormungandr.Tests;

/// <summary>
/// Parses the literal subset of PowerShell data syntax the manifest uses: @{ key = value }, @( … ),
/// 'single' and "double" quoted strings, bare numbers and $true/$false, # comments. Anything else
/// (expressions, variables, wildcards hidden in script) is rejected, which is the point.
/// </summary>
internal sealed class ManifestParser
{
    private readonly string _text;
    private int _pos;

    private ManifestParser(string text) => _text = text;

    public static Dictionary<string, object> Parse(string text)
    {
        ManifestParser parser = new(text);
        parser.SkipTrivia();
        object value = parser.ParseValue();
        parser.SkipTrivia();
        if (parser._pos != text.Length)
        {
            throw parser.Error("trailing content after the hashtable");
        }

        return value as Dictionary<string, object> ?? throw parser.Error("the manifest is not a hashtable");
    }

    private object ParseValue()
    {
        SkipTrivia();
        if (Peek("@{"))
        {
            return ParseHashtable();
        }

        if (Peek("@("))
        {
            return ParseArray();
        }

        char c = Current;
        if (c == '\'')
        {
            return ParseSingleQuoted();
        }

        if (c == '"')
        {
            return ParseDoubleQuoted();
        }

        if (Peek("$true"))
        {
            _pos += 5;
            return true;
        }

        if (Peek("$false"))
        {
            _pos += 6;
            return false;
        }

        int start = _pos;
        while (_pos < _text.Length && (char.IsAsciiDigit(_text[_pos]) || _text[_pos] == '.'))
        {
            _pos++;
        }

        if (_pos > start)
        {
            return decimal.Parse(_text[start.._pos], CultureInfo.InvariantCulture);
        }

        throw Error($"unsupported value starting with '{c}'");
    }

    private Dictionary<string, object> ParseHashtable()
    {
        _pos += 2;
        Dictionary<string, object> result = new(StringComparer.OrdinalIgnoreCase);
        while (true)
        {
            SkipTrivia(allowSeparators: true);
            if (Current == '}')
            {
                _pos++;
                return result;
            }

            int start = _pos;
            while (_pos < _text.Length && (char.IsAsciiLetterOrDigit(_text[_pos]) || _text[_pos] == '_'))
            {
                _pos++;
            }

            string key = _text[start.._pos];
            if (key.Length == 0)
            {
                throw Error("expected a key");
            }

            SkipTrivia();
            if (Current != '=')
            {
                throw Error($"expected '=' after {key}");
            }

            _pos++;
            if (!result.TryAdd(key, ParseValue()))
            {
                throw Error($"duplicate key {key}");
            }
        }
    }

    private List<object> ParseArray()
    {
        _pos += 2;
        List<object> items = [];
        while (true)
        {
            SkipTrivia(allowSeparators: true);
            if (Current == ')')
            {
                _pos++;
                return items;
            }

            items.Add(ParseValue());
        }
    }

    private string ParseSingleQuoted()
    {
        StringBuilder sb = new();
        _pos++;
        while (true)
        {
            char c = Current;
            _pos++;
            if (c == '\'')
            {
                if (_pos < _text.Length && _text[_pos] == '\'')
                {
                    sb.Append('\'');
                    _pos++;
                    continue;
                }

                return sb.ToString();
            }

            sb.Append(c);
        }
    }

    private string ParseDoubleQuoted()
    {
        StringBuilder sb = new();
        _pos++;
        while (true)
        {
            char c = Current;
            _pos++;
            if (c == '"')
            {
                return sb.ToString();
            }

            if (c is '$' or '`')
            {
                throw Error("expandable strings are not allowed in the manifest");
            }

            sb.Append(c);
        }
    }

    private void SkipTrivia(bool allowSeparators = false)
    {
        while (_pos < _text.Length)
        {
            char c = _text[_pos];
            if (char.IsWhiteSpace(c) || (allowSeparators && (c == ',' || c == ';')))
            {
                _pos++;
            }
            else if (c == '#')
            {
                while (_pos < _text.Length && _text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            else
            {
                return;
            }
        }
    }

    private bool Peek(string s) => string.CompareOrdinal(_text, _pos, s, 0, s.Length) == 0;

    private char Current => _pos < _text.Length ? _text[_pos] : throw Error("unexpected end of manifest");

    private FormatException Error(string message)
    {
        int line = 1 + _text.AsSpan(0, Math.Min(_pos, _text.Length)).Count('\n');
        return new FormatException($"Jormungandr.psd1 line {line}: {message}");
    }
}
