using System;
using System.Net.Sockets;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// One SSH TCP/IP channel (RFC 4254 section 7) carrying a connected socket directly: a "direct-tcpip" channel this
/// client opens from the session's target to a destination (<see cref="Create"/>, <see cref="Open"/>), or a
/// "forwarded-tcpip" channel the server opens for a connection to a port it listens on for this client
/// (<see cref="Accept"/>). This class reads the socket and hands the bytes to the channel, and a
/// <see cref="ChannelDelivery"/> writes what the far side sends to the socket under a window of its own.
/// SSH.NET keeps these channels internal, and its own forwarders close the whole channel when the local side
/// stops sending (so replies after a half-close are lost), drop the far side's EOF (forwarded-tcpip), report no
/// reason when the far side refuses, block a pool thread per connection, and let one client that stops reading
/// stall the whole session. This adapter reaches the channel by reflection (so it is tied to SSH.NET 2026.0.0's
/// internals; <see cref="EnsureSupported"/> says so plainly if they change), passes half-closes on both ways,
/// keeps delivering the far side's data until it closes, reports refusals with the server's reason, and counts
/// the bytes both ways. A forwarded connection holds no thread while it is idle, and gets one once it sends in
/// bulk; a hop tunnel's channel (<see cref="StartAsync"/>) runs on a thread of its own.
/// </summary>
internal sealed class TcpipChannel : IDisposable
{
    /// <summary>
    /// How much one socket read may take. SendData cuts it into channel packets (32 KiB with OpenSSH); a larger
    /// read saves socket calls and pool hand-offs when the client sends faster than the channel carries.
    /// </summary>
    private const int ReadSize = 256 * 1024;

    /// <summary>
    /// After this many reads in a row that found data already waiting, the client is sending in bulk, and the
    /// connection is carried on a thread of its own.
    /// </summary>
    private const int BulkReads = 4;

    /// <summary>
    /// How much one read of a hop tunnel's socket may take: one channel packet with OpenSSH, so that each hop of a
    /// chain passes data on as soon as a packet of the inner hop's session has arrived.
    /// </summary>
    private const int TunnelReadSize = 32 * 1024;

    private static readonly Assembly SshNet = typeof(BaseClient).Assembly;
    private static readonly Type? SessionInterface = SshNet.GetType("Renci.SshNet.ISession");
    private static readonly MethodInfo? CreateDirectMethod = SessionInterface?.GetMethod("CreateChannelDirectTcpip");
    private static readonly MethodInfo? CreateForwardedMethod = SessionInterface?.GetMethod("CreateChannelForwardedTcpip", new[] { typeof(uint), typeof(uint), typeof(uint) });
    private static readonly ChannelMembers? DirectMembers = ChannelMembers.Find("Renci.SshNet.Channels.ChannelDirectTcpip");
    private static readonly ChannelMembers? ForwardedMembers = ChannelMembers.Find("Renci.SshNet.Channels.ChannelForwardedTcpip");

    private readonly ChannelMembers _members;
    private readonly Session _session;
    private readonly IDisposable _channel;
    private readonly Socket _socket;
    private readonly ForwardCounters? _counters;
    private readonly ChannelDelivery _delivery;
    private readonly TaskCompletionSource<bool> _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource<bool> _sendingOver = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly EventHandler<ExceptionEventArgs> _onSessionError;
    private readonly EventHandler<EventArgs> _onSessionDisconnected;
    private byte[]? _greeting;
    private string? _refusal;
    private int _disposed;

    private TcpipChannel(ChannelMembers members, Session session, IDisposable channel, Socket socket, ForwardCounters? counters)
    {
        _members = members;
        _session = session;
        _channel = channel;
        _socket = socket;
        _counters = counters;
        _onSessionError = (_, _) => End();
        _onSessionDisconnected = (_, _) => End();
        // Only a hop tunnel has no counters; its delivery must not wait on the thread pool.
        _delivery = new ChannelDelivery(socket, (bytes, wait) => ChannelMessages.TryGiveWindow(channel, bytes, wait), counters == null ? null : counters.Received, End, poolFree: counters == null);

        members.SetLocalWindowSize(channel, ChannelDelivery.Window);
        if (members.CanOpen)
        {
            members.OnOpenConfirmed(channel, OnOpenConfirmed);
            members.OnOpenFailed(channel, reason => Volatile.Write(ref _refusal, reason));
        }

        members.OnDataReceived(channel, OnData);
        members.OnEndOfData(channel, _delivery.EndOfData);
        members.OnClosed(channel, () =>
        {
            _sendingOver.TrySetResult(true);
            _delivery.Closed();
        });
        members.OnException(channel, End);
    }

    private bool IsOpen => _members.IsOpen(_channel);

    /// <summary>Throws, once and clearly, if this SSH.NET build does not have the members the adapter relies on.</summary>
    public static void EnsureSupported()
    {
        if (SshNetSession.Property == null || CreateDirectMethod == null || CreateForwardedMethod == null || DirectMembers is not { CanOpen: true }
            || ForwardedMembers is not { CanConfirm: true } || !ServerListener.IsSupported || !ChannelMessages.IsSupported)
        {
            throw new JumpHostException(JumpErrorIds.ForwardFailed, JumpErrorKind.InvalidOperation,
                $"Port forwarding needs SSH.NET 2026.0.0's channel internals, which the loaded SSH.NET ({SshNet.GetName().Version}) does not have. " +
                "Load the SSH.NET that ships with JumpHost.");
        }
    }

    /// <summary>
    /// A channel not yet open, on the client's session, that will carry <paramref name="socket"/>; counts the
    /// bytes into <paramref name="counters"/> if given. Dispose it in every case (it then closes the socket).
    /// </summary>
    public static TcpipChannel Create(SshClient client, Socket socket, ForwardCounters? counters)
    {
        EnsureSupported();
        var session = SshNetSession.Of(client)
            ?? throw new SshConnectionException("The session is not connected.");
        return new TcpipChannel(DirectMembers!, session, (IDisposable)SshNetSession.Invoke(CreateDirectMethod!, session)!, socket, counters);
    }

    /// <summary>
    /// Accepts the channel the server asked to open in <paramref name="request"/>, to carry <paramref name="socket"/>
    /// (already connected to where the connection goes): the channel is confirmed with this class's window, and the
    /// server may send from then on. Then call <see cref="RunAsync"/>, and dispose it in every case (it then closes
    /// the socket).
    /// </summary>
    public static TcpipChannel Accept(Session session, ForwardedTcpipRequest request, Socket socket, ForwardCounters counters)
    {
        EnsureSupported();
        var channel = (IDisposable)SshNetSession.Invoke(CreateForwardedMethod!, session, request.ServerChannel, request.WindowSize, request.PacketSize)!;
        var accepted = new TcpipChannel(ForwardedMembers!, session, channel, socket, counters);
        try
        {
            accepted.WatchSession();
            ForwardedMembers!.Confirm(channel);
            return accepted;
        }
        catch (Exception)
        {
            accepted.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Asks the server to open the channel to host:port and waits for its answer (blocking this thread for one
    /// round trip). Returns null once open, or why it was not (in the server's words when it refused).
    /// <paramref name="greeting"/>, if given, is written to the socket as soon as the server confirms, before any
    /// of the far side's data (a SOCKS reply). Closing <paramref name="owner"/> cuts the connection while it opens;
    /// once it is open, the cancellation given to <see cref="RunAsync"/> or <see cref="StartAsync"/> does.
    /// </summary>
    public string? Open(string host, int port, IForwardedPort owner, byte[]? greeting)
    {
        _greeting = greeting;
        try
        {
            WatchSession();

            // Open blocks until the server answers: tell the pool, so that other work does not wait behind it.
            using (BlockedPoolThreads.Reserve())
            {
                _members.Open(_channel, host, (uint)port, owner, _socket);
            }
        }
        catch (Exception ex) when (ex is SshException || ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException)
        {
            return ex.Message;
        }

        if (IsOpen)
        {
            return null;
        }

        var reason = Volatile.Read(ref _refusal);
        return string.IsNullOrEmpty(reason) ? "the server refused to open the channel" : reason;
    }

    /// <summary>
    /// Carries the open channel until both sides are done, the far side closes, the client fails, the session
    /// drops or <paramref name="done"/> is cancelled; then closes the channel and the socket. An idle connection
    /// holds no thread: reads are asynchronous until the client sends in bulk (data keeps waiting for each read,
    /// or it is more than the server's window takes), and from then on the connection is carried on a thread of
    /// its own (see <see cref="CarryOnThisThread"/>).
    /// </summary>
    /// <remarks>
    /// In bulk, every read that waits hands the connection from the socket engine to a pool thread, and waiting
    /// for the window in SendData parks one (telling the pool so, with <see cref="BlockedPoolThreads"/>, on each
    /// wait made it wake spare workers). Pool workers spinning for work took about half the pool's CPU time in a
    /// 1-hop bulk forward, and that CPU is what the servers on the same machine lacked.
    /// </remarks>
    public async Task RunAsync(CancellationToken done)
    {
        try
        {
            using (done.Register(End))
            {
                var buffer = new byte[ReadSize];
                var backlog = 0;
                while (true)
                {
                    var receive = ReceiveAsync(buffer);
                    backlog = receive.IsCompleted ? backlog + 1 : 0;
                    var read = await receive.ConfigureAwait(false);
                    if (read == 0)
                    {
                        break;
                    }

                    if (backlog >= BulkReads || _members.RemoteWindowSize(_channel) < (uint)read)
                    {
                        var pending = read;
                        await Task.Factory.StartNew(() => CarryOnThisThread(buffer, pending), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
                            .ConfigureAwait(false);
                        return;
                    }

                    Pass(buffer, read);
                }

                // A half-close, not the end: tell the far side, and keep delivering its data until it closes.
                if (!_ended.Task.IsCompleted && ChannelMessages.TrySendEof(_channel))
                {
                    await _ended.Task.ConfigureAwait(false);
                }
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            // The client reset or went away, the channel or session closed, or the forward stopped.
        }
        finally
        {
            Dispose();
        }
    }

    /// <summary>Closes the channel (telling the server, if it is still open) and the socket.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _session.ErrorOccured -= _onSessionError;
        _session.Disconnected -= _onSessionDisconnected;
        try
        {
            if (IsOpen)
            {
                // Closing an open channel waits (up to SSH.NET's ChannelCloseTimeout) for the server's reply.
                using (BlockedPoolThreads.Reserve())
                {
                    _channel.Dispose();
                }
            }
            else
            {
                _channel.Dispose();
            }
        }
        catch (Exception)
        {
            // The session is gone: nothing left to close.
        }

        _socket.Dispose();
        _delivery.Dispose();
        _ended.TrySetResult(true);
        _sendingOver.TrySetResult(true);
    }

    /// <summary>
    /// Opens a channel from the client's server to host:port and serves it over <paramref name="socket"/> (which
    /// it then owns and closes) on a thread of its own. The task returns null once the channel is open (serving
    /// goes on until <paramref name="done"/> is cancelled or the far side closes), or the reason it was refused;
    /// it is set before the socket closes, so whoever sees the socket close can already read why.
    /// </summary>
    /// <remarks>
    /// For hop tunnels, which carry every byte of the sessions inside them: a chain's tunnels and its forwards'
    /// channels all block in SendData (on the server's window and on the next hop's socket), and on shared pool
    /// threads each tunnel's reads went through the socket engine's thread and a pool hand-off. Through three hops
    /// that cost about 0.5-1 client CPU s/GiB and some 10% of the throughput against a thread per tunnel.
    /// </remarks>
    public static Task<string?> StartAsync(SshClient client, string host, int port, Socket socket, IForwardedPort owner, CancellationToken done)
    {
        var opened = new TaskCompletionSource<string?>();
        _ = Task.Factory.StartNew(() => Serve(client, host, port, socket, owner, done, opened), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return opened.Task;
    }

    private static void Serve(SshClient client, string host, int port, Socket socket, IForwardedPort owner, CancellationToken done, TaskCompletionSource<string?> opened)
    {
        TcpipChannel? channel = null;
        try
        {
            // Before the server can send: the delivery's writes then go on from the socket engine's thread, not
            // the thread pool, which the sessions inside this tunnel must never wait for.
            InlineSocketEvents.Enable(socket);
            channel = Create(client, socket, counters: null);
            var refusal = channel.Open(host, port, owner, greeting: null);
            opened.TrySetResult(refusal);
            if (refusal == null)
            {
                using (done.Register(channel.End))
                {
                    channel.CarryOnThisThread(new byte[TunnelReadSize], pending: 0);
                }
            }
        }
        catch (Exception ex) when (IsConnectionEnd(ex))
        {
            // Once the channel is open, this is how serving ends: the inner client or the tunnel closed.
            opened.TrySetResult(ex.Message);
        }
        finally
        {
            channel?.Dispose();
            socket.Dispose();
            opened.TrySetResult("the channel closed before it opened");
        }
    }

    /// <summary>
    /// The rest of <see cref="RunAsync"/> with blocking reads on the calling thread: passes on the first
    /// <paramref name="pending"/> bytes of <paramref name="buffer"/>, then everything the socket delivers, then the
    /// half-close, and returns when the far side has closed too. Exceptions are the caller's to handle.
    /// </summary>
    private void CarryOnThisThread(byte[] buffer, int pending)
    {
        InlineSocketEvents.Enable(_socket);
        var read = pending;
        do
        {
            if (read > 0)
            {
                Pass(buffer, read);
            }
        }
        while ((read = _socket.Receive(buffer)) > 0);

        if (!_ended.Task.IsCompleted && ChannelMessages.TrySendEof(_channel))
        {
            _ended.Task.Wait();
        }
    }

    private static bool IsConnectionEnd(Exception ex) =>
        ex is SocketException || ex is ObjectDisposedException || ex is SshException || ex is InvalidOperationException;

#if NET
    private ValueTask<int> ReceiveAsync(byte[] buffer) => _socket.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
#else
    private Task<int> ReceiveAsync(byte[] buffer) => _socket.ReceiveAsync(new ArraySegment<byte>(buffer), SocketFlags.None);
#endif

    /// <summary>
    /// Hands bytes to the channel, which cuts them into packets, as far as the server's window takes them; waits
    /// while it is shut, until the server opens it or the connection ends. This is the channel's only sender, so
    /// the window can only grow between reading it and SendData, and SendData never waits (nor times out) itself.
    /// </summary>
    private void Pass(byte[] buffer, int count)
    {
        var members = _members;
        for (var offset = 0; offset < count;)
        {
            var window = members.RemoteWindowSize(_channel);
            if (window == 0)
            {
                if (!members.WaitForWindow(_channel, ((IAsyncResult)_sendingOver.Task).AsyncWaitHandle))
                {
                    throw new ObjectDisposedException(nameof(TcpipChannel), "The connection ended while it waited for the server's window.");
                }

                continue;
            }

            var chunk = (int)Math.Min(window, (uint)(count - offset));
            members.SendData(_channel, buffer, offset, chunk);
            offset += chunk;
        }

        _counters?.Sent(count);
    }

    /// <summary>
    /// Runs on the session's receive thread before the channel handles any data from the far side: from here on
    /// the delivery writes to the socket, SSH.NET does not.
    /// </summary>
    private void OnOpenConfirmed()
    {
        _members.DetachSocket(_channel);
        if (_greeting != null)
        {
            _delivery.Greet(_greeting);
        }
    }

    /// <summary>
    /// Runs on the session's receive thread for each piece of data. SSH.NET has just taken it off its own count of
    /// the window; putting it back keeps SSH.NET from ever adjusting the window itself, which the delivery does
    /// once the data has reached the client.
    /// </summary>
    private void OnData(ArraySegment<byte> data)
    {
        _members.SetLocalWindowSize(_channel, ChannelDelivery.Window);
        if (!_delivery.Receive(data))
        {
            End();
        }
    }

    /// <summary>A session that fails or disconnects ends the connection (SSH.NET does not close its channels then).</summary>
    private void WatchSession()
    {
        _session.ErrorOccured += _onSessionError;
        _session.Disconnected += _onSessionDisconnected;
    }

    /// <summary>Cuts the connection: the pending read fails, and <see cref="RunAsync"/> closes the channel.</summary>
    private void End()
    {
        _ended.TrySetResult(true);
        _sendingOver.TrySetResult(true);
        _socket.Dispose();
    }
}
