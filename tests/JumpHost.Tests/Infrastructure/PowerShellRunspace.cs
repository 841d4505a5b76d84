using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Management.Automation.Runspaces;
using System.Threading.Tasks;

namespace JumpHost.Tests.Infrastructure;

/// <summary>What one script run produced.</summary>
public sealed class ScriptResult
{
    public ScriptResult(Collection<PSObject> output, IReadOnlyList<ErrorRecord> errors, IReadOnlyList<string> verbose, IReadOnlyList<string> warnings, IReadOnlyList<ProgressRecord> progress, RuntimeException? terminating)
    {
        Output = output;
        Errors = errors;
        Verbose = verbose;
        Warnings = warnings;
        Progress = progress;
        Terminating = terminating;
    }

    public Collection<PSObject> Output { get; }

    public IReadOnlyList<ErrorRecord> Errors { get; }

    public IReadOnlyList<string> Verbose { get; }

    public IReadOnlyList<string> Warnings { get; }

    public IReadOnlyList<ProgressRecord> Progress { get; }

    /// <summary>What stopped the whole script (not a statement-terminating cmdlet error, which lands in Errors), if anything did.</summary>
    public RuntimeException? Terminating { get; }

    /// <summary>Every error: the non-terminating ones and the one that stopped the script.</summary>
    public IEnumerable<ErrorRecord> AllErrors => Terminating == null ? Errors : Errors.Append(Terminating.ErrorRecord);

    /// <summary>The one error the script produced; fails the test if there were none or several.</summary>
    public ErrorRecord SingleError => Xunit.Assert.Single(AllErrors);

    /// <summary>
    /// The output objects of one module type (e.g. "JumpSession"), as dynamic: the test project does not
    /// reference the module assembly, so that the engine loads the module folder's copy.
    /// </summary>
    public IReadOnlyList<dynamic> Objects(string typeName) =>
        Output.Where(o => o.BaseObject.GetType().FullName == "JumpHost." + typeName).Select(o => (dynamic)o.BaseObject).ToList();
}

/// <summary>
/// A real PowerShell runspace (the engine from System.Management.Automation, hosted in the test process)
/// with the built module imported from out/JumpHost, as a user would import it.
/// </summary>
public sealed class PowerShellRunspace : IDisposable
{
    static PowerShellRunspace()
    {
        // Every session a test opens is audited: into a log of this test run, not the user's own audit log.
        if (Environment.GetEnvironmentVariable("JUMPHOST_AUDIT_LOG") == null)
        {
            var log = Path.Combine(Path.GetTempPath(), $"jumphost-tests-audit-{Environment.ProcessId}.jsonl");
            Environment.SetEnvironmentVariable("JUMPHOST_AUDIT_LOG", log);
            AppDomain.CurrentDomain.ProcessExit += (_, _) => File.Delete(log);
        }
    }

    public PowerShellRunspace(bool importModule = true, PSHost? host = null)
    {
        var state = InitialSessionState.CreateDefault2();
        Runspace = host == null ? RunspaceFactory.CreateRunspace(state) : RunspaceFactory.CreateRunspace(host, state);
        Runspace.Open();
        if (importModule)
        {
            var import = Run("Import-Module -Name $args[0] -ErrorAction Stop", RepositoryPaths.ModuleManifest);
            if (import.AllErrors.Any())
            {
                throw new InvalidOperationException("Import-Module failed: " + string.Join("; ", import.AllErrors.Select(e => e.ToString())));
            }
        }
    }

    public Runspace Runspace { get; }

    public void SetVariable(string name, object? value) => Runspace.SessionStateProxy.SetVariable(name, value);

    /// <summary>Runs a script; arguments are available as $args. Never throws for script errors: they are in the result.</summary>
    public ScriptResult Run(string script, params object?[] arguments)
    {
        using var shell = CreateShell(script, arguments);
        return Collect(shell, () => shell.Invoke());
    }

    /// <summary>Starts a script and returns the shell, so a test can stop it (Ctrl+C) while it runs.</summary>
    public (PowerShell Shell, Task<ScriptResult> Completion) Start(string script, params object?[] arguments)
    {
        var shell = CreateShell(script, arguments);
        var output = new PSDataCollection<PSObject>();
        var handle = shell.BeginInvoke<PSObject, PSObject>(null, output);
        var completion = Task.Run(() => Collect(shell, () =>
        {
            shell.EndInvoke(handle);
            return new Collection<PSObject>(output.ToList());
        }));
        return (shell, completion);
    }

    public void Dispose()
    {
        Runspace.Dispose();
    }

    private PowerShell CreateShell(string script, object?[] arguments)
    {
        var shell = PowerShell.Create();
        shell.Runspace = Runspace;
        shell.AddScript(script);
        foreach (var argument in arguments)
        {
            shell.AddArgument(argument);
        }

        return shell;
    }

    private static ScriptResult Collect(PowerShell shell, Func<Collection<PSObject>> invoke)
    {
        Collection<PSObject> output;
        RuntimeException? terminating = null;
        try
        {
            output = invoke();
        }
        catch (RuntimeException ex)
        {
            output = new Collection<PSObject>();
            terminating = ex;
        }

        return new ScriptResult(
            output,
            shell.Streams.Error.ToList(),
            shell.Streams.Verbose.Select(v => v.Message).ToList(),
            shell.Streams.Warning.Select(w => w.Message).ToList(),
            shell.Streams.Progress.ToList(),
            terminating);
    }
}
