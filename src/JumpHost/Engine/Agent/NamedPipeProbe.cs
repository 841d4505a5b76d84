using System.Runtime.InteropServices;

namespace JumpHost.Engine.Agent;

/// <summary>
/// Tells whether a Windows named pipe exists without connecting to it. NamedPipeClientStream.Connect cannot:
/// it retries a missing pipe until its timeout, which would delay every connect on a machine whose agent
/// service is stopped, where Windows' ssh simply goes on without an agent.
/// </summary>
internal static class NamedPipeProbe
{
    private const int ErrorFileNotFound = 2;

    /// <summary>True when the pipe exists, free or busy (a busy pipe makes WaitNamedPipe time out instead).</summary>
    public static bool Exists(string pipePath) =>
        WaitNamedPipe(pipePath, 1) || Marshal.GetLastWin32Error() != ErrorFileNotFound;

    [DllImport("kernel32.dll", EntryPoint = "WaitNamedPipeW", CharSet = CharSet.Unicode, SetLastError = true)]
    [return: MarshalAs(UnmanagedType.Bool)]
    private static extern bool WaitNamedPipe(string name, uint timeoutMilliseconds);
}
