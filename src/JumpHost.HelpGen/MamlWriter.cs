using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace JumpHost.HelpGen;

/// <summary>
/// Writes commands as a MAML help file, element for element as platyPS's New-ExternalHelp does,
/// since that is the shape PowerShell's help engine has been reading for years.
/// </summary>
internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly XNamespace MsHelp = "http://msdn.microsoft.com/mshelp";

    // Fixed newline and no BOM, so the file is byte-identical wherever it is built.
    private static readonly XmlWriterSettings Settings = new()
    {
        Encoding = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        Indent = true,
        IndentChars = "  ",
        NewLineChars = "\n",
        NewLineHandling = NewLineHandling.Replace,
    };

    public static void Write(IEnumerable<CommandHelp> commands, Stream stream)
    {
        var document = new XDocument(
            new XDeclaration("1.0", "utf-8", null),
            new XElement(
                Msh + "helpItems",
                new XAttribute("xmlns", Msh.NamespaceName),
                new XAttribute("schema", "maml"),
                commands.Select(CommandElement)));

        using (var writer = XmlWriter.Create(stream, Settings))
        {
            document.Save(writer);
        }

        // XmlWriter stops at the closing tag; end the file with a newline like any text file.
        stream.WriteByte((byte)'\n');
    }

    private static XElement CommandElement(CommandHelp command)
    {
        var dash = command.Name.IndexOf('-');
        return new XElement(
            Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "command", Command.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "dev", Dev.NamespaceName),
            new XAttribute(XNamespace.Xmlns + "MSHelp", MsHelp.NamespaceName),
            new XElement(
                Command + "details",
                new XElement(Command + "name", command.Name),
                new XElement(Command + "verb", command.Name[..dash]),
                new XElement(Command + "noun", command.Name[(dash + 1)..]),
                new XElement(Maml + "description", Paras(command.Synopsis))),
            new XElement(Maml + "description", Paras(command.Description)),
            new XElement(
                Command + "syntax",
                command.Syntax.Select(item => new XElement(
                    Command + "syntaxItem",
                    new XElement(Maml + "name", command.Name),
                    item.Parameters.Select(p => ParameterElement(p.Parameter, p.Metadata, inSyntax: true))))),
            new XElement(
                Command + "parameters",
                command.Parameters.Select(p => ParameterElement(p, p.Metadata[0], inSyntax: false))),
            new XElement(Command + "inputTypes", command.Inputs.Select(type => TypeElement(Command + "inputType", type))),
            new XElement(Command + "returnValues", command.Outputs.Select(type => TypeElement(Command + "returnValue", type))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(command.Notes))),
            new XElement(Command + "examples", command.Examples.Select(ExampleElement)),
            new XElement(
                Command + "relatedLinks",
                command.Links.Select(link => new XElement(
                    Maml + "navigationLink",
                    new XElement(Maml + "linkText", link.Text),
                    new XElement(Maml + "uri", link.Uri)))));
    }

    private static XElement ParameterElement(ParameterHelp parameter, ParameterMetadata metadata, bool inSyntax)
    {
        var type = metadata.IsSwitch ? "SwitchParameter" : metadata.Type;
        return new XElement(
            Command + "parameter",
            new XAttribute("required", metadata.Required),
            new XAttribute("variableLength", true),
            new XAttribute("globbing", metadata.Globbing),
            new XAttribute("pipelineInput", metadata.PipelineInput),
            new XAttribute("position", metadata.Position?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "named"),
            new XAttribute("aliases", metadata.Aliases.Count > 0 ? string.Join(", ", metadata.Aliases) : "none"),
            new XElement(Maml + "name", parameter.Name),
            new XElement(Maml + "description", Paras(parameter.Description)),
            inSyntax && metadata.AcceptedValues.Count > 0
                ? new XElement(
                    Command + "parameterValueGroup",
                    metadata.AcceptedValues.Select(value => new XElement(
                        Command + "parameterValue",
                        new XAttribute("required", false),
                        new XAttribute("variableLength", false),
                        value)))
                : null,

            // In the syntax a switch shows as "[-Force]", not "[-Force <SwitchParameter>]".
            inSyntax && metadata.IsSwitch
                ? null
                : new XElement(
                    Command + "parameterValue",
                    new XAttribute("required", !metadata.IsSwitch),
                    new XAttribute("variableLength", false),
                    type),
            new XElement(Dev + "type", new XElement(Maml + "name", type), new XElement(Maml + "uri")),
            new XElement(
                Dev + "defaultValue",
                metadata.IsSwitch && (metadata.DefaultValue is null or "None") ? "False" : metadata.DefaultValue ?? "None"));
    }

    private static XElement TypeElement(XName name, TypeHelp type) =>
        new(
            name,
            new XElement(Dev + "type", new XElement(Maml + "name", type.TypeName)),
            new XElement(Maml + "description", Paras(type.Description)));

    private static XElement ExampleElement(ExampleHelp example) =>
        new(
            Command + "example",
            new XElement(Maml + "title", PadExampleTitle(example.Title)),
            example.Introduction.Count > 0 ? new XElement(Maml + "introduction", Paras(example.Introduction)) : null,
            new XElement(Dev + "code", example.Code),
            new XElement(Dev + "remarks", Paras(example.Remarks)));

    private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs) =>
        paragraphs.Select(paragraph => new XElement(Maml + "para", paragraph));

    // "Example 1: Title" becomes "--------- Example 1: Title ---------", 64 wide, the dashed
    // banner Get-Help has always shown above examples.
    private static string PadExampleTitle(string title)
    {
        if (title.Length >= 62)
        {
            return title;
        }

        var dashes = new string('-', (64 - title.Length - 2) / 2);
        return $"{dashes} {title} {dashes}";
    }
}
