using System;
using System.Net.Sockets;
using System.Reflection;
using System.Threading;
using System.Threading.Tasks;
using Renci.SshNet;
using Renci.SshNet.Common;
using Renci.SshNet.Messages.Connection;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// One SSH "direct-tcpip" channel (RFC 4254 section 7.2) from the session's target to a destination, carried
/// over a socket. SSH.NET keeps these channels internal, and its own forwarders close the whole channel when
/// the local side stops sending (so replies after a half-close are lost), report no reason when the far side
/// refuses, and block a pool thread per connection. This adapter reaches the channel type by reflection (so
/// it is tied to SSH.NET 2026.0.0's internals; <see cref="EnsureSupported"/> says so plainly if they change),
/// runs each channel on its own thread, passes a half-close on as SSH EOF, and reports refusals with the
/// server's reason.
/// </summary>
internal sealed class DirectTcpipChannel
{
    private static readonly Assembly SshNet = typeof(BaseClient).Assembly;
    private static readonly PropertyInfo? SessionProperty = typeof(BaseClient).GetProperty("Session", BindingFlags.NonPublic | BindingFlags.Instance);
    private static readonly MethodInfo? CreateChannelMethod = SshNet.GetType("Renci.SshNet.ISession")?.GetMethod("CreateChannelDirectTcpip");
    private static readonly Type? ChannelType = SshNet.GetType("Renci.SshNet.Channels.ChannelDirectTcpip");
    private static readonly MethodInfo? OpenMethod = ChannelType?.GetMethod("Open", new[] { typeof(string), typeof(uint), typeof(IForwardedPort), typeof(Socket) });
    private static readonly MethodInfo? BindMethod = ChannelType?.GetMethod("Bind", Type.EmptyTypes);
    private static readonly PropertyInfo? IsOpenProperty = ChannelType?.GetProperty("IsOpen");
    private static readonly PropertyInfo? LocalChannelNumberProperty = ChannelType?.GetProperty("LocalChannelNumber");
    private static readonly EventInfo? ClosedEvent = ChannelType?.GetEvent("Closed");
    private static readonly MethodInfo OnClosedMethod = typeof(DirectTcpipChannel).GetMethod(nameof(OnClosed), BindingFlags.NonPublic | BindingFlags.Instance)!;

    private readonly IDisposable _channel;
    private readonly ManualResetEventSlim _closed = new();

    private DirectTcpipChannel(IDisposable channel)
    {
        _channel = channel;
        ClosedEvent!.AddEventHandler(channel, Delegate.CreateDelegate(ClosedEvent.EventHandlerType!, this, OnClosedMethod));
    }

    private bool IsOpen => (bool)IsOpenProperty!.GetValue(_channel)!;

    /// <summary>Throws, once and clearly, if this SSH.NET build does not have the members the adapter relies on.</summary>
    public static void EnsureSupported()
    {
        if (SessionProperty == null || CreateChannelMethod == null || OpenMethod == null || BindMethod == null || !ChannelEof.IsSupported
            || IsOpenProperty == null || LocalChannelNumberProperty == null || ClosedEvent == null)
        {
            throw new JumpHostException(JumpErrorIds.ForwardFailed, JumpErrorKind.InvalidOperation,
                $"Port forwarding needs SSH.NET 2026.0.0's channel internals, which the loaded SSH.NET ({SshNet.GetName().Version}) does not have. " +
                "Load the SSH.NET that ships with JumpHost.");
        }
    }

    /// <summary>
    /// Opens a channel from the client's server to host:port and serves it over <paramref name="socket"/> (which
    /// it then owns and closes) on a thread of its own. The task returns null once the channel is open (serving
    /// goes on until <paramref name="done"/> is cancelled or the far side closes), or the reason it was refused.
    /// </summary>
    public static Task<string?> StartAsync(SshClient client, string host, int port, Socket socket, IForwardedPort owner, CancellationToken done)
    {
        // Set synchronously, before the socket closes: whoever sees the socket close can already read why.
        var opened = new TaskCompletionSource<string?>();
        _ = Task.Factory.StartNew(() => Serve(client, host, port, socket, owner, done, opened), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        return opened.Task;
    }

    private static void Serve(SshClient client, string host, int port, Socket socket, IForwardedPort owner, CancellationToken done, TaskCompletionSource<string?> opened)
    {
        string? refusal = null;
        long channelNumber = -1;
        void OnOpenFailure(object? sender, MessageEventArgs<ChannelOpenFailureMessage> e)
        {
            if (e.Message.LocalChannelNumber == Interlocked.Read(ref channelNumber))
            {
                Volatile.Write(ref refusal, e.Message.Description);
            }
        }

        Session? session = null;
        DirectTcpipChannel? channel = null;
        try
        {
            session = (Session)SessionProperty!.GetValue(client)!;

            // Subscribed before the channel exists, so this handler runs before the channel's own one wakes Open.
            session.ChannelOpenFailureReceived += OnOpenFailure;
            channel = new DirectTcpipChannel((IDisposable)CreateChannelMethod!.Invoke(session, null)!);
            Interlocked.Exchange(ref channelNumber, (uint)LocalChannelNumberProperty!.GetValue(channel._channel)!);
            Invoke(OpenMethod!, channel._channel, host, (uint)port, owner, socket);
            session.ChannelOpenFailureReceived -= OnOpenFailure;
            if (!channel.IsOpen)
            {
                var reason = Volatile.Read(ref refusal);
                opened.TrySetResult(string.IsNullOrEmpty(reason) ? "the server refused to open the channel" : reason);
                return;
            }

            opened.TrySetResult(null);

            // Bind carries the socket's data out until the local side stops sending.
            Invoke(BindMethod!, channel._channel);

            // A half-close, not the end: tell the far side, and keep delivering its data until it closes.
            if (ChannelEof.TrySend(channel._channel))
            {
                WaitHandle.WaitAny(new[] { channel._closed.WaitHandle, done.WaitHandle });
            }
        }
        catch (Exception ex) when (ex is SshException || ex is SocketException || ex is ObjectDisposedException || ex is InvalidOperationException)
        {
            opened.TrySetResult(ex.Message);
        }
        finally
        {
            if (session != null)
            {
                session.ChannelOpenFailureReceived -= OnOpenFailure;
            }

            // Closing waits up to SSH.NET's ChannelCloseTimeout for the server's reply, on this thread only.
            try
            {
                channel?._channel.Dispose();
            }
            catch (Exception)
            {
                // The session is gone: nothing left to close.
            }

            channel?._closed.Dispose();
            socket.Dispose();
            opened.TrySetResult("the channel closed before it opened");
        }
    }

    /// <summary>Calls an SSH.NET method, rethrowing what it threw rather than reflection's wrapper.</summary>
    private static void Invoke(MethodInfo method, object target, params object[] arguments)
    {
        try
        {
            method.Invoke(target, arguments);
        }
        catch (TargetInvocationException ex) when (ex.InnerException != null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(ex.InnerException).Throw();
        }
    }

    private void OnClosed(object? sender, EventArgs e) => _closed.Set();
}
