using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.Globalization;
using System.Management.Automation;
using System.Management.Automation.Host;
using System.Security;

namespace JumpHost.Tests.Infrastructure;

/// <summary>
/// An interactive PowerShell host whose user answers from a script: the tests use it to check what the
/// module asks a person at a console (trust this host key? the one-time code?) and how it uses the answers.
/// </summary>
public sealed class ScriptedHost : PSHost
{
    private readonly ScriptedUI _ui = new();

    public override string Name => "JumpHost.Tests.ScriptedHost";

    public override Version Version => new(1, 0);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override CultureInfo CurrentCulture => CultureInfo.InvariantCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.InvariantCulture;

    public override PSHostUserInterface UI => _ui;

    /// <summary>Answers for PromptForChoice (ShouldContinue), by choice index, in order.</summary>
    public ConcurrentQueue<int> Choices => _ui.Choices;

    /// <summary>Answers for Prompt, in order (each answers one field).</summary>
    public ConcurrentQueue<string> Answers => _ui.Answers;

    /// <summary>Every caption and message the module showed the user.</summary>
    public IReadOnlyCollection<string> Shown => _ui.Shown;

    public override void EnterNestedPrompt() => throw new NotSupportedException();

    public override void ExitNestedPrompt() => throw new NotSupportedException();

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    public override void SetShouldExit(int exitCode)
    {
    }

    private sealed class ScriptedUI : PSHostUserInterface
    {
        private readonly ConcurrentQueue<string> _shown = new();

        public ConcurrentQueue<int> Choices { get; } = new();

        public ConcurrentQueue<string> Answers { get; } = new();

        public IReadOnlyCollection<string> Shown => _shown;

        public override PSHostRawUserInterface? RawUI => null;

        public override int PromptForChoice(string caption, string message, Collection<ChoiceDescription> choices, int defaultChoice)
        {
            _shown.Enqueue(caption + ": " + message);
            return Choices.TryDequeue(out var choice) ? choice : throw new InvalidOperationException("The test gave no answer for: " + message);
        }

        public override Dictionary<string, PSObject> Prompt(string caption, string message, Collection<FieldDescription> descriptions)
        {
            _shown.Enqueue(caption + ": " + message);
            var answers = new Dictionary<string, PSObject>();
            foreach (var field in descriptions)
            {
                _shown.Enqueue(field.Name);
                var answer = Answers.TryDequeue(out var text) ? text : throw new InvalidOperationException("The test gave no answer for: " + field.Name);
                answers[field.Name] = field.ParameterTypeFullName == typeof(SecureString).FullName
                    ? PSObject.AsPSObject(ToSecure(answer))
                    : PSObject.AsPSObject(answer);
            }

            return answers;
        }

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName) =>
            throw new NotSupportedException();

        public override PSCredential PromptForCredential(string caption, string message, string userName, string targetName, PSCredentialTypes allowedCredentialTypes, PSCredentialUIOptions options) =>
            throw new NotSupportedException();

        public override string ReadLine() => Answers.TryDequeue(out var text) ? text : string.Empty;

        public override SecureString ReadLineAsSecureString() => ToSecure(ReadLine());

        public override void Write(string value) => _shown.Enqueue(value);

        public override void Write(ConsoleColor foregroundColor, ConsoleColor backgroundColor, string value) => _shown.Enqueue(value);

        public override void WriteLine(string value) => _shown.Enqueue(value);

        public override void WriteErrorLine(string value) => _shown.Enqueue(value);

        public override void WriteDebugLine(string message) => _shown.Enqueue(message);

        public override void WriteProgress(long sourceId, ProgressRecord record)
        {
        }

        public override void WriteVerboseLine(string message) => _shown.Enqueue(message);

        public override void WriteWarningLine(string message) => _shown.Enqueue(message);

        private static SecureString ToSecure(string text)
        {
            var secure = new SecureString();
            foreach (var c in text)
            {
                secure.AppendChar(c);
            }

            secure.MakeReadOnly();
            return secure;
        }
    }
}
