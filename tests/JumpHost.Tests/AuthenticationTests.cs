using System;
using System.IO;
using System.Linq;
using System.Management.Automation;
using JumpHost.Tests.Infrastructure;
using Xunit;

namespace JumpHost.Tests;

/// <summary>Keys (plain and encrypted, three types), passwords, and the errors for each way they go wrong.</summary>
[Collection(LabCollection.Name)]
public sealed class AuthenticationTests
{
    private readonly LabFixture _lab;

    public AuthenticationTests(LabFixture lab)
    {
        _lab = lab;
    }

    [Theory]
    [InlineData("ecdsa")]
    [InlineData("rsa")]
    public void EcdsaAndRsaKeysAuthenticateEveryHop(string type)
    {
        using var ps = _lab.NewRunspace();
        var key = type == "rsa" ? _lab.RsaKey : _lab.EcdsaKey;
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -KeyFile $args[0]", key);
        Assert.Empty(result.AllErrors);
        Assert.Equal("Opened", result.Objects("JumpSession").Single().State.ToString());
    }

    [Fact]
    public void EncryptedKeyOpensWithItsPassphrase()
    {
        using var ps = _lab.NewRunspace();
        ps.SetVariable("passphrase", Secure(_lab.Passphrase));
        var result = ps.Run("New-JumpSession target1 -JumpHost bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -KeyFile $args[0] -KeyPassphrase $passphrase", _lab.EncryptedKey);
        Assert.Empty(result.AllErrors);
    }

    [Fact]
    public void EncryptedKeyWithoutPassphraseSaysSo()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -KeyFile $args[0]", _lab.EncryptedKey).SingleError;
        Assert.StartsWith("KeyPassphraseRequired,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("-KeyPassphrase", error.Exception.Message);
    }

    [Fact]
    public void AnInteractiveHostIsAskedForThePassphraseOnceForEveryHop()
    {
        var host = new ScriptedHost();
        host.Answers.Enqueue(_lab.Passphrase);
        using var ps = _lab.NewRunspace(host: host);
        var result = ps.Run("New-JumpSession www -JumpHost relay1,relay2,relay3 -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -NoConfig -KeyFile $args[0]", _lab.EncryptedKey);

        Assert.Empty(result.AllErrors);
        Assert.Single(host.Shown, s => s.Contains($"passphrase for {_lab.EncryptedKey}"));
        AssertNoSecret(result, _lab.Passphrase);
    }

    [Fact]
    public void AKeyFileOthersCanReadIsUsedWithAWarning()
    {
        var scratch = Directory.CreateTempSubdirectory("jumphost-keymode-").FullName;
        try
        {
            var key = Path.Combine(scratch, "id_ed25519");
            File.Copy(_lab.Key, key);
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            using var ps = _lab.NewRunspace();
            var result = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -NoConfig -KeyFile $args[0]", key);
            Assert.Empty(result.AllErrors);
            Assert.Contains(result.Warnings, w => w.Contains(key) && w.Contains("chmod 600"));
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    [Fact]
    public void WrongPassphraseIsReportedAsWrongPassphrase()
    {
        using var ps = _lab.NewRunspace();
        ps.SetVariable("passphrase", Secure("not-the-passphrase"));
        var result = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -KeyFile $args[0] -KeyPassphrase $passphrase -Verbose", _lab.EncryptedKey);
        var error = result.SingleError;
        Assert.StartsWith("KeyPassphraseIncorrect,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        AssertNoSecret(result, "not-the-passphrase");
    }

    [Fact]
    public void KeyTheServerDoesNotKnowFailsAuthenticationNamingTheHop()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession www -JumpHost relay1,relay2 -UserName $Lab.UserName -KnownHostsFile $Lab.KnownHostsFile -KeyFile $args[0]", _lab.UnauthorizedKey).SingleError;
        Assert.StartsWith("AuthenticationFailed,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.Contains("jhlab@relay1:22", error.Exception.Message);
    }

    [Fact]
    public void MissingKeyFileIsNotFound()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KeyFile ./no-such-key").SingleError;
        Assert.StartsWith("KeyFileNotFound,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.ObjectNotFound, error.CategoryInfo.Category);
    }

    [Fact]
    public void PublicKeyFileGivenAsKeyFileIsInvalidData()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession bastion -UserName $Lab.UserName -KeyFile $args[0]", _lab.Key + ".pub").SingleError;
        Assert.StartsWith("KeyFileInvalid,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidData, error.CategoryInfo.Category);
    }

    [Fact]
    public void PasswordFromACredentialAuthenticatesEveryHopAndNeverShows()
    {
        using var ps = _lab.NewRunspace();
        ps.SetVariable("credential", new PSCredential(_lab.User, Secure(_lab.Password)));
        var result = ps.Run(
            "$s = New-JumpSession www -JumpHost relay1,relay2,relay3 -Credential $credential -KnownHostsFile $Lab.KnownHostsFile -Verbose; $s; " +
            "Invoke-JumpCommand -Session $s -Command whoami -Verbose");
        Assert.Empty(result.AllErrors);
        Assert.Equal(_lab.User, ((string)result.Objects("JumpCommandResult").Single().Output).Trim());
        AssertNoSecret(result, _lab.Password);
    }

    [Fact]
    public void WrongPasswordFailsAuthentication()
    {
        using var ps = _lab.NewRunspace();
        ps.SetVariable("credential", new PSCredential(_lab.User, Secure("wrong-password")));
        var result = ps.Run("New-JumpSession bastion -Credential $credential -KnownHostsFile $Lab.KnownHostsFile -ConnectTimeout 20");
        Assert.StartsWith("AuthenticationFailed,", result.SingleError.FullyQualifiedErrorId);
        AssertNoSecret(result, "wrong-password");
    }

    [Fact]
    public void MalformedHostIsAnInvalidArgument()
    {
        using var ps = _lab.NewRunspace();
        var error = ps.Run("New-JumpSession 'www' -JumpHost 'relay1:99999' @Lab").SingleError;
        Assert.StartsWith("InvalidHostSpec,", error.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Contains("[user@]host[:port]", error.Exception.Message);
    }

    private static void AssertNoSecret(ScriptResult result, string secret)
    {
        var everything = string.Join("\n", result.Output.Select(o => o.ToString())
            .Concat(result.Verbose)
            .Concat(result.Warnings)
            .Concat(result.AllErrors.Select(e => e.ToString() + e.Exception)));
        Assert.DoesNotContain(secret, everything);
    }

    private static System.Security.SecureString Secure(string text)
    {
        var secure = new System.Security.SecureString();
        foreach (var c in text)
        {
            secure.AppendChar(c);
        }

        secure.MakeReadOnly();
        return secure;
    }
}
