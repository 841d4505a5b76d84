using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Security.Cryptography;
using System.Threading.Tasks;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>One gibibyte of seeded random bytes, made once for the transfer tests and removed after them.</summary>
public sealed class GibibyteFile : IDisposable
{
    public GibibyteFile()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"jh-gibibyte-{Guid.NewGuid():N}.bin");
        var random = new Random(20261124);
        var block = new byte[1 << 20];
        using var sha = SHA256.Create();
        using (var output = new FileStream(Path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
        {
            for (var i = 0; i < Length / block.Length; i++)
            {
                random.NextBytes(block);
                output.Write(block);
                sha.TransformBlock(block, 0, block.Length, null, 0);
            }
        }

        sha.TransformFinalBlock(Array.Empty<byte>(), 0, 0);
        Sha256 = Convert.ToHexStringLower(sha.Hash!);
    }

    public const long Length = 1L << 30;

    public string Path { get; }

    public string Sha256 { get; }

    public void Dispose() => File.Delete(Path);
}

/// <summary>Copy-JumpItem and Get-JumpChildItem against the lab's sshd, through one and three jump hosts.</summary>
[Collection(LabCollection.Name)]
public sealed class TransferTests : IClassFixture<GibibyteFile>, IDisposable
{
    private const string ThroughOneHop = "$s = New-JumpSession target1 -JumpHost bastion @Lab";
    private const string ThroughThreeHops = "$s = New-JumpSession www -JumpHost relay1,relay2,relay3 @Lab";

    private readonly LabFixture _lab;
    private readonly GibibyteFile _gibibyte;
    private readonly PowerShellRunspace _ps;
    private readonly string _local = Directory.CreateTempSubdirectory("jh-transfer-").FullName;

    /// <summary>This test's folder in the lab user's home on the targets (relative, as sftp reads it).</summary>
    private readonly string _remote = "jh-transfer-" + Guid.NewGuid().ToString("N").Substring(0, 8);

    /// <summary>A small file system a test mounted on the targets' side, to fill it.</summary>
    private string? _mounted;

    public TransferTests(LabFixture lab, GibibyteFile gibibyte)
    {
        _lab = lab;
        _gibibyte = gibibyte;
        _ps = lab.NewRunspace();
    }

    /// <summary>The lab user's home, where the targets' sshd put what they receive (the lab shares one file system).</summary>
    private string RemoteHome => Path.Combine(_lab.Dir, "home", _lab.User);

    public void Dispose()
    {
        _ps.Run("Get-JumpSession | Remove-JumpSession");
        _ps.Dispose();
        if (_mounted != null)
        {
            InTargetMountNamespace("umount", _mounted);
        }

        var remote = Path.Combine(RemoteHome, _remote);
        if (Directory.Exists(remote))
        {
            Directory.Delete(remote, recursive: true);
        }

        Directory.Delete(_local, recursive: true);
    }

    [Fact]
    public void AGibibyteGoesUpAndComesBackThroughThreeHopsWithTheSameSha256()
    {
        Open(ThroughThreeHops);
        Remote($"mkdir {_remote}");

        var up = _ps.Run("Copy-JumpItem -Path $args[0] -Destination $args[1] -ToSession $s -Verify -PassThru", _gibibyte.Path, _remote);
        Assert.Empty(up.AllErrors);
        var sent = up.Objects("JumpTransfer").Single();
        Assert.Equal("Upload", sent.Direction.ToString());
        Assert.Equal(_gibibyte.Path, (string)sent.Source);
        Assert.Equal($"{RemoteHome}/{_remote}/{Path.GetFileName(_gibibyte.Path)}", (string)sent.Destination);
        Assert.Equal(GibibyteFile.Length, (long)sent.Length);
        Assert.Equal(_gibibyte.Sha256, (string)sent.Sha256);
        Assert.True((double)sent.BytesPerSecond > 0);
        Assert.StartsWith(_gibibyte.Sha256 + " ", Remote($"sha256sum {_remote}/{Path.GetFileName(_gibibyte.Path)}"));
        AssertProgressShownAndCompleted(up, "Uploading");

        var back = Path.Combine(_local, "back.bin");
        var down = _ps.Run("Copy-JumpItem -Path $args[0] -Destination $args[1] -FromSession $s -Verify -PassThru", $"{_remote}/{Path.GetFileName(_gibibyte.Path)}", back);
        Assert.Empty(down.AllErrors);
        var received = down.Objects("JumpTransfer").Single();
        Assert.Equal("Download", received.Direction.ToString());
        Assert.Equal(back, (string)received.Destination);
        Assert.Equal(_gibibyte.Sha256, (string)received.Sha256);
        Assert.Equal(_gibibyte.Sha256, Sha256Of(back));
        AssertProgressShownAndCompleted(down, "Downloading");

        Assert.Equal(new[] { "back.bin" }, Directory.GetFileSystemEntries(_local).Select(Path.GetFileName));
        Assert.Equal(Path.GetFileName(_gibibyte.Path) + "\n", Remote($"ls -A {_remote}"));
    }

    [Fact]
    public void TimesAndPermissionBitsAreKeptBothWays()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote}");
        var local = Path.Combine(_local, "script.sh");
        File.WriteAllText(local, "echo hi\n");
        File.SetUnixFileMode(local, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead);
        File.SetLastWriteTimeUtc(local, new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc));

        var upload = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -PassThru -Verify", local, _remote);
        Assert.Empty(upload.AllErrors);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("echo hi\n"u8)), (string)upload.Objects("JumpTransfer").Single().Sha256);
        Assert.Equal("740 1614834367\n", Remote($"stat -c '%a %Y' {_remote}/script.sh"));

        var listed = _ps.Run("Get-JumpChildItem -Session $s -Path $args[0]", _remote);
        Assert.Empty(listed.AllErrors);
        var item = listed.Objects("JumpRemoteItem").Single();
        Assert.Equal("script.sh", (string)item.Name);
        Assert.Equal($"{RemoteHome}/{_remote}/script.sh", (string)item.FullName);
        Assert.Equal("-rwxr-----", (string)item.Mode);
        Assert.Equal(8L, (long)item.Length);
        Assert.False((bool)item.IsDirectory);
        Assert.Equal(new DateTime(2021, 3, 4, 5, 6, 7, DateTimeKind.Utc), ((DateTime)item.LastWriteTime).ToUniversalTime());

        Remote($"chmod 604 {_remote}/script.sh && touch -d '2019-12-31 23:59:58 UTC' {_remote}/script.sh");
        var back = Path.Combine(_local, "back");
        Assert.Empty(_ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s", $"{_remote}/script.sh", back).AllErrors);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead, File.GetUnixFileMode(back));
        Assert.Equal(new DateTime(2019, 12, 31, 23, 59, 58, DateTimeKind.Utc), File.GetLastWriteTimeUtc(back));
        Assert.Equal("echo hi\n", File.ReadAllText(back));
    }

    [Fact]
    public void AThousandFilesInNestedFoldersWithUnicodeAndSpacesGoUpAndDown()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote}");
        var tree = Path.Combine(_local, "tree");
        for (var i = 0; i < 1000; i++)
        {
            var folder = Path.Combine(tree, $"Grüße {i / 100}", $"日本 {i / 10 % 10}");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, i % 7 == 0 ? $"file {i} ✓.txt" : $"f{i}"), $"content of {i}\n" + new string('x', i));
        }

        var up = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -Recurse -PassThru", tree, _remote);
        Assert.Empty(up.AllErrors);
        Assert.Equal(1000, up.Objects("JumpTransfer").Count);
        Assert.Equal(LocalChecksums(tree), Remote($"cd {_remote}/tree && find . -type f -exec sha256sum {{}} + | LC_ALL=C sort -k2"));

        var downloads = Path.Combine(_local, "downloads");
        Directory.CreateDirectory(downloads);
        var down = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s -Recurse -PassThru", $"{_remote}/tree", downloads);
        Assert.Empty(down.AllErrors);
        Assert.Equal(1000, down.Objects("JumpTransfer").Count);
        Assert.Equal(LocalChecksums(tree), LocalChecksums(Path.Combine(downloads, "tree")));

        var listing = _ps.Run("Get-JumpChildItem -Session $s -Path $args[0] -Recurse", $"{_remote}/tree");
        Assert.Empty(listing.AllErrors);
        var items = listing.Objects("JumpRemoteItem");
        Assert.Equal(1000, items.Count(i => !(bool)i.IsDirectory));
        Assert.Equal(110, items.Count(i => (bool)i.IsDirectory));
        Assert.Contains(items, i => (string)i.FullName == $"{RemoteHome}/{_remote}/tree/Grüße 9/日本 9/file 994 ✓.txt");
    }

    [Fact]
    public void WildcardsPickLocalAndRemoteFilesByName()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote}");
        foreach (var name in new[] { "Grüße 1.log", "Grüße 2.log", "other.log" })
        {
            File.WriteAllText(Path.Combine(_local, name), name);
        }

        var up = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -PassThru", Path.Combine(_local, "Grüße *.log"), _remote);
        Assert.Empty(up.AllErrors);
        Assert.Equal(2, up.Objects("JumpTransfer").Count);
        Assert.Equal("Grüße 1.log\nGrüße 2.log\n", Remote($"ls {_remote}"));

        var listed = _ps.Run("Get-JumpChildItem -Session $s -Path $args[0]", $"{_remote}/*2.log");
        Assert.Equal("Grüße 2.log", (string)listed.Objects("JumpRemoteItem").Single().Name);

        var downloads = Directory.CreateDirectory(Path.Combine(_local, "downloads")).FullName;
        var down = _ps.Run("Get-JumpChildItem -Session $s -Path $args[0] | Copy-JumpItem -Destination $args[1] -FromSession $s -PassThru", $"{_remote}/Grüße*", downloads);
        Assert.Empty(down.AllErrors);
        Assert.Equal(new[] { "Grüße 1.log", "Grüße 2.log" }, Directory.GetFiles(downloads).Select(Path.GetFileName).Order());
        Assert.Equal("Grüße 2.log", File.ReadAllText(Path.Combine(downloads, "Grüße 2.log")));
    }

    [Fact]
    public async Task StoppingAnUploadLeavesNoFileOnTheTarget()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote}");

        var stopped = await StopOnceBytesFlow("Copy-JumpItem $args[0] $args[1] -ToSession $s", _gibibyte.Path, _remote);

        Assert.IsType<PipelineStoppedException>(stopped.Terminating);
        Assert.Equal(string.Empty, Remote($"ls -A {_remote}"));
    }

    [Fact]
    public async Task StoppingADownloadLeavesNoFileHere()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote} && cp {_gibibyte.Path} {_remote}/big.bin");

        var stopped = await StopOnceBytesFlow("Copy-JumpItem $args[0] $args[1] -FromSession $s", $"{_remote}/big.bin", _local);

        Assert.IsType<PipelineStoppedException>(stopped.Terminating);
        Assert.Empty(Directory.GetFileSystemEntries(_local));
    }

    [Fact]
    public async Task ResumeFinishesACutUpload()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote}");
        var name = Path.GetFileName(_gibibyte.Path);

        await StopOnceBytesFlow("Copy-JumpItem $args[0] $args[1] -ToSession $s -Resume", _gibibyte.Path, _remote);
        var partial = long.Parse(Remote($"stat -c %s {_remote}/.{name}.jumphost-partial"));
        Assert.InRange(partial, 1, GibibyteFile.Length - 1);
        Assert.Equal(string.Empty, Remote($"ls {_remote}"));

        var resumed = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -Resume -Verify -PassThru", _gibibyte.Path, _remote);
        Assert.Empty(resumed.AllErrors);
        var transfer = resumed.Objects("JumpTransfer").Single();
        // A resumed upload rewrites up to 16 MiB before the partial file's end: its last wave of writes may have gaps.
        Assert.InRange((long)transfer.ResumedFrom, Math.Max(0, partial - (16L << 20)), GibibyteFile.Length - 1);
        Assert.Equal(_gibibyte.Sha256, (string)transfer.Sha256);
        Assert.Equal(name + "\n", Remote($"ls -A {_remote}"));
    }

    [Fact]
    public async Task ResumeFinishesACutDownload()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote} && cp {_gibibyte.Path} {_remote}/big.bin");

        await StopOnceBytesFlow("Copy-JumpItem $args[0] $args[1] -FromSession $s -Resume", $"{_remote}/big.bin", _local);
        var partial = new FileInfo(Path.Combine(_local, ".big.bin.jumphost-partial")).Length;
        Assert.InRange(partial, 1, GibibyteFile.Length - 1);
        Assert.False(File.Exists(Path.Combine(_local, "big.bin")));

        var resumed = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s -Resume -PassThru", $"{_remote}/big.bin", _local);
        Assert.Empty(resumed.AllErrors);
        Assert.InRange((long)resumed.Objects("JumpTransfer").Single().ResumedFrom, partial, GibibyteFile.Length - 1);
        Assert.Equal(_gibibyte.Sha256, Sha256Of(Path.Combine(_local, "big.bin")));
        Assert.Equal(new[] { "big.bin" }, Directory.GetFileSystemEntries(_local).Select(Path.GetFileName));
    }

    [Fact]
    public void LinksOnTheServerCannotLeadARecursiveDownloadOutOfItsDestination()
    {
        Open(ThroughOneHop);
        Remote($"mkdir -p {_remote}/trap/sub && cd {_remote}/trap && echo kept > sub/file.txt"
            + " && ln -s / root && ln -s /etc/passwd passwd && ln -s .. up && ln -s ../../../../../../../tmp sub/tmp");

        var first = Directory.CreateDirectory(Path.Combine(_local, "first")).FullName;
        var result = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s -Recurse -PassThru", $"{_remote}/trap", first);
        Assert.Equal("kept\n", File.ReadAllText(Path.Combine(first, "trap", "sub", "file.txt")));
        Assert.Single(result.Objects("JumpTransfer"));
        Assert.Equal(new[] { "sub" }, Directory.GetFileSystemEntries(Path.Combine(first, "trap")).Select(Path.GetFileName));
        Assert.Equal(new[] { "file.txt" }, Directory.GetFileSystemEntries(Path.Combine(first, "trap", "sub")).Select(Path.GetFileName));
        Assert.Equal(4, result.Errors.Count);
        Assert.All(result.Errors, e =>
        {
            Assert.StartsWith("SymbolicLinkSkipped,", e.FullyQualifiedErrorId);
            Assert.Equal(ErrorCategory.SecurityError, e.CategoryInfo.Category);
        });

        // A link already in the local destination, where the download's folder would go, is not written through.
        var outside = Directory.CreateDirectory(Path.Combine(_local, "outside")).FullName;
        var second = Directory.CreateDirectory(Path.Combine(_local, "second")).FullName;
        File.CreateSymbolicLink(Path.Combine(second, "trap"), outside);
        var through = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s -Recurse", $"{_remote}/trap", second);
        Assert.Empty(Directory.GetFileSystemEntries(outside));
        Assert.Contains(through.Errors, e => e.FullyQualifiedErrorId.StartsWith("UnsafeRemoteName,", StringComparison.Ordinal));
    }

    [Fact]
    public void OneFailedFileInABatchDoesNotStopTheRest()
    {
        Open(ThroughOneHop);
        Remote($"mkdir {_remote} && echo old > {_remote}/b.txt");
        foreach (var name in new[] { "a.txt", "b.txt", "c.txt" })
        {
            File.WriteAllText(Path.Combine(_local, name), "new " + name);
        }

        var result = _ps.Run("Copy-JumpItem $args[0], $args[1] $args[2] -ToSession $s -PassThru", Path.Combine(_local, "*.txt"), Path.Combine(_local, "missing.txt"), _remote);

        Assert.Equal(new[] { "a.txt", "c.txt" }, result.Objects("JumpTransfer").Select(t => Path.GetFileName((string)t.Source)).Order());
        Assert.Equal(2, result.Errors.Count);
        var missing = result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("SourceNotFound,", StringComparison.Ordinal));
        Assert.Equal(ErrorCategory.ObjectNotFound, missing.CategoryInfo.Category);
        var exists = result.Errors.Single(e => e.FullyQualifiedErrorId.StartsWith("DestinationExists,", StringComparison.Ordinal));
        Assert.Equal(ErrorCategory.ResourceExists, exists.CategoryInfo.Category);
        Assert.Contains("-Force", exists.Exception.Message);
        Assert.Equal("old\n", Remote($"cat {_remote}/b.txt"));

        var forced = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -Force", Path.Combine(_local, "b.txt"), _remote);
        Assert.Empty(forced.AllErrors);
        Assert.Equal("new b.txt", Remote($"cat {_remote}/b.txt"));
    }

    [Fact]
    public void RemoteRefusalsAreClearErrors()
    {
        Open(ThroughOneHop);
        Remote($"mkdir -p {_remote}/locked {_remote}/folder && chmod 555 {_remote}/locked && echo x > {_remote}/file");
        var local = Path.Combine(_local, "a.txt");
        File.WriteAllText(local, "a");

        var denied = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s", local, $"{_remote}/locked");
        AssertError(denied, "RemotePermissionDenied", ErrorCategory.PermissionDenied);

        var noFolder = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s", local, $"{_remote}/nowhere/a.txt");
        AssertError(noFolder, "DestinationNotFound", ErrorCategory.ObjectNotFound);

        var folderOntoFile = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -Recurse", _local, $"{_remote}/file");
        AssertError(folderOntoFile, "DestinationNotDirectory", ErrorCategory.InvalidArgument);

        var folderWithoutRecurse = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s", $"{_remote}/folder", _local);
        AssertError(folderWithoutRecurse, "SourceIsDirectory", ErrorCategory.InvalidArgument);
        Assert.Contains("-Recurse", folderWithoutRecurse.SingleError.Exception.Message);

        var missing = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s", $"{_remote}/absent", _local);
        AssertError(missing, "SourceNotFound", ErrorCategory.ObjectNotFound);

        var onto = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s -Recurse", $"{_remote}/folder", local);
        AssertError(onto, "DestinationNotDirectory", ErrorCategory.InvalidArgument);
    }

    [Fact]
    public void AnUnreadableFolderIsOneErrorAndEmptyFoldersAreCopiedBothWays()
    {
        Open(ThroughOneHop);
        Remote($"mkdir -p {_remote}/tree/open {_remote}/tree/closed {_remote}/tree/empty/deeper && echo a > {_remote}/tree/open/a.txt"
            + $" && echo b > {_remote}/tree/closed/b.txt && echo c > '{_remote}/tree/odd:name.txt' && chmod 000 {_remote}/tree/closed");

        var down = _ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s -Recurse", $"{_remote}/tree", _local);
        AssertError(down, "RemotePermissionDenied", ErrorCategory.PermissionDenied);
        Assert.EndsWith("/tree/closed", (string)down.SingleError.TargetObject);
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(_local, "tree", "open", "a.txt")));
        Assert.Equal("c\n", File.ReadAllText(Path.Combine(_local, "tree", "odd:name.txt")));
        Assert.True(Directory.Exists(Path.Combine(_local, "tree", "empty", "deeper")));

        var listed = _ps.Run("Get-JumpChildItem -Session $s -Path $args[0] -Recurse", $"~/{_remote}/tree");
        AssertError(listed, "RemotePermissionDenied", ErrorCategory.PermissionDenied);
        Assert.Equal(new[] { "a.txt", "closed", "deeper", "empty", "odd:name.txt", "open" }, listed.Objects("JumpRemoteItem").Select(i => (string)i.Name).Order(StringComparer.Ordinal));

        var emptyTree = Directory.CreateDirectory(Path.Combine(_local, "hollow", "one", "two")).Parent!.Parent!.FullName;
        Assert.Empty(_ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -Recurse", emptyTree, _remote).AllErrors);
        Assert.Equal("d\n", Remote($"test -d {_remote}/hollow/one/two && echo d"));
    }

    [Fact]
    public void AFullRemoteDiskIsNamedAndLeavesNoPartialFile()
    {
        Open(ThroughOneHop);
        Remote($"mkdir -p {_remote}/full");
        _mounted = Path.Combine(RemoteHome, _remote, "full");
        Assert.Equal(0, InTargetMountNamespace("mount", "-t", "tmpfs", "-o", "size=1m,mode=0777", "tmpfs", _mounted).ExitCode);
        var local = Path.Combine(_local, "four.bin");
        File.WriteAllBytes(local, new byte[4 << 20]);

        var result = _ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s", local, $"{_remote}/full");

        AssertError(result, "RemoteDiskFull", ErrorCategory.ResourceUnavailable);
        Assert.Equal(string.Empty, Remote($"ls -A {_remote}/full"));
    }

    [Fact]
    public void EachFileCopiedOrRefusedIsAnAuditRecord()
    {
        var log = Path.Combine(_local, "audit.jsonl");
        Assert.Empty(_ps.Run("Set-JumpAuditLog -Path $args[0]", log).AllErrors);
        Open(ThroughThreeHops);
        Remote($"mkdir {_remote}");
        var local = Path.Combine(_local, "deploy.txt");
        File.WriteAllText(local, "v2\n");

        Assert.Empty(_ps.Run("Copy-JumpItem $args[0] $args[1] -ToSession $s -Verify", local, _remote).AllErrors);
        AssertError(_ps.Run("Copy-JumpItem $args[0] $args[1] -FromSession $s", $"{_remote}/deploy.txt", local), "DestinationExists", ErrorCategory.ResourceExists);

        var records = _ps.Run("Get-JumpAuditLog $args[0] -Kind transfer", log).Objects("JumpAuditRecord");
        Assert.Equal(2, records.Count);
        var upload = records[0];
        Assert.Equal("www", (string)upload.HostName);
        Assert.Equal(new[] { "relay1", "relay2", "relay3" }, (string[])upload.JumpHosts);
        Assert.Equal("upload", (string)upload.Fields["direction"]);
        Assert.Equal(local, (string)upload.Fields["source"]);
        Assert.Equal($"{RemoteHome}/{_remote}/deploy.txt", (string)upload.Fields["destination"]);
        Assert.Equal(3L, Convert.ToInt64(upload.Fields["length"]));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("v2\n"u8)), (string)upload.Fields["sha256"]);
        Assert.Equal("completed", (string)upload.Fields["outcome"]);
        var refused = records[1];
        Assert.Equal("download", (string)refused.Fields["direction"]);
        Assert.Equal("failed", (string)refused.Fields["outcome"]);
        Assert.Equal("DestinationExists", (string)refused.Fields["error"]);
        Assert.True((bool)_ps.Run("Test-JumpAuditLog $args[0]", log).Objects("JumpAuditVerification").Single().Valid);
    }

    [Fact]
    public void AClosedSessionIsRefusedWithAClearError()
    {
        Open(ThroughOneHop);
        var result = _ps.Run("Remove-JumpSession $s; Copy-JumpItem $args[0] '.' -ToSession $s", _gibibyte.Path);
        AssertError(result, "SessionNotOpen", ErrorCategory.InvalidOperation);
    }

    private void Open(string script)
    {
        var opened = _ps.Run(script);
        Assert.Empty(opened.AllErrors);
    }

    /// <summary>Runs a shell command on the session's target in the lab user's home, and returns its output.</summary>
    /// <summary>Runs a program in target1's sshd mount namespace (`ip netns exec` gave it its own), where its SFTP server sees mounts.</summary>
    private ProcessResult InTargetMountNamespace(params string[] arguments)
    {
        var pid = File.ReadAllText(Path.Combine(_lab.Dir, "run", "target1.pid")).Trim();
        return ProcessRunner.Run("nsenter", TimeSpan.FromSeconds(30), new[] { $"--mount=/proc/{pid}/ns/mnt", "--" }.Concat(arguments).ToArray());
    }

    private string Remote(string command)
    {
        var result = _ps.Run("Invoke-JumpCommand -Session $s -Command $args[0]", command);
        Assert.Empty(result.AllErrors);
        var output = result.Objects("JumpCommandResult").Single();
        Assert.True((bool)output.Succeeded, $"'{command}' failed: {output.Error}");
        return output.Output;
    }

    /// <summary>Starts a copy, waits until its first progress record says bytes are moving, and presses Ctrl+C.</summary>
    private async Task<ScriptResult> StopOnceBytesFlow(string script, params object[] arguments)
    {
        var (shell, completion) = _ps.Start(script, arguments);
        Eventually.Assert(() => shell.Streams.Progress.Any(p => p.PercentComplete > 0), "The copy reported no progress.");
        var clock = Stopwatch.StartNew();
        shell.Stop();
        var stopped = await completion;
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {clock.Elapsed}.");
        shell.Dispose();
        return stopped;
    }

    private static void AssertProgressShownAndCompleted(ScriptResult result, string activity)
    {
        var overall = result.Progress.Where(p => p.ActivityId == 0 && p.Activity == activity).ToList();
        Assert.Contains(overall, p => p.RecordType == ProgressRecordType.Processing && p.PercentComplete is > 0 and < 100);
        Assert.Equal(ProgressRecordType.Completed, overall.Last().RecordType);
        Assert.Contains(result.Progress, p => p.ActivityId == 1 && p.ParentActivityId == 0);
    }

    private static void AssertError(ScriptResult result, string id, ErrorCategory category)
    {
        var error = result.SingleError;
        Assert.StartsWith(id + ",", error.FullyQualifiedErrorId);
        Assert.Equal(category, error.CategoryInfo.Category);
    }

    /// <summary>Like `find . -type f -exec sha256sum {} + | sort -k2`, run here.</summary>
    private static string LocalChecksums(string root) =>
        string.Concat(Directory.GetFiles(root, "*", SearchOption.AllDirectories)
            .Select(f => "./" + Path.GetRelativePath(root, f))
            .OrderBy(f => f, StringComparer.Ordinal)
            .Select(f => $"{Sha256Of(Path.Combine(root, f))}  {f}\n"));

    private static string Sha256Of(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
