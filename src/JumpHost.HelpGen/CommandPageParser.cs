using System.Globalization;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace JumpHost.HelpGen;

/// <summary>
/// Reads a cmdlet page in platyPS schema 2.0.0 ("# Verb-Noun", "## SECTION", "### entry").
/// Like platyPS's New-ExternalHelp it builds the MAML syntax from the parameters' yaml blocks; the
/// code blocks under ## SYNTAX are for readers of the markdown and only give the order of the sets.
/// </summary>
internal static class CommandPageParser
{
    private const string AllParameterSets = "(All)";
    private const string DefaultSetSuffix = "(Default)";

    private static readonly string[] KnownSections =
        ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "EXAMPLES", "PARAMETERS", "INPUTS", "OUTPUTS", "NOTES", "RELATED LINKS"];

    private static readonly string[] RequiredSections = ["SYNOPSIS", "SYNTAX", "DESCRIPTION", "PARAMETERS"];

    // The keys platyPS 0.14 writes; it rejects any other key the same way.
    private static readonly string[] YamlKeys =
    [
        "Type", "Parameter Sets", "Aliases", "Accepted values", "Required", "Position", "Default value",
        "Accept pipeline input", "Accept wildcard characters",
    ];

    private sealed record Part(HeadingBlock Heading, List<Block> Body)
    {
        public string Title => MarkdownText.Inline(Heading.Inline);

        public int Line => MarkdownText.LineOf(Heading);
    }

    public static CommandHelp Parse(MarkdownPage page, string onlineVersion)
    {
        var command = ReadCommandHeading(page.Document);
        var sections = ReadSections(command);

        var parameters = ReadParameters(sections["PARAMETERS"]);
        return new CommandHelp(
            Name: command.Title,
            Synopsis: ReadSynopsis(sections["SYNOPSIS"]),
            Description: MarkdownText.Paragraphs(Text(sections["DESCRIPTION"])),
            Syntax: BuildSyntax(ReadSyntaxSetNames(sections["SYNTAX"]), parameters),
            Parameters: parameters,
            Examples: Entries(sections.GetValueOrDefault("EXAMPLES")).Select(ReadExample).ToList(),
            Inputs: Entries(sections.GetValueOrDefault("INPUTS")).Select(ReadType).ToList(),
            Outputs: Entries(sections.GetValueOrDefault("OUTPUTS")).Select(ReadType).ToList(),
            Notes: sections.TryGetValue("NOTES", out var notes) ? MarkdownText.Paragraphs(Text(notes)) : [],
            Links: ReadLinks(sections.GetValueOrDefault("RELATED LINKS"), onlineVersion));
    }

    private static Part ReadCommandHeading(MarkdownDocument document)
    {
        var deep = document.OfType<HeadingBlock>().FirstOrDefault(heading => heading.Level > 3);
        if (deep != null)
        {
            throw new HelpFormatException(MarkdownText.LineOf(deep), $"heading level {deep.Level} is not part of the platyPS schema");
        }

        var preamble = new List<Block>();
        var commands = Split(document, 1, preamble);
        var stray = preamble.FirstOrDefault(IsVisible);
        if (stray != null)
        {
            throw new HelpFormatException(MarkdownText.LineOf(stray), "expected the '# Verb-Noun' heading before any text");
        }

        if (commands.Count == 0)
        {
            throw new HelpFormatException(1, "missing the '# Verb-Noun' heading");
        }

        if (commands.Count > 1)
        {
            throw new HelpFormatException(commands[1].Line, "a page documents one command, but this is a second '# ' heading");
        }

        var command = commands[0];
        if (command.Title.Length == 0 || command.Title.Any(char.IsWhiteSpace) || !command.Title.Contains('-'))
        {
            throw new HelpFormatException(command.Line, $"'# {command.Title}' is not a Verb-Noun command name");
        }

        return command;
    }

    private static Dictionary<string, Part> ReadSections(Part command)
    {
        var preamble = new List<Block>();
        var sections = new Dictionary<string, Part>(StringComparer.Ordinal);
        foreach (var section in Split(command.Body, 2, preamble))
        {
            var name = section.Title.ToUpperInvariant();
            if (!KnownSections.Contains(name))
            {
                throw new HelpFormatException(section.Line, $"unknown section '## {section.Title}' (expected one of: {string.Join(", ", KnownSections)})");
            }

            if (!sections.TryAdd(name, section))
            {
                throw new HelpFormatException(section.Line, $"section '## {name}' appears twice");
            }
        }

        var stray = preamble.FirstOrDefault(IsVisible);
        if (stray != null)
        {
            throw new HelpFormatException(MarkdownText.LineOf(stray), "text between the '# ' heading and the first '## ' section");
        }

        var missing = RequiredSections.FirstOrDefault(name => !sections.ContainsKey(name));
        if (missing != null)
        {
            throw new HelpFormatException(command.Line, $"missing required section '## {missing}'");
        }

        return sections;
    }

    private static List<string> ReadSynopsis(Part section)
    {
        var synopsis = MarkdownText.Paragraphs(Text(section));
        if (synopsis.Count == 0)
        {
            throw new HelpFormatException(section.Line, "'## SYNOPSIS' is empty");
        }

        return synopsis;
    }

    // The set names in the order of the "### Name (Default)" headings; a page of a cmdlet with only
    // the implicit set has no heading, just the code block.
    private static List<string> ReadSyntaxSetNames(Part section)
    {
        var names = new List<string>();
        foreach (var entry in Entries(section, allowCodeBefore: true))
        {
            var name = entry.Title;
            if (name.EndsWith(DefaultSetSuffix, StringComparison.OrdinalIgnoreCase))
            {
                name = name[..^DefaultSetSuffix.Length].TrimEnd();
            }

            names.Add(name);
        }

        return names;
    }

    private static List<ParameterHelp> ReadParameters(Part section)
    {
        var parameters = new List<ParameterHelp>();
        foreach (var entry in Entries(section))
        {
            var name = entry.Title.TrimStart('-');
            if (name.Trim('<', '>') is "CommonParameters" or "WorkflowCommonParameters")
            {
                // Get-Help adds [<CommonParameters>] itself, from the cmdlet.
                continue;
            }

            if (name.Length == 0 || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
            {
                throw new HelpFormatException(entry.Line, $"'### {entry.Title}' is not a parameter name ('### -Name')");
            }

            if (parameters.Any(parameter => parameter.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw new HelpFormatException(entry.Line, $"parameter -{name} is documented twice");
            }

            parameters.Add(ReadParameter(name, entry));
        }

        return parameters;
    }

    // "### -Name", description paragraphs (code blocks allowed), then one or more ```yaml blocks.
    private static ParameterHelp ReadParameter(string name, Part entry)
    {
        var firstYaml = entry.Body.FindIndex(IsYaml);
        if (firstYaml < 0)
        {
            throw new HelpFormatException(entry.Line, $"parameter -{name} has no ```yaml metadata block");
        }

        var metadata = new List<ParameterMetadata>();
        foreach (var block in entry.Body.Skip(firstYaml).Where(IsVisible))
        {
            if (!IsYaml(block))
            {
                throw new HelpFormatException(MarkdownText.LineOf(block), $"only ```yaml blocks may follow the metadata of -{name}");
            }

            metadata.Add(ReadMetadata(name, (FencedCodeBlock)block));
        }

        return new ParameterHelp(name, MarkdownText.Paragraphs(entry.Body.Take(firstYaml)), metadata);
    }

    private static ParameterMetadata ReadMetadata(string parameter, FencedCodeBlock yaml)
    {
        var values = new Dictionary<string, (string Value, int Line)>(StringComparer.OrdinalIgnoreCase);
        var lines = MarkdownText.Code(yaml).Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            // The fence itself is on the block's first line.
            var lineNumber = MarkdownText.LineOf(yaml) + 1 + i;
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }

            var colon = lines[i].IndexOf(':');
            if (colon <= 0)
            {
                throw new HelpFormatException(lineNumber, $"yaml line of -{parameter} is not 'Key: value': {lines[i].Trim()}");
            }

            var key = lines[i][..colon].Trim();
            if (!YamlKeys.Contains(key, StringComparer.OrdinalIgnoreCase))
            {
                throw new HelpFormatException(lineNumber, $"unknown yaml key '{key}' for -{parameter} (expected one of: {string.Join(", ", YamlKeys)})");
            }

            if (!values.TryAdd(key, (lines[i][(colon + 1)..].Trim(), lineNumber)))
            {
                throw new HelpFormatException(lineNumber, $"yaml key '{key}' appears twice for -{parameter}");
            }
        }

        string Value(string key) => values.TryGetValue(key, out var entry) ? entry.Value : string.Empty;

        bool Bool(string key)
        {
            if (!values.TryGetValue(key, out var entry) || entry.Value.Length == 0)
            {
                return false;
            }

            return bool.TryParse(entry.Value, out var value)
                ? value
                : throw new HelpFormatException(entry.Line, $"'{key}' of -{parameter} must be True or False, not '{entry.Value}'");
        }

        int? Position()
        {
            if (!values.TryGetValue("Position", out var entry) || entry.Value.Length == 0 || entry.Value.Equals("Named", StringComparison.OrdinalIgnoreCase))
            {
                return null;
            }

            return int.TryParse(entry.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                ? position
                : throw new HelpFormatException(entry.Line, $"'Position' of -{parameter} must be Named or a number, not '{entry.Value}'");
        }

        string PipelineInput()
        {
            var value = Value("Accept pipeline input");
            if (value.Length == 0)
            {
                return "False";
            }

            // Get-Help shows the value as written, e.g. "True (ByPropertyName, ByValue)".
            return value.StartsWith("True", StringComparison.OrdinalIgnoreCase) || value.StartsWith("False", StringComparison.OrdinalIgnoreCase)
                ? value
                : throw new HelpFormatException(values["Accept pipeline input"].Line, $"'Accept pipeline input' of -{parameter} must start with True or False, not '{value}'");
        }

        var sets = CommaList(Value("Parameter Sets"));
        return new ParameterMetadata(
            Line: MarkdownText.LineOf(yaml),
            Type: Value("Type"),
            ParameterSets: sets.Contains(AllParameterSets, StringComparer.OrdinalIgnoreCase) ? [] : sets,
            Aliases: CommaList(Value("Aliases")),
            AcceptedValues: CommaList(Value("Accepted values")),
            Required: Bool("Required"),
            Position: Position(),
            DefaultValue: values.TryGetValue("Default value", out var defaultValue) && defaultValue.Value.Length > 0 ? defaultValue.Value : null,
            PipelineInput: PipelineInput(),
            Globbing: Bool("Accept wildcard characters"));
    }

    // One syntax item per parameter set. Sets are ordered as the ## SYNTAX headings list them, then
    // any set only the yaml names. A one-word heading no yaml block names is a set of no parameters of its
    // own (Get-PortForward's "All"); longer headings no yaml block names (PowerShell-Docs writes
    // "### Path (Default) - FileSystem provider") do not make sets of their own.
    private static List<SyntaxItem> BuildSyntax(List<string> headingSets, List<ParameterHelp> parameters)
    {
        var yamlSets = parameters.SelectMany(parameter => parameter.Metadata).SelectMany(metadata => metadata.ParameterSets).ToList();
        var sets = headingSets.Where(set => yamlSets.Contains(set, StringComparer.OrdinalIgnoreCase) || !set.Any(char.IsWhiteSpace))
            .Concat(yamlSets)
            .Distinct(StringComparer.OrdinalIgnoreCase)
            .ToList();

        if (sets.Count == 0)
        {
            return [BuildSyntaxItem(AllParameterSets, parameters)];
        }

        return sets.Select(set => BuildSyntaxItem(set, parameters)).ToList();
    }

    private static SyntaxItem BuildSyntaxItem(string set, List<ParameterHelp> parameters)
    {
        var items = new List<SyntaxParameter>();
        foreach (var parameter in parameters)
        {
            var applying = parameter.Metadata.Where(metadata => metadata.AppliesTo(set)).ToList();
            if (applying.Count > 1)
            {
                throw new HelpFormatException(applying[1].Line, $"more than one yaml block of -{parameter.Name} applies to parameter set '{set}'");
            }

            if (applying.Count == 1)
            {
                items.Add(new SyntaxParameter(parameter, applying[0]));
            }
        }

        // Positional parameters first, by position, as Get-Command -Syntax shows them.
        return new SyntaxItem(items.OrderBy(item => item.Metadata.Position ?? int.MaxValue).ToList());
    }

    // "### Example 1: Title", optional introduction, the code block(s), then remarks.
    private static ExampleHelp ReadExample(Part entry)
    {
        var firstCode = entry.Body.FindIndex(block => block is CodeBlock);
        if (firstCode < 0)
        {
            throw new HelpFormatException(entry.Line, $"example '{entry.Title}' has no code block");
        }

        var code = entry.Body.Skip(firstCode).TakeWhile(block => block is CodeBlock).Cast<CodeBlock>().ToList();
        return new ExampleHelp(
            entry.Title,
            MarkdownText.Paragraphs(entry.Body.Take(firstCode)),
            string.Join("\n\n", code.Select(MarkdownText.Code)),
            MarkdownText.Paragraphs(entry.Body.Skip(firstCode + code.Count)));
    }

    private static TypeHelp ReadType(Part entry) => new(entry.Title, MarkdownText.Paragraphs(entry.Body));

    // Each markdown link is a link; other text (one entry a line, e.g. about_CommonParameters) is a
    // link without a uri. Like platyPS, the front matter's online version comes first, so that
    // Get-Help -Online opens it.
    private static List<LinkHelp> ReadLinks(Part? section, string onlineVersion)
    {
        var links = new List<LinkHelp>();
        var blocks = section == null ? [] : Text(section);
        foreach (var paragraph in blocks.SelectMany(ParagraphsIn))
        {
            var text = string.Empty;
            for (var inline = paragraph.Inline?.FirstChild; inline != null; inline = inline.NextSibling)
            {
                if (inline is LinkInline { IsImage: false } or LineBreakInline)
                {
                    AddTextLink(links, text);
                    text = string.Empty;
                }

                if (inline is LinkInline { IsImage: false } link)
                {
                    links.Add(new LinkHelp(MarkdownText.Inline(link), MarkdownText.IsWebUri(link.Url) ? link.Url! : string.Empty));
                }
                else if (inline is not LineBreakInline)
                {
                    text += MarkdownText.Single(inline);
                }
            }

            AddTextLink(links, text);
        }

        if (MarkdownText.IsWebUri(onlineVersion) && (links.Count == 0 || links[0].Uri != onlineVersion))
        {
            links.Insert(0, new LinkHelp("Online Version:", onlineVersion));
        }

        return links;
    }

    // Links may be written as paragraphs or as list items.
    private static IEnumerable<ParagraphBlock> ParagraphsIn(Block block) => block switch
    {
        ParagraphBlock paragraph => [paragraph],
        ContainerBlock container => container.Descendants<ParagraphBlock>(),
        _ => [],
    };

    private static List<string> CommaList(string value) =>
        value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();

    private static void AddTextLink(List<LinkHelp> links, string text)
    {
        text = text.Trim();
        if (text.Length > 0)
        {
            links.Add(new LinkHelp(text, string.Empty));
        }
    }

    // The body of a section that has no "###" entries.
    private static List<Block> Text(Part section)
    {
        var preamble = new List<Block>();
        var entries = Split(section.Body, 3, preamble);
        if (entries.Count > 0)
        {
            throw new HelpFormatException(entries[0].Line, $"'## {section.Title.ToUpperInvariant()}' takes no '###' entries");
        }

        return preamble;
    }

    // The "###" entries of a section; nothing else may stand before the first one (for ## SYNTAX,
    // a lone code block may: platyPS writes one without a heading for a single parameter set).
    private static List<Part> Entries(Part? section, bool allowCodeBefore = false)
    {
        if (section == null)
        {
            return [];
        }

        var preamble = new List<Block>();
        var entries = Split(section.Body, 3, preamble);
        var stray = preamble.FirstOrDefault(block => IsVisible(block) && !(allowCodeBefore && block is CodeBlock));
        if (stray != null)
        {
            throw new HelpFormatException(MarkdownText.LineOf(stray), $"text in '## {section.Title.ToUpperInvariant()}' must stand under a '###' heading");
        }

        return entries;
    }

    // Splits blocks at headings of the given level; what comes before the first one goes to preamble.
    private static List<Part> Split(IEnumerable<Block> blocks, int level, List<Block> preamble)
    {
        var parts = new List<Part>();
        foreach (var block in blocks)
        {
            if (block is HeadingBlock heading && heading.Level == level)
            {
                parts.Add(new Part(heading, []));
            }
            else
            {
                (parts.Count == 0 ? preamble : parts[^1].Body).Add(block);
            }
        }

        return parts;
    }

    private static bool IsYaml(Block block) =>
        block is FencedCodeBlock fenced && string.Equals(fenced.Info, "yaml", StringComparison.OrdinalIgnoreCase);

    // HTML comments and link reference definitions render as nothing, so they may stand anywhere.
    private static bool IsVisible(Block block) => block is not (HtmlBlock or LinkReferenceDefinitionGroup);
}
