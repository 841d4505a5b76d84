using System.IO;
using System.Linq;
using System.Management.Automation;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Get-Help works offline from the built module, and a cmdlet or parameter without documentation fails the build.</summary>
public sealed class HelpTests
{
    private static readonly string[] CommonParameters =
        System.Management.Automation.Cmdlet.CommonParameters.Concat(System.Management.Automation.Cmdlet.OptionalCommonParameters).ToArray();

    public static TheoryData<string> Cmdlets()
    {
        var data = new TheoryData<string>();
        using var ps = new PowerShellRunspace();
        foreach (var name in ps.Run("(Get-Command -Module JumpHost).Name").Output.Select(o => o.ToString()))
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void EveryCmdletHasAMarkdownPage(string cmdlet)
    {
        Assert.True(File.Exists(Path.Combine(RepositoryPaths.Docs, cmdlet + ".md")), $"docs/{cmdlet}.md is missing.");
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpFullDescribesTheCmdletEveryParameterAndHasExamples(string cmdlet)
    {
        using var ps = new PowerShellRunspace();
        var help = ps.Run("Get-Help $args[0] -Full", cmdlet).Output.Single();

        var synopsis = Text(help.Properties["Synopsis"]?.Value);
        Assert.False(string.IsNullOrWhiteSpace(synopsis), $"{cmdlet}: no synopsis.");
        Assert.False(synopsis.StartsWith(cmdlet + " "), $"{cmdlet}: the synopsis is the generated syntax, so the MAML help was not found.");
        Assert.False(string.IsNullOrWhiteSpace(Text(help.Properties["description"]?.Value)), $"{cmdlet}: no description.");

        var examples = ps.Run("@((Get-Help $args[0] -Full).examples.example).Count", cmdlet).Output.Single();
        Assert.True((int)examples.BaseObject >= 2, $"{cmdlet}: fewer than two examples.");

        var parameters = ps.Run("(Get-Command $args[0]).Parameters.Keys", cmdlet).Output.Select(o => o.ToString()).Except(CommonParameters).ToList();
        foreach (var parameter in parameters)
        {
            var description = ps.Run("((Get-Help $args[0] -Parameter $args[1]).description | ForEach-Object { $_.Text }) -join ' '", cmdlet, parameter).Output;
            Assert.True(description.Count == 1 && description[0].ToString().Trim().Length > 20, $"{cmdlet} -{parameter} has no description in its help.");
        }

        // One syntax block for every parameter set.
        var syntaxItems = ps.Run("@((Get-Help $args[0] -Full).syntax.syntaxItem).Count", cmdlet).Output.Single().BaseObject;
        var parameterSets = ps.Run("(Get-Command $args[0]).ParameterSets.Count", cmdlet).Output.Single().BaseObject;
        Assert.Equal(parameterSets, syntaxItems);

        // And the help documents nothing the cmdlet does not have.
        var documented = ps.Run("(Get-Help $args[0] -Full).parameters.parameter.name", cmdlet).Output.Select(o => o.ToString()).Except(CommonParameters);
        Assert.Equal(parameters.OrderBy(p => p), documented.OrderBy(p => p));
    }

    [Fact]
    public void TheAboutTopicIsFound()
    {
        using var ps = new PowerShellRunspace();
        var topic = ps.Run("Get-Help about_JumpHost").Output.Single().ToString();
        Assert.Contains("JumpHost", topic);
        Assert.Contains("known_hosts", topic);
    }

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        PSObject[] items => string.Join(" ", items.Select(i => i.Properties["Text"]?.Value?.ToString())),
        object[] items => string.Join(" ", items.Select(i => PSObject.AsPSObject(i).Properties["Text"]?.Value?.ToString())),
        _ => value.ToString() ?? string.Empty,
    };
}
