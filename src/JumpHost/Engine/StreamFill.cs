using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace JumpHost.Engine;

/// <summary>
/// Reads until a buffer holds the bytes asked for: pipes, sockets and SSH channels hand them over in pieces.
/// Each returns how many bytes it read, fewer only when the stream ended, so callers say what a short read means.
/// </summary>
internal static class StreamFill
{
    public static int Fill(Stream stream, byte[] buffer, int count)
    {
        var filled = 0;
        int read;
        while (filled < count && (read = stream.Read(buffer, filled, count - filled)) > 0)
        {
            filled += read;
        }

        return filled;
    }

    public static async Task<int> FillAsync(Stream stream, byte[] buffer, int count, CancellationToken cancellationToken)
    {
        var filled = 0;
        int read;
        while (filled < count && (read = await stream.ReadAsync(buffer, filled, count - filled, cancellationToken).ConfigureAwait(false)) > 0)
        {
            filled += read;
        }

        return filled;
    }
}
