using System;
using System.Collections.Generic;
using System.IO;
using System.Runtime.InteropServices;

namespace JumpHost.Engine.Audit;

/// <summary>
/// Where a runspace's audit records go and what a failure to write them does. Immutable: Set-JumpAuditLog
/// replaces the whole object, so a record is written under one consistent set of settings.
/// </summary>
internal sealed class AuditSettings
{
    /// <summary>The environment variable that moves the default log (an absolute path), or turns it off (<c>off</c>).</summary>
    public const string EnvironmentVariable = "JUMPHOST_AUDIT_LOG";

    public AuditSettings(bool enabled, string path, bool required, IEnumerable<string> redact)
    {
        Enabled = enabled;
        Path = path;
        Required = enabled && required;
        Redactor = new AuditRedactor(redact);
    }

    /// <summary>Whether records are written at all.</summary>
    public bool Enabled { get; }

    /// <summary>The log file, a full path. Kept when auditing is disabled, so that it can be read and verified.</summary>
    public string Path { get; }

    /// <summary>No audit, no access: a record that cannot be written stops the operation.</summary>
    public bool Required { get; }

    public AuditRedactor Redactor { get; }

    /// <summary>The user's redaction patterns (the built-in ones always apply too).</summary>
    public IReadOnlyList<string> Redact => Redactor.UserPatterns;

    /// <summary>The settings a new runspace starts with: on, at JUMPHOST_AUDIT_LOG or the per-user default.</summary>
    public static AuditSettings FromEnvironment()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var value = configured!.Trim();
            if (string.Equals(value, "off", StringComparison.OrdinalIgnoreCase))
            {
                return new AuditSettings(false, DefaultPath(), false, Array.Empty<string>());
            }

            return new AuditSettings(true, ExpandHome(value), false, Array.Empty<string>());
        }

        return new AuditSettings(true, DefaultPath(), false, Array.Empty<string>());
    }

    /// <summary>
    /// The per-user default: <c>%LOCALAPPDATA%\JumpHost\audit.jsonl</c> on Windows;
    /// <c>$XDG_STATE_HOME/jumphost/audit.jsonl</c>, else <c>~/.local/state/jumphost/audit.jsonl</c>, elsewhere.
    /// </summary>
    public static string DefaultPath()
    {
        if (RuntimeInformation.IsOSPlatform(OSPlatform.Windows))
        {
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (string.IsNullOrEmpty(local))
            {
                local = System.IO.Path.Combine(Home(), "AppData", "Local");
            }

            return System.IO.Path.Combine(local, "JumpHost", "audit.jsonl");
        }

        var state = Environment.GetEnvironmentVariable("XDG_STATE_HOME");
        if (!string.IsNullOrEmpty(state) && System.IO.Path.IsPathRooted(state))
        {
            return System.IO.Path.Combine(state, "jumphost", "audit.jsonl");
        }

        return System.IO.Path.Combine(Home(), ".local", "state", "jumphost", "audit.jsonl");
    }

    public AuditSettings With(bool? enabled = null, string? path = null, bool? required = null, IEnumerable<string>? redact = null) =>
        new(enabled ?? Enabled, path ?? Path, required ?? Required, redact ?? Redact);

    private static string ExpandHome(string path)
    {
        if (path == "~" || path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal))
        {
            path = System.IO.Path.Combine(Home(), path.Length > 2 ? path.Substring(2) : string.Empty);
        }

        return System.IO.Path.GetFullPath(path);
    }

    private static string Home()
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? Environment.GetEnvironmentVariable("HOME") ?? Directory.GetCurrentDirectory() : home;
    }
}
