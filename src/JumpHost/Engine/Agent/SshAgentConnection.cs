using System;
using System.IO;
using System.IO.Pipes;
using System.Net.Sockets;
using System.Security.Principal;
using System.Threading;

namespace JumpHost.Engine.Agent;

/// <summary>
/// Sends one request to the agent and reads its reply, over a connection of its own. A connection per
/// request leaves nothing shared between threads (parallel connects need no lock) and reaches an agent
/// that was restarted since the last request. The whole exchange has a deadline: when it passes the
/// connection is closed under the blocked read, so a stuck agent cannot hang a connect.
/// </summary>
internal static class SshAgentConnection
{
    /// <summary>OpenSSH's agent takes no message over 256 KiB; a longer reply is not from a sound agent.</summary>
    public const int MaxMessageLength = 256 * 1024;

    public static byte[] Exchange(SshAgentAddress agent, byte[] request, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        using var stream = Connect(agent, timeout, deadline.Token);
        try
        {
            using (deadline.Token.Register(stream.Dispose))
            {
                stream.Write(request, 0, request.Length);
                var header = ReadExactly(stream, 4, agent);
                var length = (header[0] << 24) | (header[1] << 16) | (header[2] << 8) | header[3];
                if (length <= 0 || length > MaxMessageLength)
                {
                    throw new SshAgentException(agent,
                        $"The SSH agent at {agent} sent a message of {(uint)length} bytes, which no SSH agent sends (at most {MaxMessageLength}): it is not an SSH agent or it is broken. {agent.Advice}");
                }

                return ReadExactly(stream, length, agent);
            }
        }
        catch (Exception ex) when (deadline.IsCancellationRequested)
        {
            // Closing the connection at the deadline shows up as whatever the blocked read makes of it.
            throw TimedOut(agent, timeout, ex);
        }
        catch (Exception ex) when (ex is IOException || ex is SocketException || ex is ObjectDisposedException)
        {
            throw new SshAgentException(agent, $"The connection to the SSH agent at {agent} failed ({ex.Message.TrimEnd('.')}). {agent.Advice}", ex);
        }
    }

    private static Stream Connect(SshAgentAddress agent, TimeSpan timeout, CancellationToken deadline)
    {
        try
        {
            return agent.IsNamedPipe ? ConnectPipe(agent, timeout) : ConnectSocket(agent, deadline);
        }
        catch (Exception ex) when (deadline.IsCancellationRequested || ex is TimeoutException)
        {
            throw TimedOut(agent, timeout, ex);
        }
        catch (SocketException ex) when (ex.SocketErrorCode == SocketError.ConnectionRefused)
        {
            throw new SshAgentException(agent, $"Nothing listens on {agent}: it is the socket of an agent that has exited, or not a socket at all. {agent.Advice}", ex);
        }
        catch (Exception ex) when (ex is SocketException || ex is IOException || ex is UnauthorizedAccessException || ex is ArgumentException)
        {
            throw new SshAgentException(agent, $"Cannot connect to the SSH agent at {agent} ({ex.Message.TrimEnd('.')}). {agent.Advice}", ex);
        }
    }

    private static Stream ConnectPipe(SshAgentAddress agent, TimeSpan timeout)
    {
        if (!NamedPipeProbe.Exists(agent.Path))
        {
            throw new SshAgentException(agent, $"There is no SSH agent pipe {agent}. {agent.Advice}");
        }

        // Identification, as Windows' ssh connects: the agent may learn who we are but not act as us.
        // Asynchronous: closing the pipe at the deadline then aborts a blocked read.
        var (server, name) = agent.PipeParts();
        var pipe = new NamedPipeClientStream(server, name, PipeDirection.InOut, PipeOptions.Asynchronous, TokenImpersonationLevel.Identification);
        try
        {
            pipe.Connect((int)Math.Min(int.MaxValue, timeout.TotalMilliseconds));
            return pipe;
        }
        catch
        {
            pipe.Dispose();
            throw;
        }
    }

    private static Stream ConnectSocket(SshAgentAddress agent, CancellationToken deadline)
    {
#if NET8_0_OR_GREATER
        if (!File.Exists(agent.Path))
        {
            throw new SshAgentException(agent, $"There is no SSH agent socket {agent}. {agent.Advice}");
        }

        var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        try
        {
            using (deadline.Register(socket.Dispose))
            {
                socket.Connect(new UnixDomainSocketEndPoint(agent.Path));
            }

            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
#else
        throw new SshAgentException(agent,
            $"Windows PowerShell reaches an SSH agent through a named pipe only (\\\\.\\pipe\\...), and {agent} is not one. Use PowerShell 7, or the Windows OpenSSH agent service: {agent.Advice}");
#endif
    }

    /// <summary>Reads exactly <paramref name="count"/> bytes: a pipe or socket may hand them over in pieces.</summary>
    private static byte[] ReadExactly(Stream stream, int count, SshAgentAddress agent)
    {
        var buffer = new byte[count];
        if (StreamFill.Fill(stream, buffer, count) < count)
        {
            throw new SshAgentException(agent,
                $"The SSH agent at {agent} closed the connection without a complete answer: it is not an SSH agent, or it does not understand the request. {agent.Advice}");
        }

        return buffer;
    }

    private static SshAgentException TimedOut(SshAgentAddress agent, TimeSpan timeout, Exception inner) =>
        new(agent,
            $"The SSH agent at {agent} did not answer within {timeout.TotalSeconds:0.#} s. It may be waiting for a confirmation (a key added with ssh-add -c) or be stuck; restart it if so. {agent.Advice}",
            inner);
}
