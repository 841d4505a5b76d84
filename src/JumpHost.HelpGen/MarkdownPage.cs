using System.Text.RegularExpressions;
using System.Xml;
using Markdig;
using Markdig.Syntax;

namespace JumpHost.HelpGen;

/// <summary>
/// A markdown file split into its YAML front matter and its Markdig document. Markdig sees the
/// front matter as blank lines, so the line numbers of its blocks stay those of the file.
/// </summary>
internal sealed partial class MarkdownPage
{
    private readonly string[] _lines;

    private MarkdownPage(string[] lines, IReadOnlyDictionary<string, FrontMatterValue> frontMatter, MarkdownDocument document)
    {
        _lines = lines;
        FrontMatter = frontMatter;
        Document = document;
    }

    /// <summary>Top-level "key: value" pairs; keys compare case-insensitively as in platyPS.</summary>
    public IReadOnlyDictionary<string, FrontMatterValue> FrontMatter { get; }

    public MarkdownDocument Document { get; }

    public static MarkdownPage Parse(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var markdownLines = (string[])lines.Clone();
        var frontMatter = ReadFrontMatter(markdownLines);
        var document = Markdown.Parse(string.Join('\n', markdownLines));
        return new MarkdownPage(lines, frontMatter, document);
    }

    /// <summary>
    /// Rejects what would otherwise surface later as an exception from the XML writer, or ship
    /// platyPS's "{{ Fill in the Synopsis }}" placeholders to users. Only for pages that become help.
    /// </summary>
    public void CheckHelpText()
    {
        for (var i = 0; i < _lines.Length; i++)
        {
            var line = _lines[i];
            for (var c = 0; c < line.Length; c++)
            {
                if (XmlConvert.IsXmlChar(line[c]))
                {
                    continue;
                }

                if (c + 1 < line.Length && XmlConvert.IsXmlSurrogatePair(line[c + 1], line[c]))
                {
                    c++;
                    continue;
                }

                throw new HelpFormatException(i + 1, $"character U+{(int)line[c]:X4} cannot appear in an XML help file");
            }

            var placeholder = Placeholder().Match(line);
            if (placeholder.Success)
            {
                throw new HelpFormatException(i + 1, $"platyPS placeholder left in the page: {placeholder.Value}");
            }
        }
    }

    // Reads the front matter and blanks its lines in place. Only flat "key: value" pairs matter to
    // platyPS; YAML list items (such as under "aliases:" in PowerShell-Docs) are skipped.
    private static Dictionary<string, FrontMatterValue> ReadFrontMatter(string[] lines)
    {
        var pairs = new Dictionary<string, FrontMatterValue>(StringComparer.OrdinalIgnoreCase);
        if (lines.Length == 0 || lines[0].TrimEnd() != "---")
        {
            return pairs;
        }

        var end = Array.FindIndex(lines, 1, line => line.TrimEnd() == "---");
        if (end < 0)
        {
            throw new HelpFormatException(1, "front matter opened with '---' is never closed");
        }

        for (var i = 1; i < end; i++)
        {
            // Blank, comment, list item, or indented (nested) line.
            var line = lines[i];
            var trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed[0] is '#' or '-' || trimmed.Length != line.Length)
            {
                continue;
            }

            var colon = line.IndexOf(':');
            if (colon <= 0)
            {
                throw new HelpFormatException(i + 1, $"front matter line is not 'key: value': {line.Trim()}");
            }

            var key = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            if (!pairs.TryAdd(key, new FrontMatterValue(value, i + 1)))
            {
                throw new HelpFormatException(i + 1, $"front matter key '{key}' appears twice");
            }
        }

        for (var i = 0; i <= end; i++)
        {
            lines[i] = string.Empty;
        }

        return pairs;
    }

    [GeneratedRegex(@"\{\{\s*(Fill|Add)\b[^}]*\}\}")]
    private static partial Regex Placeholder();
}

/// <summary>A front matter value and the 1-based line it is on.</summary>
internal sealed record FrontMatterValue(string Value, int Line);
