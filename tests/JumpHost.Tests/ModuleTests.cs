using System;
using System.Collections;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>The built module folder: manifest, exports, loader, and the public surface's types.</summary>
public sealed class ModuleTests
{
    [Fact]
    public void ManifestExportsAnExplicitSortedListThatMatchesTheCmdlets()
    {
        var manifest = ReadManifest();
        Assert.False(manifest.ContainsKey("RequiredAssemblies"));
        var listed = ((object[])manifest["CmdletsToExport"]!).Cast<string>().ToList();
        Assert.DoesNotContain(listed, name => WildcardPattern.ContainsWildcardCharacters(name));
        Assert.Equal(listed.OrderBy(n => n, StringComparer.Ordinal), listed);

        using var ps = new PowerShellRunspace();
        var exported = ps.Run("(Get-Module JumpHost).ExportedCmdlets.Keys").Output.Select(o => o.ToString()).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(listed, exported);

        // Every cmdlet class in the assembly is exported.
        var implemented = ModuleAssembly(ps).GetTypes()
            .Select(t => t.GetCustomAttribute<CmdletAttribute>())
            .Where(a => a != null)
            .Select(a => $"{a!.VerbName}-{a.NounName}")
            .OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(listed, implemented);
    }

    [Fact]
    public void PowerShellSevenLoadsTheNet8Build()
    {
        using var ps = new PowerShellRunspace();
        var path = ModuleAssembly(ps).Location.Replace('\\', '/');
        Assert.EndsWith("/out/JumpHost/net8.0/JumpHost.dll", path);
    }

    [Fact]
    public void NoSshNetTypeAppearsInAnyParameterOrOutput()
    {
        using var ps = new PowerShellRunspace();
        var assembly = ModuleAssembly(ps);
        foreach (var type in assembly.GetExportedTypes())
        {
            var signatures = type.GetProperties().Select(p => p.PropertyType)
                .Concat(type.GetConstructors().SelectMany(c => c.GetParameters()).Select(p => p.ParameterType))
                .Concat(type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                    .SelectMany(m => m.GetParameters().Select(p => p.ParameterType).Append(m.ReturnType)));
            foreach (var used in signatures)
            {
                Assert.False(used.Assembly.GetName().Name == "Renci.SshNet", $"{type.FullName} exposes {used.FullName} from SSH.NET.");
            }
        }

        var outputTypes = ps.Run("Get-Command -Module JumpHost | ForEach-Object { $_.OutputType.Type }").Output.Select(o => (Type)o.BaseObject).ToList();
        Assert.NotEmpty(outputTypes);
        Assert.All(outputTypes, t => Assert.NotEqual("Renci.SshNet", t.Assembly.GetName().Name));
    }

    [Fact]
    public void OutputTypesCanBeBuiltInScriptsForMocks()
    {
        using var ps = new PowerShellRunspace();
        var result = ps.Run(
            "$hop = [JumpHost.JumpHop]::new('www', 22, 'admin', 'ssh-ed25519', 'SHA256:abc', 'Known'); " +
            "$relay = [JumpHost.JumpHop]::new('relay1', 2222, 'admin', 'ssh-ed25519', 'SHA256:def', 'AddedNew'); " +
            "$session = [JumpHost.JumpSession]::new(7, 'web', @($relay, $hop), [datetime]::Now, 'Opened'); " +
            "$session; [JumpHost.JumpCommandResult]::new($session, 'uptime', 0, $null, 'up', '', [datetime]::Now, [timespan]::FromSeconds(1))");
        Assert.Empty(result.AllErrors);
        var session = result.Objects("JumpSession").Single();
        Assert.Equal("admin@relay1:2222", (string)session.JumpHosts);
        Assert.Equal("Opened", session.State.ToString());
        var command = result.Objects("JumpCommandResult").Single();
        Assert.Equal("www", (string)command.HostName);
        Assert.True((bool)command.Succeeded);

        // A built session has no connection: using it is a clear error, not a crash.
        var use = ps.Run("Invoke-JumpCommand -Session $session -Command 'true'");
        Assert.StartsWith("SessionNotOpen,", use.SingleError.FullyQualifiedErrorId);
    }

    [Fact]
    public void ScriptsParseWithoutErrors()
    {
        var scripts = new[] { "build.ps1", "src/JumpHost/JumpHost.psm1", "tests/JumpHost.Tests.ps1" };
        foreach (var script in scripts)
        {
            Parser.ParseFile(System.IO.Path.Combine(RepositoryPaths.Root, script), out _, out var errors);
            Assert.True(errors.Length == 0, $"{script}: {string.Join("; ", errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"))}");
        }
    }

    private static Hashtable ReadManifest()
    {
        var ast = Parser.ParseFile(RepositoryPaths.ModuleManifest, out _, out var errors);
        Assert.Empty(errors);
        var table = (HashtableAst)ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false)!;
        return (Hashtable)table.SafeGetValue();
    }

    private static Assembly ModuleAssembly(PowerShellRunspace ps) =>
        ((Type)ps.Run("(Get-Command New-JumpSession).ImplementingType").Output.Single().BaseObject).Assembly;
}
