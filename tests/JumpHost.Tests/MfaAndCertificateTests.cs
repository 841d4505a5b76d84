using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>
/// Keyboard-interactive one-time passwords after a key (sshd with AuthenticationMethods
/// publickey,keyboard-interactive and pam_oath), host certificates under @cert-authority, and user certificates.
/// </summary>
[Collection(LabCollection.Name)]
public sealed class MfaAndCertificateTests : IDisposable
{
    private readonly LabFixture _lab;
    private readonly string _scratch = Directory.CreateTempSubdirectory("jumphost-mfa-").FullName;

    public MfaAndCertificateTests(LabFixture lab)
    {
        _lab = lab;
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public void AHandlerAnswersTheOneTimePasswordAfterTheKey()
    {
        using var ps = _lab.NewRunspace();
        ps.SetVariable("code", OneTimePassword.Next(_lab.OtpSecret));
        var result = ps.Run(
            "$asked = [System.Collections.Generic.List[object]]::new(); " +
            "$s = New-JumpSession target2 -JumpHost bastion -Port $args[0] @Lab -KeyboardInteractive { param($prompt) $asked.Add($prompt); $code }; " +
            "$asked; Invoke-JumpCommand -Session $s -Command 'echo $SSH_CONNECTION'", _lab.Port("mfa"));

        Assert.Empty(result.AllErrors);
        var prompt = result.Objects("KeyboardInteractivePrompt").Single();
        Assert.Contains("One-time password", (string)prompt.Prompt);
        Assert.False((bool)prompt.Echo);
        Assert.Equal("target2", (string)prompt.HostName);
        Assert.EndsWith($" {_lab.Port("mfa")}", ((string)result.Objects("JumpCommandResult").Single().Output).Trim());
    }

    [Fact]
    public void ThePersonAtTheConsoleIsAskedWithoutEcho()
    {
        var host = new ScriptedHost();
        host.Answers.Enqueue(OneTimePassword.Next(_lab.OtpSecret));
        using var ps = _lab.NewRunspace(host: host);

        var result = ps.Run("New-JumpSession target2 -JumpHost bastion -Port $args[0] @Lab", _lab.Port("mfa"));
        Assert.Empty(result.AllErrors);
        Assert.Contains(host.Shown, s => s.Contains("One-time password"));
    }

    [Fact]
    public void AWrongCodeOrNoAnswerFailsAuthentication()
    {
        using var ps = _lab.NewRunspace();
        var wrong = ps.Run("New-JumpSession target2 -JumpHost bastion -Port $args[0] @Lab -KeyboardInteractive { '000000' }", _lab.Port("mfa")).SingleError;
        Assert.StartsWith("AuthenticationFailed,", wrong.FullyQualifiedErrorId);
        Assert.Contains("target2:2022 via bastion", wrong.Exception.Message);

        // A non-interactive run with no handler cannot answer: the key alone is not enough.
        var unanswered = ps.Run("New-JumpSession target2 -JumpHost bastion -Port $args[0] @Lab", _lab.Port("mfa")).SingleError;
        Assert.StartsWith("AuthenticationFailed,", unanswered.FullyQualifiedErrorId);
        Assert.Contains("-KeyboardInteractive", unanswered.Exception.Message);
    }

    [Fact]
    public void AHostCertificateFromATrustedAuthorityIsAcceptedWithoutAKnownKey()
    {
        using var ps = _lab.NewRunspace(_lab.KnownHostsCertificateAuthority);
        var result = ps.Run("New-JumpSession target2 -JumpHost bastion -Port $args[0] @Lab -Verbose", _lab.Port("certhost"));

        Assert.Empty(result.AllErrors);
        List<dynamic> hops = Dyn.List((object)result.Objects("JumpSession").Single().Hops);
        var target = hops.Last();
        Assert.Equal("CertifiedByAuthority", target.HostKeyStatus.ToString());
        Assert.Contains(result.Verbose, v => v.Contains("certified by the authority"));
    }

    [Theory]
    [InlineData("certexpired", "expired")]
    [InlineData("certwrongname", "principals")]
    public void AnExpiredOrMisnamedHostCertificateIsRefused(string server, string reason)
    {
        using var ps = _lab.NewRunspace(_lab.KnownHostsCertificateAuthority);
        var error = ps.Run("New-JumpSession target2 -JumpHost bastion -Port $args[0] @Lab", _lab.Port(server)).SingleError;
        Assert.StartsWith("HostCertificateInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.SecurityError, error.CategoryInfo.Category);
        Assert.True(error.Exception.Message.Contains(reason), $"'{reason}' is not in the whole message: {error.Exception.Message}");
    }

    [Fact]
    public void AUserCertificateBesideTheKeyLogsIn()
    {
        using var ps = _lab.NewRunspace();
        var result = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -NoConfig -KeyFile $args[0]", _lab.CertifiedKey);
        Assert.Empty(result.AllErrors);

        // The same key without its certificate is not authorized.
        var bare = Path.Combine(_scratch, "id_ed25519_bare");
        File.Copy(_lab.CertifiedKey, bare);
        File.SetUnixFileMode(bare, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        var refused = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -NoConfig -KeyFile $args[0]", bare).SingleError;
        Assert.StartsWith("AuthenticationFailed,", refused.FullyQualifiedErrorId);
    }
}
