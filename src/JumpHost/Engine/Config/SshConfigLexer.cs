using System.Collections.Generic;
using System.Text;

namespace JumpHost.Engine.Config;

/// <summary>
/// Splits configuration lines the way ssh's readconf does: the keyword with <c>strdelim</c> (whitespace or one
/// <c>=</c>, double quotes), the arguments with <c>argv_split</c> (single and double quotes, backslash escapes,
/// <c>#</c> starting a comment only at the start of an argument). Match lines are split with strdelim again.
/// </summary>
internal static class SshConfigLexer
{
    private const string Whitespace = " \t\r\n";

    /// <summary>
    /// ssh's strdelim: the next token from <paramref name="position"/>, which moves past the token and the
    /// whitespace (and at most one '=') after it, and becomes null at the end of the text. Returns null when a
    /// double quote is not closed.
    /// </summary>
    public static string? NextToken(string text, ref int? position)
    {
        if (position == null)
        {
            return null;
        }

        var start = position.Value;
        var stop = IndexOfAny(text, start, Whitespace + "\"=");
        if (stop < 0)
        {
            position = null;
            return text.Substring(start);
        }

        if (text[stop] == '"')
        {
            var close = text.IndexOf('"', stop + 1);
            if (close < 0)
            {
                position = null;
                return null;
            }

            position = SkipWhitespace(text, close + 1);
            return text.Substring(start, stop - start) + text.Substring(stop + 1, close - stop - 1);
        }

        var token = text.Substring(start, stop - start);
        var next = SkipWhitespace(text, stop + 1);
        if (text[stop] != '=' && next < text.Length && text[next] == '=')
        {
            next = SkipWhitespace(text, next + 1);
        }

        position = next;
        return token;
    }

    /// <summary>ssh's argv_split with comments: null when a quote is left open.</summary>
    public static List<string>? SplitArguments(string text)
    {
        var args = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == ' ' || text[i] == '\t')
            {
                i++;
                continue;
            }

            if (text[i] == '#')
            {
                break;
            }

            var arg = new StringBuilder();
            var quote = '\0';
            for (; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\')
                {
                    var next = i + 1 < text.Length ? text[i + 1] : '\0';
                    if (next == '\'' || next == '"' || next == '\\' || (quote == '\0' && next == ' '))
                    {
                        i++;
                        arg.Append(next);
                    }
                    else
                    {
                        arg.Append(c);
                    }
                }
                else if (quote == '\0' && (c == ' ' || c == '\t'))
                {
                    break;
                }
                else if (quote == '\0' && (c == '"' || c == '\''))
                {
                    quote = c;
                }
                else if (quote != '\0' && c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    arg.Append(c);
                }
            }

            if (quote != '\0')
            {
                return null;
            }

            args.Add(arg.ToString());
        }

        return args;
    }

    /// <summary>Removes what ssh strips from the end of a line: whitespace and form feeds, never the first character.</summary>
    public static string TrimLineEnd(string line)
    {
        var end = line.Length;
        while (end > 1 && (Whitespace + "\f").IndexOf(line[end - 1]) >= 0)
        {
            end--;
        }

        return line.Substring(0, end);
    }

    public static int SkipWhitespace(string text, int index)
    {
        while (index < text.Length && Whitespace.IndexOf(text[index]) >= 0)
        {
            index++;
        }

        return index;
    }

    /// <summary>ASCII-only lower case, like C's tolower in the C locale.</summary>
    public static string AsciiLower(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (chars[i] >= 'A' && chars[i] <= 'Z')
            {
                chars[i] = (char)(chars[i] + ('a' - 'A'));
            }
        }

        return new string(chars);
    }

    private static int IndexOfAny(string text, int start, string characters)
    {
        for (var i = start; i < text.Length; i++)
        {
            if (characters.IndexOf(text[i]) >= 0)
            {
                return i;
            }
        }

        return -1;
    }
}
