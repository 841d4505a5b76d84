using System;
using System.IO;

namespace JumpHost.Tests.Infrastructure;

/// <summary>Where things are in the repository, found from the test binary's folder.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string ModuleManifest => Path.Combine(Root, "out", "JumpHost", "JumpHost.psd1");

    public static string LabScript => Path.Combine(Root, "tests", "lab", "lab.sh");

    public static string Docs => Path.Combine(Root, "docs");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory != null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "JumpHost.psd1")) && Directory.Exists(Path.Combine(directory.FullName, "src")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No JumpHost repository root above {AppContext.BaseDirectory}.");
    }
}
