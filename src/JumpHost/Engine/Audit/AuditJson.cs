using System;
using System.Collections;
using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace JumpHost.Engine.Audit;

/// <summary>
/// The little JSON the audit log needs, for both builds (System.Text.Json is not part of netstandard2.0, and a
/// package of it would clash with Windows PowerShell's assemblies). Writing is deterministic: fields in the
/// order given, no spaces, non-ASCII text as UTF-8, only what JSON requires escaped. Reading gives
/// <see cref="Dictionary{TKey,TValue}"/> (string keys, in file order), <c>object?[]</c>, string, long, double,
/// bool and null.
/// </summary>
internal static class AuditJson
{
    private const int MaxDepth = 64;

    public static void WriteString(StringBuilder json, string value)
    {
        json.Append('"');
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            switch (c)
            {
                case '"':
                    json.Append("\\\"");
                    break;
                case '\\':
                    json.Append("\\\\");
                    break;
                case '\n':
                    json.Append("\\n");
                    break;
                case '\r':
                    json.Append("\\r");
                    break;
                case '\t':
                    json.Append("\\t");
                    break;
                default:
                    if (c < 0x20 || c == '\u2028' || c == '\u2029' || IsLoneSurrogate(value, i))
                    {
                        json.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        json.Append(c);
                        if (char.IsHighSurrogate(c))
                        {
                            json.Append(value[++i]);
                        }
                    }

                    break;
            }
        }

        json.Append('"');
    }

    /// <summary>Writes a value; <paramref name="text"/> transforms every string (redaction) on the way.</summary>
    public static void WriteValue(StringBuilder json, object? value, Func<string, string> text, int depth = 0)
    {
        if (depth > MaxDepth)
        {
            throw new ArgumentException($"An audit field is nested more than {MaxDepth} levels deep.");
        }

        switch (value)
        {
            case null:
                json.Append("null");
                break;
            case string s:
                WriteString(json, text(s));
                break;
            case bool b:
                json.Append(b ? "true" : "false");
                break;
            case char c:
                WriteString(json, text(c.ToString()));
                break;
            case sbyte or byte or short or ushort or int or uint or long or ulong:
                json.Append(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
            case float f:
                WriteDouble(json, f);
                break;
            case double d:
                WriteDouble(json, d);
                break;
            case decimal m:
                json.Append(m.ToString(CultureInfo.InvariantCulture));
                break;
            case Enum e:
                WriteString(json, e.ToString());
                break;
            case DateTime t:
                WriteString(json, FormatTime(t));
                break;
            case DateTimeOffset o:
                WriteString(json, FormatTime(o.UtcDateTime));
                break;
            case TimeSpan span:
                WriteDouble(json, span.TotalMilliseconds);
                break;
            case AuditFields fields:
                WriteObject(json, fields, text, depth);
                break;
            case IEnumerable<KeyValuePair<string, object?>> pairs:
                WriteObject(json, pairs, text, depth);
                break;
            case IDictionary dictionary:
                WriteDictionary(json, dictionary, text, depth);
                break;
            case byte[]:
                throw new ArgumentException("Audit fields take no raw bytes: write a hash or a length instead.");
            case IEnumerable items:
                json.Append('[');
                var first = true;
                foreach (var item in items)
                {
                    if (!first)
                    {
                        json.Append(',');
                    }

                    first = false;
                    WriteValue(json, item, text, depth + 1);
                }

                json.Append(']');
                break;
            case IFormattable formattable:
                WriteString(json, text(formattable.ToString(null, CultureInfo.InvariantCulture)));
                break;
            default:
                WriteString(json, text(value.ToString() ?? string.Empty));
                break;
        }
    }

    /// <summary>UTC time as ISO 8601 with 7 fractional digits and Z: the same width on every line.</summary>
    public static string FormatTime(DateTime time)
    {
        var utc = time.Kind == DateTimeKind.Local ? time.ToUniversalTime() : DateTime.SpecifyKind(time, DateTimeKind.Utc);
        return utc.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z'", CultureInfo.InvariantCulture);
    }

    public static bool TryParseTime(string? text, out DateTime time) =>
        DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out time);

    /// <summary>Parses one JSON text. Throws <see cref="FormatException"/> when it is not JSON.</summary>
    public static object? Parse(string text)
    {
        var parser = new Parser(text);
        parser.SkipWhitespace();
        var value = parser.ReadValue(0);
        parser.SkipWhitespace();
        if (!parser.AtEnd)
        {
            throw parser.Error("text after the JSON value");
        }

        return value;
    }

    private static void WriteObject(StringBuilder json, IEnumerable<KeyValuePair<string, object?>> pairs, Func<string, string> text, int depth)
    {
        json.Append('{');
        var first = true;
        foreach (var pair in pairs)
        {
            if (!first)
            {
                json.Append(',');
            }

            first = false;
            WriteString(json, pair.Key);
            json.Append(':');
            WriteValue(json, pair.Value, text, depth + 1);
        }

        json.Append('}');
    }

    /// <summary>A non-generic dictionary (a PowerShell hashtable) has no order of its own: its keys are sorted.</summary>
    private static void WriteDictionary(StringBuilder json, IDictionary dictionary, Func<string, string> text, int depth)
    {
        var keys = new List<string>();
        var values = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (DictionaryEntry entry in dictionary)
        {
            var key = Convert.ToString(entry.Key, CultureInfo.InvariantCulture) ?? string.Empty;
            if (!values.ContainsKey(key))
            {
                keys.Add(key);
            }

            values[key] = entry.Value;
        }

        if (dictionary is not System.Collections.Specialized.IOrderedDictionary)
        {
            keys.Sort(StringComparer.Ordinal);
        }

        var pairs = new List<KeyValuePair<string, object?>>();
        foreach (var key in keys)
        {
            pairs.Add(new KeyValuePair<string, object?>(key, values[key]));
        }

        WriteObject(json, pairs, text, depth);
    }

    private static void WriteDouble(StringBuilder json, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            json.Append("null");
            return;
        }

        json.Append(value.ToString("R", CultureInfo.InvariantCulture));
    }

    private static bool IsLoneSurrogate(string value, int index)
    {
        var c = value[index];
        if (char.IsHighSurrogate(c))
        {
            return index + 1 >= value.Length || !char.IsLowSurrogate(value[index + 1]);
        }

        return char.IsLowSurrogate(c);
    }

    private sealed class Parser
    {
        private readonly string _text;
        private int _position;

        public Parser(string text)
        {
            _text = text;
        }

        public bool AtEnd => _position >= _text.Length;

        public void SkipWhitespace()
        {
            while (_position < _text.Length && (_text[_position] == ' ' || _text[_position] == '\t' || _text[_position] == '\r' || _text[_position] == '\n'))
            {
                _position++;
            }
        }

        public FormatException Error(string what) => new($"Not valid JSON at character {_position + 1}: {what}.");

        public object? ReadValue(int depth)
        {
            if (depth > MaxDepth)
            {
                throw Error("nested too deeply");
            }

            if (AtEnd)
            {
                throw Error("the text ends where a value was expected");
            }

            switch (_text[_position])
            {
                case '{':
                    return ReadObject(depth);
                case '[':
                    return ReadArray(depth);
                case '"':
                    return ReadString();
                case 't':
                    Expect("true");
                    return true;
                case 'f':
                    Expect("false");
                    return false;
                case 'n':
                    Expect("null");
                    return null;
                default:
                    return ReadNumber();
            }
        }

        private Dictionary<string, object?> ReadObject(int depth)
        {
            var result = new Dictionary<string, object?>(StringComparer.Ordinal);
            _position++;
            SkipWhitespace();
            if (!AtEnd && _text[_position] == '}')
            {
                _position++;
                return result;
            }

            while (true)
            {
                SkipWhitespace();
                if (AtEnd || _text[_position] != '"')
                {
                    throw Error("a field name was expected");
                }

                var name = ReadString();
                SkipWhitespace();
                if (AtEnd || _text[_position] != ':')
                {
                    throw Error("':' was expected");
                }

                _position++;
                SkipWhitespace();
                var value = ReadValue(depth + 1);
                if (result.ContainsKey(name))
                {
                    throw Error($"the field '{name}' appears twice");
                }

                result.Add(name, value);
                SkipWhitespace();
                if (AtEnd)
                {
                    throw Error("the object is not closed");
                }

                if (_text[_position] == ',')
                {
                    _position++;
                    continue;
                }

                if (_text[_position] == '}')
                {
                    _position++;
                    return result;
                }

                throw Error("',' or '}' was expected");
            }
        }

        private object?[] ReadArray(int depth)
        {
            var items = new List<object?>();
            _position++;
            SkipWhitespace();
            if (!AtEnd && _text[_position] == ']')
            {
                _position++;
                return items.ToArray();
            }

            while (true)
            {
                SkipWhitespace();
                items.Add(ReadValue(depth + 1));
                SkipWhitespace();
                if (AtEnd)
                {
                    throw Error("the list is not closed");
                }

                if (_text[_position] == ',')
                {
                    _position++;
                    continue;
                }

                if (_text[_position] == ']')
                {
                    _position++;
                    return items.ToArray();
                }

                throw Error("',' or ']' was expected");
            }
        }

        private string ReadString()
        {
            _position++;
            var result = new StringBuilder();
            while (true)
            {
                if (AtEnd)
                {
                    throw Error("the string is not closed");
                }

                var c = _text[_position++];
                if (c == '"')
                {
                    return result.ToString();
                }

                if (c < 0x20)
                {
                    throw Error("a control character in a string");
                }

                if (c != '\\')
                {
                    result.Append(c);
                    continue;
                }

                if (AtEnd)
                {
                    throw Error("the string is not closed");
                }

                var escaped = _text[_position++];
                switch (escaped)
                {
                    case '"':
                    case '\\':
                    case '/':
                        result.Append(escaped);
                        break;
                    case 'b':
                        result.Append('\b');
                        break;
                    case 'f':
                        result.Append('\f');
                        break;
                    case 'n':
                        result.Append('\n');
                        break;
                    case 'r':
                        result.Append('\r');
                        break;
                    case 't':
                        result.Append('\t');
                        break;
                    case 'u':
                        if (_position + 4 > _text.Length
                            || !int.TryParse(_text.Substring(_position, 4), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var code))
                        {
                            throw Error("a \\u escape needs four hex digits");
                        }

                        result.Append((char)code);
                        _position += 4;
                        break;
                    default:
                        throw Error($"'\\{escaped}' is not an escape");
                }
            }
        }

        private object ReadNumber()
        {
            var start = _position;
            if (_text[_position] == '-')
            {
                _position++;
            }

            var integral = true;
            while (!AtEnd)
            {
                var c = _text[_position];
                if (c >= '0' && c <= '9')
                {
                    _position++;
                }
                else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-')
                {
                    integral = false;
                    _position++;
                }
                else
                {
                    break;
                }
            }

            var token = _text.Substring(start, _position - start);
            if (token.Length == 0 || token == "-")
            {
                throw Error("a value was expected");
            }

            if (integral && long.TryParse(token, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var whole))
            {
                return whole;
            }

            if (double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return number;
            }

            throw Error($"'{token}' is not a number");
        }

        private void Expect(string word)
        {
            if (string.CompareOrdinal(_text, _position, word, 0, word.Length) != 0)
            {
                throw Error($"'{word}' was expected");
            }

            _position += word.Length;
        }
    }
}
