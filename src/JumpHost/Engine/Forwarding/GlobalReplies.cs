using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Messages.Connection;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// The server's answers to this client's global requests (RFC 4254 section 4) on one session. An answer names no
/// request: answers come in the order the requests were sent. So each request is queued with its handler as it is
/// sent, and each answer goes to the oldest one waiting. (SSH.NET's own remote forward let every forward that
/// waited take whichever answer came first.)
/// </summary>
internal sealed class GlobalReplies
{
    private static readonly ConditionalWeakTable<Session, GlobalReplies> Sessions = new();

    private readonly Session _session;
    private readonly object _sendGate = new();
    private readonly LinkedList<Action<bool, uint?>> _waiting = new();
    private bool _ended;

    private GlobalReplies(Session session)
    {
        _session = session;
        session.RegisterMessage("SSH_MSG_REQUEST_SUCCESS");
        session.RegisterMessage("SSH_MSG_REQUEST_FAILURE");
        session.RequestSuccessReceived += (_, e) => Answer(granted: true, e.Message.BoundPort);
        session.RequestFailureReceived += (_, _) => Answer(granted: false, null);
        session.Disconnected += (_, _) => EndAll();
        session.ErrorOccured += (_, _) => EndAll();
    }

    public static GlobalReplies Of(Session session) => Sessions.GetValue(session, s => new GlobalReplies(s));

    /// <summary>
    /// Sends <paramref name="request"/> (one that wants a reply) and calls <paramref name="onAnswer"/> with whether
    /// the server granted it and the port it reported, on the session's receive thread (so it must not block), or
    /// with false once the session ends unanswered. Throws, without ever calling it, if the request cannot be sent.
    /// </summary>
    public void Send(GlobalRequestMessage request, Action<bool, uint?> onAnswer)
    {
        // Queued and sent under one lock so that the queue's order is the order on the wire; the receive thread
        // takes only the queue's own lock, never this one, so a send that waits for the socket cannot stall it.
        lock (_sendGate)
        {
            lock (_waiting)
            {
                if (_ended)
                {
                    throw new SshConnectionException("The session has ended.");
                }

                _waiting.AddLast(onAnswer);
            }

            try
            {
                SshNetSession.Send(_session, request);
            }
            catch (Exception)
            {
                lock (_waiting)
                {
                    // Still the last: nothing else is queued while the send lock is held, and the server cannot
                    // have answered a request it never got.
                    _waiting.RemoveLast();
                }

                throw;
            }
        }
    }

    private void Answer(bool granted, uint? port)
    {
        Action<bool, uint?> onAnswer;
        lock (_waiting)
        {
            if (_waiting.First == null)
            {
                return;
            }

            onAnswer = _waiting.First.Value;
            _waiting.RemoveFirst();
        }

        onAnswer(granted, port);
    }

    private void EndAll()
    {
        Action<bool, uint?>[] unanswered;
        lock (_waiting)
        {
            _ended = true;
            unanswered = new Action<bool, uint?>[_waiting.Count];
            _waiting.CopyTo(unanswered, 0);
            _waiting.Clear();
        }

        foreach (var onAnswer in unanswered)
        {
            onAnswer(false, null);
        }
    }
}
