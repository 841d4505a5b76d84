using System;
using System.Net.Sockets;
using System.Reflection;
using System.Threading;
using Renci.SshNet;
using Renci.SshNet.Messages.Connection;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// The members of one of SSH.NET's internal TCP/IP channel types that <see cref="TcpipChannel"/> uses, found by
/// reflection once and bound as delegates, so that the per-packet calls (SendData, the server's window, the data
/// received and the window given back for it) cost no more than a virtual call. <see cref="Find"/> returns null
/// if any member every channel needs is missing; <see cref="CanOpen"/> and <see cref="CanConfirm"/> say whether
/// the type has what a channel this client opens (direct-tcpip), or one the server opens (forwarded-tcpip), needs.
/// </summary>
internal abstract class ChannelMembers
{
    private static readonly MethodInfo RelayInvoke = typeof(EventRelay).GetMethod(nameof(EventRelay.Invoke))!;

    /// <summary>The members of the channel type named <paramref name="channelTypeName"/>, e.g. "Renci.SshNet.Channels.ChannelDirectTcpip".</summary>
    public static ChannelMembers? Find(string channelTypeName)
    {
        var sshNet = typeof(BaseClient).Assembly;
        var channelType = sshNet.GetType(channelTypeName);
        var dataType = sshNet.GetType("Renci.SshNet.Common.ChannelDataEventArgs");
        if (channelType == null || dataType == null || !typeof(EventArgs).IsAssignableFrom(dataType))
        {
            return null;
        }

        try
        {
            return (ChannelMembers)Activator.CreateInstance(typeof(ChannelMembers<,>).MakeGenericType(channelType, dataType))!;
        }
        catch (TargetInvocationException)
        {
            // A member is missing or has another signature.
            return null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    /// <summary>True when the channel type is one this client opens, with <see cref="Open"/> and its events.</summary>
    public abstract bool CanOpen { get; }

    /// <summary>True when the channel type is one the server opens, which <see cref="Confirm"/> accepts.</summary>
    public abstract bool CanConfirm { get; }

    /// <summary>Sends the open request and blocks until the server answers (or SSH.NET's timeout).</summary>
    public abstract void Open(object channel, string host, uint port, IForwardedPort owner, Socket socket);

    /// <summary>Sends as channel packets; blocks while the server's window is exhausted.</summary>
    public abstract void SendData(object channel, byte[] data, int offset, int count);

    /// <summary>
    /// Accepts a channel the server asked to open, offering it the channel's local window and packet size; the
    /// server may send data from then on.
    /// </summary>
    public abstract void Confirm(object channel);

    public abstract bool IsOpen(object channel);

    /// <summary>How many bytes the server will still take before it adjusts the window.</summary>
    public abstract uint RemoteWindowSize(object channel);

    /// <summary>
    /// Waits, for as long as it takes, until the server's window is open or <paramref name="cancel"/> is set;
    /// false when cancelled. SSH.NET's own wait in SendData gives up after the connection timeout and breaks the
    /// channel, yet a server may rightly hold its window shut for longer (its own client is busy, or paused).
    /// </summary>
    public abstract bool WaitForWindow(object channel, WaitHandle cancel);

    /// <summary>How much the server may send before it is given more window (read from the channel when it opens).</summary>
    public abstract void SetLocalWindowSize(object channel, uint size);

    /// <summary>
    /// Stops SSH.NET writing the far side's data, EOF and close to the socket it was opened with: from then on
    /// the caller delivers them itself.
    /// </summary>
    public abstract void DetachSocket(object channel);

    /// <summary>
    /// Calls <paramref name="handler"/>, on the session's receive thread, with each piece of data the far side
    /// sends; the bytes are only valid during the call.
    /// </summary>
    public abstract void OnDataReceived(object channel, Action<ArraySegment<byte>> handler);

    /// <summary>Raised on the session's receive thread when the far side sends EOF.</summary>
    public abstract void OnEndOfData(object channel, Action handler);

    /// <summary>Raised on the session's receive thread once the server confirms, before any data of the channel.</summary>
    public abstract void OnOpenConfirmed(object channel, Action handler);

    /// <summary>Raised with the server's reason before Open returns.</summary>
    public abstract void OnOpenFailed(object channel, Action<string?> handler);

    /// <summary>Raised when the server closed the channel.</summary>
    public abstract void OnClosed(object channel, Action handler);

    /// <summary>Raised when handling the channel's messages failed (e.g. writing to a socket whose client reset).</summary>
    public abstract void OnException(object channel, Action handler);

    protected static void Subscribe(EventInfo evt, object target, Action<EventArgs> handler) =>
        evt.AddEventHandler(target, Delegate.CreateDelegate(evt.EventHandlerType!, new EventRelay(handler), RelayInvoke));

    /// <summary>Receives an event whose arguments are of an internal SSH.NET type (bound contravariantly).</summary>
    private sealed class EventRelay
    {
        private readonly Action<EventArgs> _handler;

        public EventRelay(Action<EventArgs> handler)
        {
            _handler = handler;
        }

        public void Invoke(object? sender, EventArgs e) => _handler(e);
    }
}

/// <summary>The members bound to the actual channel and event argument types.</summary>
internal sealed class ChannelMembers<TChannel, TData> : ChannelMembers
    where TChannel : class
    where TData : EventArgs
{
    private readonly Action<TChannel, string, uint, IForwardedPort, Socket>? _open;
    private readonly Action<TChannel, ChannelOpenConfirmationMessage>? _sendConfirmation;
    private readonly Func<TChannel, uint> _localChannelNumber;
    private readonly Func<TChannel, uint> _remoteChannelNumber;
    private readonly Func<TChannel, uint> _localWindowSize;
    private readonly Func<TChannel, uint> _localPacketSize;
    private readonly Action<TChannel, byte[], int, int> _sendData;
    private readonly Func<TChannel, bool> _isOpen;
    private readonly Func<TChannel, uint> _remoteWindowSize;
    private readonly FieldInfo _windowLock;
    private readonly FieldInfo _windowAdjusted;
    private readonly Action<TChannel, uint> _setLocalWindowSize;
    private readonly FieldInfo _socket;
    private readonly Action<TChannel, EventHandler<TData>> _addDataReceived;
    private readonly Func<TData, ArraySegment<byte>> _data;
    private readonly EventInfo _endOfData;
    private readonly EventInfo? _openConfirmed;
    private readonly EventInfo? _openFailed;
    private readonly EventInfo _closed;
    private readonly EventInfo _exception;
    private readonly PropertyInfo? _failureDescription;

    public ChannelMembers()
    {
        var channel = typeof(TChannel);
        _open = BindIfPresent<Action<TChannel, string, uint, IForwardedPort, Socket>>(channel.GetMethod("Open", new[] { typeof(string), typeof(uint), typeof(IForwardedPort), typeof(Socket) }));
        _sendConfirmation = BindIfPresent<Action<TChannel, ChannelOpenConfirmationMessage>>(
            channel.GetMethod("SendMessage", BindingFlags.NonPublic | BindingFlags.Instance, null, new[] { typeof(ChannelOpenConfirmationMessage) }, null));
        var localWindowSize = channel.GetProperty("LocalWindowSize");
        _localChannelNumber = Bind<Func<TChannel, uint>>(channel.GetProperty("LocalChannelNumber")?.GetGetMethod());
        _remoteChannelNumber = Bind<Func<TChannel, uint>>(channel.GetProperty("RemoteChannelNumber")?.GetGetMethod());
        _localWindowSize = Bind<Func<TChannel, uint>>(localWindowSize?.GetGetMethod());
        _localPacketSize = Bind<Func<TChannel, uint>>(channel.GetProperty("LocalPacketSize")?.GetGetMethod());
        _sendData = Bind<Action<TChannel, byte[], int, int>>(channel.GetMethod("SendData", new[] { typeof(byte[]), typeof(int), typeof(int) }));
        _isOpen = Bind<Func<TChannel, bool>>(channel.GetProperty("IsOpen")?.GetGetMethod());
        _remoteWindowSize = Bind<Func<TChannel, uint>>(channel.GetProperty("RemoteWindowSize")?.GetGetMethod());
        _windowLock = BaseField(channel, "_serverWindowSizeLock");
        _windowAdjusted = BaseField(channel, "_channelServerWindowAdjustWaitHandle");
        _setLocalWindowSize = Bind<Action<TChannel, uint>>(localWindowSize?.DeclaringType?.GetProperty("LocalWindowSize")?.GetSetMethod(nonPublic: true));
        _socket = channel.GetField("_socket", BindingFlags.NonPublic | BindingFlags.Instance) ?? throw Missing("_socket");
        _addDataReceived = Bind<Action<TChannel, EventHandler<TData>>>(channel.GetEvent("DataReceived")?.GetAddMethod());
        _endOfData = channel.GetEvent("EndOfData") ?? throw Missing("EndOfData");
        _data = Bind<Func<TData, ArraySegment<byte>>>(typeof(TData).GetProperty("Data")?.GetGetMethod());
        _openConfirmed = channel.GetEvent("OpenConfirmed");
        _openFailed = channel.GetEvent("OpenFailed");
        _closed = channel.GetEvent("Closed") ?? throw Missing("Closed");
        _exception = channel.GetEvent("Exception") ?? throw Missing("Exception");
        _failureDescription = _openFailed?.EventHandlerType?.GetMethod("Invoke")?.GetParameters()[1].ParameterType.GetProperty("Description");
    }

    public override bool CanOpen => _open != null && _openConfirmed != null && _failureDescription != null;

    public override bool CanConfirm => _sendConfirmation != null;

    public override void Open(object channel, string host, uint port, IForwardedPort owner, Socket socket) =>
        (_open ?? throw Missing("Open"))((TChannel)channel, host, port, owner, socket);

    public override void Confirm(object channel)
    {
        var typed = (TChannel)channel;
        var send = _sendConfirmation ?? throw Missing("SendMessage(ChannelOpenConfirmationMessage)");
        send(typed, new ChannelOpenConfirmationMessage(_remoteChannelNumber(typed), _localWindowSize(typed), _localPacketSize(typed), _localChannelNumber(typed)));
    }

    public override void SendData(object channel, byte[] data, int offset, int count) => _sendData((TChannel)channel, data, offset, count);

    public override bool IsOpen(object channel) => _isOpen((TChannel)channel);

    public override uint RemoteWindowSize(object channel) => _remoteWindowSize((TChannel)channel);

    public override bool WaitForWindow(object channel, WaitHandle cancel)
    {
        var typed = (TChannel)channel;
        var gate = _windowLock.GetValue(channel)!;
        var adjusted = (EventWaitHandle)_windowAdjusted.GetValue(channel)!;
        while (true)
        {
            // As SSH.NET's own wait does: reset under the lock its window adjusts take, so that none is missed.
            lock (gate)
            {
                if (_remoteWindowSize(typed) > 0)
                {
                    return true;
                }

                adjusted.Reset();
            }

            if (WaitHandle.WaitAny(new[] { adjusted, cancel }) == 1)
            {
                return false;
            }
        }
    }

    public override void SetLocalWindowSize(object channel, uint size) => _setLocalWindowSize((TChannel)channel, size);

    public override void DetachSocket(object channel) => _socket.SetValue(channel, null);

    public override void OnDataReceived(object channel, Action<ArraySegment<byte>> handler)
    {
        var data = _data;
        _addDataReceived((TChannel)channel, (_, e) => handler(data(e)));
    }

    public override void OnEndOfData(object channel, Action handler) => Subscribe(_endOfData, channel, _ => handler());

    public override void OnOpenConfirmed(object channel, Action handler) => Subscribe(_openConfirmed ?? throw Missing("OpenConfirmed"), channel, _ => handler());

    public override void OnOpenFailed(object channel, Action<string?> handler)
    {
        var description = _failureDescription ?? throw Missing("OpenFailed's Description");
        Subscribe(_openFailed!, channel, e => handler(description.GetValue(e) as string));
    }

    public override void OnClosed(object channel, Action handler) => Subscribe(_closed, channel, _ => handler());

    public override void OnException(object channel, Action handler) => Subscribe(_exception, channel, _ => handler());

    private static FieldInfo BaseField(Type channel, string name)
    {
        for (var type = channel; type != null; type = type.BaseType)
        {
            if (type.GetField(name, BindingFlags.NonPublic | BindingFlags.Instance) is { } field)
            {
                return field;
            }
        }

        throw Missing(name);
    }

    private static T Bind<T>(MethodInfo? method)
        where T : Delegate =>
        BindIfPresent<T>(method) ?? throw Missing(typeof(T).Name);

    private static T? BindIfPresent<T>(MethodInfo? method)
        where T : Delegate =>
        method == null ? null : (T)Delegate.CreateDelegate(typeof(T), method);

    private static MissingMemberException Missing(string member) => new($"SSH.NET's {typeof(TChannel).Name} has no {member}.");
}
