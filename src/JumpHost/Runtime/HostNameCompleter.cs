using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Language;
using JumpHost.Engine;
using JumpHost.Engine.Config;

namespace JumpHost.Runtime;

/// <summary>
/// Tab completion for -HostName and -JumpHost: the single-host names of ssh_config's Host lines (the file of
/// -ConfigFile when given) and the plain names of the user's known_hosts, as ssh's shell completion offers.
/// </summary>
public sealed class HostNameCompleter : IArgumentCompleter
{
    public IEnumerable<CompletionResult> CompleteArgument(string commandName, string parameterName, string wordToComplete, CommandAst commandAst, IDictionary fakeBoundParameters)
    {
        // In a quoted comma list (-JumpHost 'a,b<Tab>) the last item is completed and the rest kept; an unquoted
        // list is an array, whose last element PowerShell hands over alone.
        var quote = wordToComplete.Length > 0 && (wordToComplete[0] == '\'' || wordToComplete[0] == '"') ? wordToComplete.Substring(0, 1) : string.Empty;
        var body = wordToComplete.Trim('\'', '"');
        var lastComma = body.LastIndexOf(',');
        var prefix = body.Substring(0, lastComma + 1);
        var partial = body.Substring(lastComma + 1);

        return Candidates(fakeBoundParameters)
            .Where(name => name.StartsWith(partial, StringComparison.OrdinalIgnoreCase))
            .OrderBy(name => name, StringComparer.OrdinalIgnoreCase)
            .Select(name => new CompletionResult(quote + prefix + name + quote, name, CompletionResultType.ParameterValue, name));
    }

    private static IEnumerable<string> Candidates(IDictionary fakeBoundParameters)
    {
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var configFile = fakeBoundParameters.Contains("NoConfig") ? "none" : fakeBoundParameters["ConfigFile"] as string;
            names.UnionWith(SshConfig.Load(SshConfigSources.ForCurrentUser(configFile)).HostAliases());
        }
        catch (SshConfigException)
        {
            // A configuration that does not parse offers nothing, rather than an error while typing.
        }

        var knownHosts = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".ssh", "known_hosts");
        foreach (var entry in KnownHostsFile.Read(knownHosts).Where(e => e.Marker == KnownHostsMarker.None && !e.HostPatterns.StartsWith("|", StringComparison.Ordinal)))
        {
            names.UnionWith(entry.HostPatterns.Split(',')
                .Where(pattern => pattern.IndexOfAny(new[] { '*', '?', '!' }) < 0)
                .Select(pattern => pattern.StartsWith("[", StringComparison.Ordinal) ? pattern.Substring(1, pattern.IndexOf(']') - 1) : pattern));
        }

        return names;
    }
}
