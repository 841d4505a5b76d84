using System;
using Renci.SshNet;

namespace JumpHost.Engine.Forwarding;

/// <summary>
/// What SSH.NET's channels take as their owner: raising Closing makes every channel opened under it close its
/// socket, so stopping a forward or tunnel cuts its connections at once.
/// </summary>
internal sealed class ChannelOwner : IForwardedPort
{
    public event EventHandler? Closing;

    public void Close() => Closing?.Invoke(this, EventArgs.Empty);

    public void Dispose() => Close();
}
