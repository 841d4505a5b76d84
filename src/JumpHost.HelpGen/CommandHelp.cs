namespace JumpHost.HelpGen;

// The help of one cmdlet, as read from its markdown page. Text is kept as a list of
// paragraphs because MAML stores each paragraph in its own maml:para element.

internal sealed record CommandHelp(
    string Name,
    IReadOnlyList<string> Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<SyntaxItem> Syntax,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<LinkHelp> Links);

/// <summary>One parameter set: the parameters it takes, each with the metadata that applies in it.</summary>
internal sealed record SyntaxItem(IReadOnlyList<SyntaxParameter> Parameters);

internal sealed record SyntaxParameter(ParameterHelp Parameter, ParameterMetadata Metadata);

/// <summary>
/// A parameter and its yaml blocks. platyPS writes one block per distinct metadata, so a
/// parameter that is mandatory in one set and optional in another has two; the first one is
/// what the PARAMETERS part of Get-Help shows.
/// </summary>
internal sealed record ParameterHelp(string Name, IReadOnlyList<string> Description, IReadOnlyList<ParameterMetadata> Metadata);

/// <summary>One ```yaml block. An empty <see cref="ParameterSets"/> means "(All)".</summary>
internal sealed record ParameterMetadata(
    int Line,
    string Type,
    IReadOnlyList<string> ParameterSets,
    IReadOnlyList<string> Aliases,
    IReadOnlyList<string> AcceptedValues,
    bool Required,
    int? Position,
    string? DefaultValue,
    string PipelineInput,
    bool Globbing)
{
    public bool IsSwitch =>
        Type.Equals("switch", StringComparison.OrdinalIgnoreCase)
        || Type.Equals("SwitchParameter", StringComparison.OrdinalIgnoreCase)
        || Type.Equals("System.Management.Automation.SwitchParameter", StringComparison.OrdinalIgnoreCase);

    public bool AppliesTo(string parameterSet) =>
        ParameterSets.Count == 0 || ParameterSets.Contains(parameterSet, StringComparer.OrdinalIgnoreCase);
}

internal sealed record ExampleHelp(string Title, IReadOnlyList<string> Introduction, string Code, IReadOnlyList<string> Remarks);

internal sealed record TypeHelp(string TypeName, IReadOnlyList<string> Description);

/// <summary>A related link; <see cref="Uri"/> is empty for plain-text entries such as about_ topics.</summary>
internal sealed record LinkHelp(string Text, string Uri);
