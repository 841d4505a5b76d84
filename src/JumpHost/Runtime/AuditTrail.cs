using JumpHost.Engine;
using JumpHost.Engine.Audit;

namespace JumpHost.Runtime;

/// <summary>
/// Records sessions and forwards in a runspace's audit log: opened and started when a cmdlet has them, and
/// closed and stopped whenever they end (Remove-JumpSession, Stop-PortForward, a -Via session closing, the
/// runspace closing, the module removed), from whichever thread ends them.
/// </summary>
internal static class AuditTrail
{
    /// <summary>
    /// Records an opened session and watches it, so that its closing is recorded too. Returns the error to
    /// report when the record was not written; when the log is required, closes the session and throws it.
    /// </summary>
    public static JumpHostException? SessionOpened(AuditLog audit, ConnectionChain chain)
    {
        chain.Closed += (closed, reason, failure) => audit.RecordLater(AuditEvents.SessionClosed(closed.Trace, reason, failure));
        try
        {
            return audit.Record(AuditEvents.SessionOpened(chain.Trace));
        }
        catch (JumpHostException)
        {
            chain.Close(AuditReasons.NotAudited);
            throw;
        }
    }

    /// <summary>
    /// Records a started forward and watches it, so that its stop is recorded with its final figures. Returns
    /// the error to report when the record was not written; throws it when the log is required (the caller
    /// stops the forward then).
    /// </summary>
    public static JumpHostException? ForwardStarted(AuditLog audit, PortForward forward)
    {
        var engine = forward.Engine!;
        var session = forward.Session.Connection!.Trace.Context;
        var (local, remote) = (engine.LocalEndpoint, engine.RemoteEndpoint);
        engine.Stopped += (stopped, reason) => audit.RecordLater(AuditEvents.ForwardStopped(session, stopped, local, remote, reason));
        return audit.Record(AuditEvents.ForwardStarted(session, engine));
    }
}
