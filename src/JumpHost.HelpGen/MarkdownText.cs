using System.Text;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace JumpHost.HelpGen;

/// <summary>
/// Markdown to the plain text that help shows. Follows platyPS: emphasis markers go, `code`
/// keeps its backticks, a web link becomes "text (url)".
/// </summary>
internal static class MarkdownText
{
    /// <summary>The text of a paragraph or heading; soft line breaks join lines, hard ones keep "\n".</summary>
    public static string Inline(ContainerInline? container)
    {
        var text = new StringBuilder();
        Append(text, container);
        return text.ToString().Trim();
    }

    /// <summary>
    /// Paragraph texts of a run of blocks. A code block is one paragraph with its lines intact; a
    /// list item gets its marker ("- " or "1. ") in front of its first paragraph.
    /// </summary>
    public static List<string> Paragraphs(IEnumerable<Block> blocks)
    {
        var paragraphs = new List<string>();
        foreach (var block in blocks)
        {
            AddParagraphs(paragraphs, block);
        }

        return paragraphs;
    }

    /// <summary>The lines of a fenced or indented code block, without its fences.</summary>
    public static string Code(CodeBlock block) =>
        string.Join('\n', block.Lines.Lines.Take(block.Lines.Count).Select(line => line.ToString()));

    /// <summary>1-based line of a block, as errors report it.</summary>
    public static int LineOf(Block block) => block.Line + 1;

    public static bool IsWebUri(string? uri) =>
        Uri.TryCreate(uri, UriKind.Absolute, out var parsed) && (parsed.Scheme == Uri.UriSchemeHttp || parsed.Scheme == Uri.UriSchemeHttps);

    private static void AddParagraphs(List<string> paragraphs, Block block)
    {
        switch (block)
        {
            case ParagraphBlock paragraph:
                paragraphs.Add(Inline(paragraph.Inline));
                break;
            case CodeBlock code:
                paragraphs.Add(Code(code));
                break;
            case ListBlock list:
                var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
                foreach (var item in list.OfType<ListItemBlock>())
                {
                    var marker = list.IsOrdered ? $"{number++}. " : "- ";
                    var itemParagraphs = Paragraphs(item);
                    for (var i = 0; i < itemParagraphs.Count; i++)
                    {
                        paragraphs.Add((i == 0 ? marker : new string(' ', marker.Length)) + itemParagraphs[i]);
                    }
                }

                break;
            case QuoteBlock quote:
                paragraphs.AddRange(Paragraphs(quote));
                break;

            // HTML blocks (comments), thematic breaks and link reference definitions show nothing.
        }
    }

    /// <summary>The text of one inline, e.g. a piece of a paragraph between two links.</summary>
    public static string Single(Inline inline)
    {
        var text = new StringBuilder();
        Append(text, inline);
        return text.ToString();
    }

    private static void Append(StringBuilder text, ContainerInline? container)
    {
        for (var inline = container?.FirstChild; inline != null; inline = inline.NextSibling)
        {
            Append(text, inline);
        }
    }

    private static void Append(StringBuilder text, Inline inline)
    {
        switch (inline)
        {
            case LiteralInline literal:
                text.Append(literal.Content.ToString());
                break;
            case CodeInline code:
                text.Append('`').Append(code.Content).Append('`');
                break;
            case LineBreakInline lineBreak:
                text.Append(lineBreak.IsHard ? '\n' : ' ');
                break;
            case AutolinkInline autolink:
                text.Append(autolink.Url);
                break;
            case HtmlEntityInline entity:
                text.Append(entity.Transcoded.ToString());
                break;
            case HtmlInline html:
                text.Append(html.Tag);
                break;
            case LinkInline link:
                AppendLink(text, link);
                break;
            case ContainerInline emphasisOrOther:
                Append(text, emphasisOrOther);
                break;
        }
    }

    // Relative links (to other markdown pages) mean nothing in a console, so only their text stays.
    private static void AppendLink(StringBuilder text, LinkInline link)
    {
        var start = text.Length;
        Append(text, link);
        var linkText = text.ToString(start, text.Length - start);
        if (!link.IsImage && IsWebUri(link.Url) && linkText != link.Url)
        {
            text.Append(" (").Append(link.Url).Append(')');
        }
    }
}
