using System.Net.Sockets;
using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// Message framing over one TCP socket for a protocol without delimiters: read one message with a
/// per-phase timeout for the first byte, then keep reading until it is complete (caller's predicate),
/// the sender goes quiet for <see cref="LegacyEchoLimits.QuietPeriod"/>, or it exceeds
/// <see cref="LegacyEchoLimits.MaxMessageSize"/> (rejected at once, so 10 MB of garbage costs one buffer).
/// Whole-message assembly is bounded by the phase timeout too, so a trickling peer cannot hold a slot forever.
/// </summary>
internal sealed class LegacyConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly LegacyEchoLimits _limits;
    private readonly byte[] _buffer;
    private bool _peerClosed;

    public LegacyConnection(Socket socket, LegacyEchoLimits limits)
    {
        _socket = socket;
        _limits = limits;
        _buffer = new byte[limits.MaxMessageSize + 1];
    }

    public Socket Socket => _socket;

    /// <summary>One message, or null when the peer closed the connection before sending anything.</summary>
    public async Task<byte[]?> ReceiveAsync(string phase, TimeSpan timeout, Func<ReadOnlyMemory<byte>, bool>? isComplete, CancellationToken cancellationToken)
    {
        if (_peerClosed)
        {
            return null;
        }

        DateTime deadline = DateTime.UtcNow + timeout;
        int length = await ReadSomeAsync(0, timeout, phase, quiet: false, cancellationToken).ConfigureAwait(false);
        if (length == 0)
        {
            _peerClosed = true;
            return null;
        }

        while (true)
        {
            if (length > _limits.MaxMessageSize)
            {
                throw new SnekException("LegacyMessageTooLarge", ErrorKind.InvalidData,
                    $"The {phase} is larger than {_limits.MaxMessageSize} bytes; rejected.");
            }

            if (isComplete is not null && isComplete(_buffer.AsMemory(0, length)))
            {
                break;
            }

            TimeSpan remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw Timeout(phase);
            }

            int n = await ReadSomeAsync(length, remaining < _limits.QuietPeriod ? remaining : _limits.QuietPeriod, phase, quiet: true, cancellationToken).ConfigureAwait(false);
            if (n < 0)
            {
                break; // quiet gap: the sender is waiting for us
            }

            if (n == 0)
            {
                _peerClosed = true; // sent, then closed: what we have is the message
                break;
            }

            length += n;
        }

        return _buffer.AsSpan(0, length).ToArray();
    }

    public async Task SendAsync(ReadOnlyMemory<byte> data, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using CancellationTokenSource cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            // One send per message, as the originals do (they frame by recv boundaries).
            while (!data.IsEmpty)
            {
                int n = await _socket.SendAsync(data, SocketFlags.None, cts.Token).ConfigureAwait(false);
                data = data[n..];
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw Timeout("send");
        }
    }

    /// <summary>Bytes read (0 = peer closed); -1 when <paramref name="quiet"/> and the wait ran out.</summary>
    private async Task<int> ReadSomeAsync(int offset, TimeSpan wait, string phase, bool quiet, CancellationToken cancellationToken)
    {
        using CancellationTokenSource cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(wait);
        try
        {
            return await _socket.ReceiveAsync(_buffer.AsMemory(offset), SocketFlags.None, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            if (quiet)
            {
                return -1;
            }

            throw Timeout(phase);
        }
    }

    private static SnekException Timeout(string phase) =>
        new("LegacyTimeout", ErrorKind.OperationTimeout, $"Timed out waiting for the {phase}.");

    public void Dispose()
    {
        try
        {
            _socket.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
            // Already reset by the peer.
        }
        catch (ObjectDisposedException)
        {
        }

        _socket.Dispose();
    }
}
