using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Threading;

namespace JumpHost.Bench;

/// <summary>How the module on disk was built.</summary>
internal sealed record ModuleBuild(string SourceDir, string Configuration, bool Optimized, DateTime BuiltAt)
{
    public bool IsDebug => !Optimized || string.Equals(Configuration, "Debug", StringComparison.OrdinalIgnoreCase);
}

/// <summary>What one script run produced (errors have already been turned into exceptions).</summary>
internal sealed record ScriptOutput(Collection<PSObject> Output, IReadOnlyList<string> Verbose, TimeSpan Elapsed);

/// <summary>
/// The PowerShell engine hosted in this process, with the module imported from a private copy of
/// out/JumpHost: a test run that rebuilds out/JumpHost (in Debug) meanwhile cannot swap the files the
/// bench has loaded, and the build checked is the build measured.
/// </summary>
internal sealed class ModuleHost : IDisposable
{
    private const string PowerShellFramework = "net8.0";

    private readonly Runspace _runspace;
    private readonly string _snapshotRoot;
    private readonly object _gate = new();
    private PowerShell? _current;

    private ModuleHost(Runspace runspace, string snapshotRoot, ModuleBuild build)
    {
        _runspace = runspace;
        _snapshotRoot = snapshotRoot;
        Build = build;
    }

    public ModuleBuild Build { get; }

    /// <summary>The framework folder the module's loader picked (net8.0 under PowerShell 7).</summary>
    public string LoadedFramework { get; private set; } = "?";

    public string LoadedAssemblyPath { get; private set; } = "?";

    /// <summary>SSH.NET's version and framework build, once the module has loaded it (it loads with the first session).</summary>
    public string SshNetVersion
    {
        get
        {
            var sshNet = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "Renci.SshNet");
            if (sshNet == null)
            {
                return "? (not loaded: no session was opened)";
            }

            var informational = sshNet.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            var version = $"Renci.SshNet {sshNet.GetName().Version} (informational version {informational ?? "?"})";
            return sshNet.Location.Length > 0 ? $"{version}, its {Path.GetFileName(Path.GetDirectoryName(sshNet.Location))} build from the module folder" : version;
        }
    }

    public string PowerShellVersion { get; private set; } = "?";

    /// <summary>Reads the build configuration of a laid-out module folder without loading it.</summary>
    public static ModuleBuild Inspect(string moduleDir)
    {
        var manifest = Path.Combine(moduleDir, "JumpHost.psd1");
        var dll = Path.Combine(moduleDir, PowerShellFramework, "JumpHost.dll");
        if (!File.Exists(manifest) || !File.Exists(dll))
        {
            throw new BenchException(
                $"No built module in {moduleDir} (no JumpHost.psd1 or {PowerShellFramework}/JumpHost.dll). " +
                "Build it first: dotnet build src/JumpHost -c Release");
        }

        var (configuration, optimized) = ReadBuildAttributes(dll);
        return new ModuleBuild(moduleDir, configuration, optimized, File.GetLastWriteTimeUtc(dll));
    }

    /// <summary>Copies the module folder, opens a runspace and imports the copy.</summary>
    public static ModuleHost Open(ModuleBuild build, Lab lab)
    {
        var snapshotRoot = Path.Combine(Path.GetTempPath(), $"jumphost-bench-{Environment.ProcessId}");
        var moduleCopy = Path.Combine(snapshotRoot, "JumpHost");
        CopyDirectory(build.SourceDir, moduleCopy);

        // The copy must be the build that was inspected (a rebuild may have landed in between).
        var copied = Inspect(moduleCopy);
        if (copied.Configuration != build.Configuration || copied.Optimized != build.Optimized)
        {
            Directory.Delete(snapshotRoot, recursive: true);
            throw new BenchException($"{build.SourceDir} changed while it was being copied (a build is running?). Run the bench again.");
        }

        var runspace = RunspaceFactory.CreateRunspace(InitialSessionState.CreateDefault2());
        runspace.Open();
        var host = new ModuleHost(runspace, snapshotRoot, build);
        try
        {
            host.Run("Import-Module -Name $args[0] -ErrorAction Stop", CancellationToken.None, Path.Combine(moduleCopy, "JumpHost.psd1"));
            runspace.SessionStateProxy.SetVariable("Lab", new Hashtable
            {
                ["UserName"] = lab.User,
                ["KeyFile"] = lab.Key,
                ["KnownHostsFile"] = lab.KnownHosts,
            });
            host.PowerShellVersion = host.Run("$PSVersionTable.PSVersion.ToString()", CancellationToken.None).Output.Single().ToString();
            host.DescribeLoadedAssemblies(moduleCopy);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Runs a script ($args holds the arguments); any error, terminating or not, becomes a BenchException.</summary>
    public ScriptOutput Run(string script, CancellationToken cancellationToken, params object?[] arguments)
    {
        using var shell = PowerShell.Create();
        shell.Runspace = _runspace;
        shell.AddScript(script);
        foreach (var argument in arguments)
        {
            shell.AddArgument(argument);
        }

        lock (_gate)
        {
            _current = shell;
        }

        using var stop = cancellationToken.Register(() => shell.BeginStop(null, null));
        Collection<PSObject> output;
        var stopwatch = Stopwatch.StartNew();
        try
        {
            output = shell.Invoke();
            stopwatch.Stop();
        }
        catch (Exception ex) when (ex is RuntimeException || ex is InvalidOperationException)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var record = (ex as IContainsErrorRecord)?.ErrorRecord;
            throw new BenchException($"`{FirstLine(script)}` failed: {(record != null ? Describe(record) : ex.Message)}", ex);
        }
        finally
        {
            lock (_gate)
            {
                _current = null;
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (shell.Streams.Error.Count > 0)
        {
            throw new BenchException($"`{FirstLine(script)}` failed: " + string.Join("; ", shell.Streams.Error.Select(Describe)));
        }

        return new ScriptOutput(output, shell.Streams.Verbose.Select(v => v.Message).ToList(), stopwatch.Elapsed);
    }

    /// <summary>Stops the running script, if any (Ctrl+C).</summary>
    public void StopCurrent()
    {
        lock (_gate)
        {
            try
            {
                _current?.BeginStop(null, null);
            }
            catch (Exception)
            {
                // It ended meanwhile.
            }
        }
    }

    /// <summary>Stops every forward and closes every session of the runspace, then the runspace itself.</summary>
    public void Dispose()
    {
        try
        {
            if (_runspace.RunspaceStateInfo.State == RunspaceState.Opened)
            {
                using var shell = PowerShell.Create();
                shell.Runspace = _runspace;
                shell.AddScript("Get-PortForward | Stop-PortForward; Get-JumpSession | Remove-JumpSession");
                shell.Invoke();
            }
        }
        catch (Exception ex)
        {
            Console.Error.WriteLine($"warning: cleaning up the runspace's forwards and sessions failed: {ex.Message}");
        }

        _runspace.Dispose();
        try
        {
            Directory.Delete(_snapshotRoot, recursive: true);
        }
        catch (Exception)
        {
            // A loaded DLL may still be mapped; /tmp is cleaned anyway.
        }
    }

    /// <summary>What each hop of a session negotiated, as its verbose output says, else as read off SSH.NET; "?" when neither shows it.</summary>
    public static string DescribeNegotiated(PSObject session, IReadOnlyList<string> verbose)
    {
        var fromVerbose = verbose.Where(v => v.Contains("cipher", StringComparison.OrdinalIgnoreCase)).ToList();
        if (fromVerbose.Count > 0)
        {
            return string.Join("; ", fromVerbose);
        }

        var hops = ReadNegotiated(session);
        return hops == null ? "? (not in the verbose output, not readable from the session)" : Negotiated.Summarize(hops);
    }

    /// <summary>
    /// The module does not log its algorithms: read them off the session's SSH.NET clients (internal members,
    /// by reflection; null if they moved). One entry per SSH connection, outermost first.
    /// </summary>
    public static IReadOnlyList<Negotiated>? ReadNegotiated(PSObject session)
    {
        try
        {
            const BindingFlags Any = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
            var chain = session.BaseObject.GetType().GetProperty("Connection", Any)?.GetValue(session.BaseObject);
            if (chain?.GetType().GetProperty("Route", Any)?.GetValue(chain) is not IEnumerable route)
            {
                return null;
            }

            var hops = new List<Negotiated>();
            foreach (var hop in route)
            {
                var client = hop?.GetType().GetProperty("Client", Any)?.GetValue(hop);
                var info = client?.GetType().GetProperty("ConnectionInfo", Any)?.GetValue(client);
                if (info == null)
                {
                    return null;
                }

                string? Read(string name) => info.GetType().GetProperty(name, Any)?.GetValue(info) as string;
                hops.Add(new Negotiated(Read("CurrentClientEncryption") ?? "?", Read("CurrentClientHmacAlgorithm"), Read("CurrentKeyExchangeAlgorithm") ?? "?"));
            }

            return hops.Count == 0 ? null : hops;
        }
        catch (Exception)
        {
            return null;
        }
    }

    private void DescribeLoadedAssemblies(string moduleCopy)
    {
        var assemblies = AppDomain.CurrentDomain.GetAssemblies();
        var module = assemblies.FirstOrDefault(a => a.GetName().Name == "JumpHost" && !a.IsDynamic && a.Location.StartsWith(moduleCopy, StringComparison.Ordinal));
        if (module != null)
        {
            LoadedAssemblyPath = module.Location;
            LoadedFramework = Path.GetFileName(Path.GetDirectoryName(module.Location)) ?? "?";
            var loaded = ReadBuildAttributes(module.Location);
            if (loaded.Configuration != Build.Configuration)
            {
                throw new BenchException($"The engine loaded {module.Location} ({loaded.Configuration}), not the {Build.Configuration} build that was checked.");
            }
        }
    }

    /// <summary>AssemblyConfigurationAttribute and whether the JIT optimizer is enabled (DebuggableAttribute).</summary>
    private static (string Configuration, bool Optimized) ReadBuildAttributes(string dll)
    {
        using var stream = File.OpenRead(dll);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var configuration = "(no AssemblyConfiguration attribute)";
        var optimized = true;
        foreach (var handle in metadata.GetAssemblyDefinition().GetCustomAttributes())
        {
            var attribute = metadata.GetCustomAttribute(handle);
            if (attribute.Constructor.Kind != HandleKind.MemberReference)
            {
                continue;
            }

            var constructor = metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor);
            if (constructor.Parent.Kind != HandleKind.TypeReference)
            {
                continue;
            }

            var type = metadata.GetTypeReference((TypeReferenceHandle)constructor.Parent);
            var name = metadata.GetString(type.Namespace) + "." + metadata.GetString(type.Name);
            var blob = metadata.GetBlobReader(attribute.Value);
            if (blob.ReadUInt16() != 1)
            {
                continue;
            }

            if (name == "System.Reflection.AssemblyConfigurationAttribute")
            {
                configuration = blob.ReadSerializedString() ?? string.Empty;
            }
            else if (name == "System.Diagnostics.DebuggableAttribute")
            {
                // Either (DebuggingModes) or (bool isJITTrackingEnabled, bool isJITOptimizerDisabled).
                const int DisableOptimizations = 0x100;
                optimized = blob.Length - blob.Offset >= 4 + 2
                    ? (blob.ReadInt32() & DisableOptimizations) == 0
                    : !(blob.ReadBoolean() | blob.ReadBoolean());
            }
        }

        return (configuration, optimized);
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
        }

        foreach (var directory in Directory.GetDirectories(from))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)));
        }
    }

    private static string Describe(ErrorRecord record) => $"{record} [{record.FullyQualifiedErrorId}]";

    private static string FirstLine(string script)
    {
        var line = script.Trim().Split('\n')[0].Trim();
        return line.Length > 90 ? line[..90] + "..." : line;
    }
}

/// <summary>What one SSH connection negotiated.</summary>
internal sealed record Negotiated(string Cipher, string? Mac, string Kex)
{
    public override string ToString() =>
        Mac is { Length: > 0 } mac && !Cipher.Contains("gcm", StringComparison.Ordinal) && !Cipher.Contains("poly1305", StringComparison.Ordinal)
            ? $"{Cipher} + {mac}, kex {Kex}"
            : $"{Cipher}, kex {Kex}";

    /// <summary>"X on all 3 connections" or the list per connection, outermost first.</summary>
    public static string Summarize(IReadOnlyList<Negotiated> hops)
    {
        if (hops.Count == 0)
        {
            return "?";
        }

        var distinct = hops.Select(h => h.ToString()).Distinct().ToList();
        return distinct.Count == 1
            ? hops.Count == 1 ? distinct[0] : $"{distinct[0]} (all {hops.Count} connections)"
            : string.Join("; ", hops.Select((h, i) => $"connection {i + 1}: {h}"));
    }
}
