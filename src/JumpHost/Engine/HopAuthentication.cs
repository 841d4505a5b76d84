using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using JumpHost.Engine.Agent;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Security;

namespace JumpHost.Engine;

/// <summary>
/// The authentication methods one hop offers, in ssh's order: the identity files (through the agent when it
/// holds the same key), then the agent's other keys unless IdentitiesOnly, then the password.
/// </summary>
internal sealed class HopAuthentication : IDisposable
{
    private readonly List<AuthenticationMethod> _methods = new();
    private byte[]? _password;

    private HopAuthentication()
    {
    }

    public AuthenticationMethod[] Methods => _methods.ToArray();

    /// <summary>The methods for the hop; <paramref name="accepted"/> hears the name of each method the server accepts.</summary>
    public static HopAuthentication For(HopTarget hop, KeyRing keys, ConnectReporter reporter, Action<string> accepted)
    {
        var plan = hop.Authentication;
        var authentication = new HopAuthentication();
        var agent = plan.IdentityAgent == "none" ? null : keys.Agent(plan.IdentityAgent);
        var offered = new List<HostAlgorithm>();
        var agentKeysUsed = new HashSet<string>(StringComparer.Ordinal);

        foreach (var file in plan.KeyFiles.Concat(plan.ConfigIdentityFiles).Distinct(StringComparer.Ordinal))
        {
            var explicitlyGiven = plan.KeyFiles.Contains(file);
            if (!explicitlyGiven && !File.Exists(file))
            {
                continue;
            }

            // The agent's copy of the same key needs no file and no passphrase.
            var fromAgent = AgentCopy(agent, file);
            if (fromAgent.Count > 0)
            {
                offered.AddRange(fromAgent);
                agentKeysUsed.Add(Convert.ToBase64String(((SshAgentHostAlgorithm)fromAgent[0]).Identity.KeyBlob));
                reporter.Verbose($"{hop.Name}: offering {file} through the agent.");
                continue;
            }

            try
            {
                var key = keys.Load(file, plan.Passphrase, CertificateCandidates(plan, file));
                offered.AddRange(key.HostKeyAlgorithms);
                reporter.Verbose($"{hop.Name}: offering {file} ({string.Join(", ", key.HostKeyAlgorithms.Select(a => a.Name))}).");
            }
            catch (JumpHostException ex) when (!explicitlyGiven)
            {
                // ssh skips an identity from ssh_config it cannot use and tries the next one.
                reporter.Verbose($"{hop.Name}: skipping {file}: {ex.Message}");
            }
        }

        if (agent != null && !plan.IdentitiesOnly)
        {
            foreach (var algorithm in agent.HostKeyAlgorithms.Cast<SshAgentHostAlgorithm>())
            {
                if (!agentKeysUsed.Contains(Convert.ToBase64String(algorithm.Identity.KeyBlob)))
                {
                    offered.Add(algorithm);
                }
            }
        }

        if (offered.Count > 0)
        {
            authentication._methods.Add(new Recorded(new PrivateKeyAuthenticationMethod(hop.User, new OfferedKeys(offered)), accepted));
        }

        if (plan.Password != null)
        {
            var password = KeyFiles.Utf8Bytes(plan.Password);
            authentication._password = password;
            authentication._methods.Add(new Recorded(new PasswordAuthenticationMethod(hop.User, password), accepted));
        }

        // Keyboard-interactive answers password questions with -Credential's password (servers that disable
        // "password" often still take it this way) and every other question (a one-time password after the
        // key, for MFA) through the handler or the person at the console.
        if (plan.Password != null || reporter.AnswerPrompt != null)
        {
            var keyboard = new KeyboardInteractiveAuthenticationMethod(hop.User);
            keyboard.AuthenticationPrompt += (_, e) => authentication.Answer(hop, e, reporter);
            authentication._methods.Add(new Recorded(keyboard, accepted));
        }

        if (authentication._methods.Count == 0)
        {
            throw new JumpHostException(JumpErrorIds.NoCredentials, JumpErrorKind.InvalidArgument,
                $"No credentials to log in to {hop.Name} with: give -KeyFile (a private key) or -Credential (a user name and password), " +
                "add a key to ssh-agent, or name an IdentityFile in ssh_config. No default key (~/.ssh/id_ed25519, id_ecdsa, id_rsa) could be used.", hop.Name);
        }

        return authentication;
    }

    public void Dispose()
    {
        if (_password != null)
        {
            Array.Clear(_password, 0, _password.Length);
            _password = null;
        }
    }

    /// <summary>The agent's algorithms for the key whose public half is the file's .pub, if the agent holds it.</summary>
    private static IReadOnlyList<HostAlgorithm> AgentCopy(SshAgentKeySource? agent, string file)
    {
        if (agent == null || !File.Exists(file + ".pub"))
        {
            return Array.Empty<HostAlgorithm>();
        }

        var fields = File.ReadAllText(file + ".pub").Split(new[] { ' ', '\t' }, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length < 2)
        {
            return Array.Empty<HostAlgorithm>();
        }

        return agent.HostKeyAlgorithms.Cast<SshAgentHostAlgorithm>()
            .Where(a => Convert.ToBase64String(a.Identity.KeyBlob) == fields[1])
            .ToList<HostAlgorithm>();
    }

    /// <summary>Certificates that may certify the key, as ssh looks for them: file-cert.pub, then ssh_config's CertificateFile.</summary>
    private static IReadOnlyList<string> CertificateCandidates(AuthenticationPlan plan, string file) =>
        new[] { file + "-cert.pub" }.Concat(plan.CertificateFiles).Where(File.Exists).Distinct(StringComparer.Ordinal).ToList();

    private void Answer(HopTarget hop, AuthenticationPromptEventArgs e, ConnectReporter reporter)
    {
        // Runs on SSH.NET's thread: an escaping exception would end the process, so unanswered stays empty.
        foreach (var prompt in e.Prompts)
        {
            try
            {
                var password = _password;
                if (password != null && prompt.Request.IndexOf("password", StringComparison.OrdinalIgnoreCase) >= 0
                    && prompt.Request.IndexOf("one-time", StringComparison.OrdinalIgnoreCase) < 0)
                {
                    prompt.Response = Encoding.UTF8.GetString(password);
                    continue;
                }

                var question = new KeyboardInteractivePrompt(hop.Name, hop.User, e.Instruction ?? string.Empty, prompt.Request, prompt.IsEchoed);
                prompt.Response = reporter.AnswerPrompt?.Invoke(question) ?? string.Empty;
            }
            catch (Exception ex)
            {
                reporter.Warning($"{hop.Name}: the question '{prompt.Request}' could not be answered: {ex.Message}");
                prompt.Response = string.Empty;
            }
        }
    }

    /// <summary>
    /// A method that reports when the server accepts it (for the audit log: SSH.NET does not say which method
    /// logged in). SSH.NET picks methods by name and reads the methods the server still allows after each try.
    /// </summary>
    private sealed class Recorded : AuthenticationMethod
    {
        private readonly AuthenticationMethod _inner;
        private readonly Action<string> _accepted;

        public Recorded(AuthenticationMethod inner, Action<string> accepted)
            : base(inner.Username)
        {
            _inner = inner;
            _accepted = accepted;
        }

        public override string Name => _inner.Name;

        public override AuthenticationResult Authenticate(Session session)
        {
            var result = _inner.Authenticate(session);
            AllowedAuthentications = _inner.AllowedAuthentications;
            if (result != AuthenticationResult.Failure)
            {
                _accepted(_inner.Name);
            }

            return result;
        }
    }

    /// <summary>The keys offered, in order, as SSH.NET takes them.</summary>
    private sealed class OfferedKeys : IPrivateKeySource
    {
        public OfferedKeys(IReadOnlyCollection<HostAlgorithm> algorithms)
        {
            HostKeyAlgorithms = algorithms;
        }

        public IReadOnlyCollection<HostAlgorithm> HostKeyAlgorithms { get; }
    }
}
