using System.Text;

namespace JumpHost.HelpGen;

/// <summary>
/// dotnet JumpHost.HelpGen.dll &lt;docsDir&gt; &lt;outputDir&gt; &lt;moduleAssemblyName&gt;
/// Cmdlet pages (front matter with "external help file") go into one
/// &lt;outputDir&gt;/&lt;moduleAssemblyName&gt;-Help.xml; each about_*.md becomes &lt;outputDir&gt;/about_*.help.txt.
/// Exit code 1 and "file:line: message" on stderr for every page that breaks the schema.
/// </summary>
internal static class Program
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    private static int Main(string[] args)
    {
        if (args.Length != 3)
        {
            Console.Error.WriteLine("usage: JumpHost.HelpGen <docsDir> <outputDir> <moduleAssemblyName>   e.g. docs out/JumpHost/en-US JumpHost.dll");
            return 2;
        }

        var (docsDir, outputDir, assemblyName) = (args[0], args[1], args[2]);
        if (!Directory.Exists(docsDir))
        {
            Console.Error.WriteLine($"{docsDir}: docs directory not found");
            return 1;
        }

        // Ordinal order keeps the output byte-identical whatever the file system lists first.
        var files = Directory.GetFiles(docsDir, "*.md").Order(StringComparer.Ordinal).ToList();
        var helpFileName = assemblyName + "-Help.xml";
        var commands = new List<CommandHelp>();
        var commandFiles = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var abouts = new List<(string Name, string Text)>();
        var failed = false;
        foreach (var file in files)
        {
            try
            {
                var page = MarkdownPage.Parse(Read(file));
                var name = Path.GetFileNameWithoutExtension(file);
                if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                {
                    page.CheckHelpText();
                    abouts.Add((name, AboutTopicRenderer.Render(page, name)));
                }
                else if (page.FrontMatter.TryGetValue("external help file", out var externalHelpFile))
                {
                    page.CheckHelpText();
                    var command = ParseCommand(page, externalHelpFile, helpFileName);
                    if (!commandFiles.TryAdd(command.Name, file))
                    {
                        throw new HelpFormatException(externalHelpFile.Line, $"{command.Name} is documented in {commandFiles[command.Name]} too");
                    }

                    commands.Add(command);
                }

                // Other pages (the module page, READMEs) are not help content.
            }
            catch (HelpFormatException e)
            {
                Console.Error.WriteLine($"{file}:{e.Line}: {e.Message}");
                failed = true;
            }
        }

        if (failed)
        {
            return 1;
        }

        Directory.CreateDirectory(outputDir);
        using (var stream = File.Create(Path.Combine(outputDir, helpFileName)))
        {
            MamlWriter.Write(commands.OrderBy(command => command.Name, StringComparer.OrdinalIgnoreCase), stream);
        }

        foreach (var (name, text) in abouts)
        {
            File.WriteAllText(Path.Combine(outputDir, name + ".help.txt"), text, Utf8NoBom);
        }

        Console.WriteLine($"{helpFileName}: {commands.Count} command(s); {abouts.Count} about topic(s); in {outputDir}");
        return 0;
    }

    private static string Read(string file)
    {
        try
        {
            return File.ReadAllText(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new HelpFormatException(1, $"cannot read the file: {e.Message}");
        }
    }

    private static CommandHelp ParseCommand(MarkdownPage page, FrontMatterValue externalHelpFile, string helpFileName)
    {
        // All pages go into one file, so a page naming another file was written for another layout.
        if (!externalHelpFile.Value.Equals(helpFileName, StringComparison.OrdinalIgnoreCase))
        {
            throw new HelpFormatException(externalHelpFile.Line, $"'external help file: {externalHelpFile.Value}' should be '{helpFileName}'");
        }

        if (page.FrontMatter.TryGetValue("schema", out var schema) && schema.Value != "2.0.0")
        {
            throw new HelpFormatException(schema.Line, $"'schema: {schema.Value}' is not supported; platyPS schema 2.0.0 is");
        }

        return CommandPageParser.Parse(page, page.FrontMatter.GetValueOrDefault("online version")?.Value ?? string.Empty);
    }
}
