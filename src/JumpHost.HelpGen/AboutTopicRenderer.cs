using System.Text;
using Markdig.Syntax;

namespace JumpHost.HelpGen;

/// <summary>
/// Renders an about_ page as the plain text Get-Help prints, in the layout of platyPS and of
/// PowerShell's own about topics: a "TOPIC" header with the topic name, upper-case headings at the
/// margin, body text indented 4 and wrapped at 80 columns, code indented 4 and never wrapped.
/// </summary>
internal static class AboutTopicRenderer
{
    private const int Width = 80;
    private const string Indent = "    ";

    /// <summary>
    /// The page starts with "# Title"; platyPS's template follows it with "## about_Name", the
    /// lookup name, which the file name already gives, so both are replaced by the TOPIC header.
    /// </summary>
    public static string Render(MarkdownPage page, string topicName)
    {
        var blocks = page.Document.Where(block => block is not (HtmlBlock or LinkReferenceDefinitionGroup)).ToList();
        if (blocks.Count == 0 || blocks[0] is not HeadingBlock { Level: 1 })
        {
            throw new HelpFormatException(blocks.Count == 0 ? 1 : MarkdownText.LineOf(blocks[0]), "an about topic starts with a '# Title' heading");
        }

        var skip = blocks.Count > 1 && blocks[1] is HeadingBlock { Level: 2 } lookup
            && MarkdownText.Inline(lookup.Inline).StartsWith("about_", StringComparison.OrdinalIgnoreCase) ? 2 : 1;

        var text = new StringBuilder();
        text.Append("TOPIC\n").Append(Indent).Append(topicName).Append("\n\n");
        foreach (var block in blocks.Skip(skip))
        {
            RenderBlock(text, block, Indent);
        }

        return text.ToString().TrimEnd('\n') + "\n";
    }

    private static void RenderBlock(StringBuilder text, Block block, string indent)
    {
        switch (block)
        {
            case HeadingBlock heading:
                // Level 1 at the margin like SHORT DESCRIPTION; subtopics indented 2, still above the text.
                var headingIndent = heading.Level == 1 ? string.Empty : "  ";
                text.Append(headingIndent).Append(MarkdownText.Inline(heading.Inline).ToUpperInvariant()).Append('\n');
                return;
            case ParagraphBlock paragraph:
                Wrap(text, MarkdownText.Inline(paragraph.Inline), indent, indent);
                break;
            case CodeBlock code:
                foreach (var line in MarkdownText.Code(code).Split('\n'))
                {
                    text.Append((indent + line).TrimEnd()).Append('\n');
                }

                break;
            case ListBlock list:
                RenderList(text, list, indent);
                return;
            case QuoteBlock quote:
                foreach (var child in quote)
                {
                    RenderBlock(text, child, indent);
                }

                return;
            default:
                return;
        }

        text.Append('\n');
    }

    // "- item" with the item's wrapped lines hanging under its text; a blank line after the list.
    private static void RenderList(StringBuilder text, ListBlock list, string indent)
    {
        var number = int.TryParse(list.OrderedStart, out var start) ? start : 1;
        foreach (var item in list.OfType<ListItemBlock>())
        {
            var marker = list.IsOrdered ? $"{number++}. " : "- ";
            var hanging = indent + new string(' ', marker.Length);
            var first = true;
            foreach (var child in item)
            {
                if (child is ParagraphBlock paragraph)
                {
                    Wrap(text, MarkdownText.Inline(paragraph.Inline), first ? indent + marker : hanging, hanging);
                }
                else
                {
                    RenderBlock(text, child, hanging);
                }

                first = false;
            }
        }

        text.Append('\n');
    }

    // Greedy word wrap; a hard line break in the markdown starts a new line, and a word longer
    // than the line stands alone rather than being cut.
    private static void Wrap(StringBuilder text, string paragraph, string firstIndent, string indent)
    {
        var prefix = firstIndent;
        foreach (var sourceLine in paragraph.Split('\n'))
        {
            var line = new StringBuilder(prefix);
            var empty = true;
            foreach (var word in sourceLine.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            {
                if (!empty && line.Length + 1 + word.Length > Width)
                {
                    text.Append(line).Append('\n');
                    line.Clear().Append(indent);
                    empty = true;
                }

                line.Append(empty ? string.Empty : " ").Append(word);
                empty = false;
            }

            text.Append(line.ToString().TrimEnd()).Append('\n');
            prefix = indent;
        }
    }
}
