using System;

namespace JumpHost.Engine;

/// <summary>What kind of failure an engine error is; the cmdlets map it to an ErrorCategory.</summary>
internal enum JumpErrorKind
{
    InvalidArgument,
    NotFound,
    Connection,
    Timeout,
    Security,
    Authentication,
    InvalidData,
    InvalidOperation,
    WriteError,
    ResourceUnavailable,
    ResourceExists,
    PermissionDenied,
}

/// <summary>Stable error identifiers: scripts and tests match on these, so they never change meaning.</summary>
internal static class JumpErrorIds
{
    public const string InvalidHostSpec = "InvalidHostSpec";
    public const string ConfigInvalid = "ConfigInvalid";
    public const string HostNameNotResolved = "HostNameNotResolved";
    public const string HopUnreachable = "HopUnreachable";
    public const string ConnectTimeout = "ConnectTimeout";
    public const string ConnectionFailed = "ConnectionFailed";
    public const string ConnectionLost = "ConnectionLost";
    public const string HostKeyUnknown = "HostKeyUnknown";
    public const string HostKeyMismatch = "HostKeyMismatch";
    public const string HostKeyRevoked = "HostKeyRevoked";
    public const string HostCertificateInvalid = "HostCertificateInvalid";
    public const string KnownHostsWriteFailed = "KnownHostsWriteFailed";
    public const string AuthenticationFailed = "AuthenticationFailed";
    public const string NoCredentials = "NoCredentials";
    public const string KeyFileNotFound = "KeyFileNotFound";
    public const string KeyFileInvalid = "KeyFileInvalid";
    public const string KeyPassphraseRequired = "KeyPassphraseRequired";
    public const string KeyPassphraseIncorrect = "KeyPassphraseIncorrect";
    public const string SessionNotOpen = "SessionNotOpen";
    public const string CommandTimeout = "CommandTimeout";
    public const string CommandFailed = "CommandFailed";
    public const string LocalPortInUse = "LocalPortInUse";
    public const string LocalBindFailed = "LocalBindFailed";
    public const string InvalidBindAddress = "InvalidBindAddress";
    public const string InvalidPort = "InvalidPort";
    public const string NonLoopbackBindRefused = "NonLoopbackBindRefused";
    public const string RemoteForwardRefused = "RemoteForwardRefused";
    public const string ForwardFailed = "ForwardFailed";
    public const string TransferFailed = "TransferFailed";
    public const string SourceNotFound = "SourceNotFound";
    public const string DestinationExists = "DestinationExists";
    public const string DestinationNotDirectory = "DestinationNotDirectory";
    public const string SourceIsDirectory = "SourceIsDirectory";
    public const string RemotePermissionDenied = "RemotePermissionDenied";
    public const string LocalPermissionDenied = "LocalPermissionDenied";
    public const string RemoteDiskFull = "RemoteDiskFull";
    public const string UnsafeRemoteName = "UnsafeRemoteName";
    public const string SymbolicLinkSkipped = "SymbolicLinkSkipped";
    public const string DestinationNotFound = "DestinationNotFound";
    public const string VerificationFailed = "VerificationFailed";

    // The audit log (Set-, Get-, Test-JumpAuditLog, and every operation that records an event).
    public const string AuditWriteFailed = "AuditWriteFailed";
    public const string AuditPathInvalid = "AuditPathInvalid";
    public const string AuditLogNotFound = "AuditLogNotFound";
    public const string AuditLogReadFailed = "AuditLogReadFailed";
    public const string AuditRecordInvalid = "AuditRecordInvalid";
    public const string AuditRedactPatternInvalid = "AuditRedactPatternInvalid";
}

/// <summary>An engine failure with a stable id, a kind and a message that says what to do.</summary>
internal sealed class JumpHostException : Exception
{
    public JumpHostException(string errorId, JumpErrorKind kind, string message, string? target = null, Exception? inner = null)
        : base(message, inner)
    {
        ErrorId = errorId;
        Kind = kind;
        Target = target;
    }

    public string ErrorId { get; }

    public JumpErrorKind Kind { get; }

    /// <summary>The hop or session the error is about, e.g. "relay2:22 via relay1".</summary>
    public string? Target { get; }

    /// <summary>For HostKeyUnknown: the key, so that a user asked (StrictHostKeyChecking ask) can trust it.</summary>
    public UnknownHostKey? UnknownKey { get; init; }
}
