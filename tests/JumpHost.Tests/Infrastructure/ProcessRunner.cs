using System;
using System.Collections.Generic;
using System.Diagnostics;

namespace JumpHost.Tests.Infrastructure;

public sealed record ProcessResult(int ExitCode, string Output, string Error);

/// <summary>Runs a program to completion and captures what it printed.</summary>
public static class ProcessRunner
{
    public static ProcessResult Run(string fileName, TimeSpan timeout, params string[] arguments) =>
        Run(fileName, timeout, new Dictionary<string, string>(), arguments);

    /// <summary>Runs with extra environment variables for the child only (never this process's, which parallel tests share).</summary>
    public static ProcessResult Run(string fileName, TimeSpan timeout, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{fileName} did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', arguments)} did not finish within {timeout}.");
        }

        return new ProcessResult(process.ExitCode, output.Result, error.Result);
    }

    /// <summary>Runs a shell command inside one of the lab's network namespaces.</summary>
    public static ProcessResult InNamespace(string ns, string command) =>
        Run("ip", TimeSpan.FromSeconds(30), "netns", "exec", ns, "sh", "-c", command);
}
