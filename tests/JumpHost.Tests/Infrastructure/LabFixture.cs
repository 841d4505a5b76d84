using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Xunit;

namespace JumpHost.Tests.Infrastructure;

/// <summary>
/// Starts the OpenSSH lab (tests/lab/lab.sh: real sshd processes in network namespaces) once for every
/// test in the "Lab" collection, and stops it afterwards, also when tests fail.
/// </summary>
public sealed class LabFixture : IDisposable
{
    private readonly Dictionary<string, string> _env;

    public LabFixture()
    {
        var start = ProcessRunner.Run("bash", TimeSpan.FromMinutes(5), RepositoryPaths.LabScript, "start");
        if (start.ExitCode != 0)
        {
            throw new InvalidOperationException($"The lab did not start (exit {start.ExitCode}):\n{start.Output}\n{start.Error}");
        }

        var dir = Environment.GetEnvironmentVariable("JUMPHOST_LAB_DIR") ?? "/tmp/jumphost-lab";
        _env = File.ReadAllLines(Path.Combine(dir, "lab.env"))
            .Where(line => line.Contains('='))
            .Select(line => line.Split('=', 2))
            .ToDictionary(parts => parts[0], parts => parts[1]);
    }

    public string Dir => _env["LAB_DIR"];

    public string User => _env["LAB_USER"];

    public string Key => _env["LAB_KEY"];

    public string EncryptedKey => _env["LAB_KEY_ENC"];

    public string Passphrase => File.ReadAllText(_env["LAB_KEY_PASSPHRASE_FILE"]).Trim();

    public string Password => File.ReadAllText(_env["LAB_PASSWORD_FILE"]).Trim();

    public string EcdsaKey => _env["LAB_KEY_ECDSA"];

    public string RsaKey => _env["LAB_KEY_RSA"];

    public string UnauthorizedKey => _env["LAB_KEY_UNAUTHORIZED"];

    public string KnownHosts => _env["LAB_KNOWN_HOSTS"];

    public string KnownHostsHashed => _env["LAB_KNOWN_HOSTS_HASHED"];

    public string WwwToken => _env["LAB_WWW_TOKEN"];

    public string DropPidFile => _env["LAB_DROP_PIDFILE"];

    public string Ip(string host) => _env["LAB_IP_" + host.ToUpperInvariant()];

    public int Port(string name) => int.Parse(_env[$"LAB_{name.ToUpperInvariant()}_PORT"]);

    /// <summary>The TOTP secret (hex) of the MFA sshd's one-time passwords.</summary>
    public string OtpSecret => _env["LAB_OTP_SECRET"];

    /// <summary>known_hosts with only a @cert-authority line for the cert hosts (and bastion's plain keys).</summary>
    public string KnownHostsCertificateAuthority => _env["LAB_KNOWN_HOSTS_CA"];

    /// <summary>A key whose certificate (key-cert.pub) the lab's user CA signed; the key itself is not authorized.</summary>
    public string CertifiedKey => _env["LAB_KEY_CERT"];

    public string BastionSideIp => _env["LAB_BASTION_SIDE_IP"];

    public string Relay3SideIp => _env["LAB_RELAY3_SIDE_IP"];

    public string Log(string name) => File.ReadAllText(Path.Combine(_env["LAB_LOG_DIR"], name));

    /// <summary>
    /// A runspace with the module imported and $Lab set for splatting: user, key and known_hosts, and no
    /// ssh_config, so that this machine's ~/.ssh/config and /etc/ssh/ssh_config play no part.
    /// </summary>
    public PowerShellRunspace NewRunspace(string? knownHostsFile = null, System.Management.Automation.Host.PSHost? host = null)
    {
        var runspace = new PowerShellRunspace(host: host);
        runspace.SetVariable("Lab", new Hashtable
        {
            ["UserName"] = User,
            ["KeyFile"] = Key,
            ["KnownHostsFile"] = knownHostsFile ?? KnownHosts,
            ["NoConfig"] = true,
        });
        return runspace;
    }

    public void Dispose()
    {
        ProcessRunner.Run("bash", TimeSpan.FromMinutes(2), RepositoryPaths.LabScript, "stop");
    }
}

[CollectionDefinition(Name)]
public sealed class LabCollection : ICollectionFixture<LabFixture>
{
    public const string Name = "Lab";
}
