using Jormungandr.Protocol;
using Jormungandr.Time;

namespace Jormungandr.Engine;

/// <summary>
/// One key-channel connection as the engine moves frames over it: reads with an absolute deadline on the
/// injected clock (so a test clock drives handshake timeouts), writes, close. The message order lives in
/// the exchanges (<see cref="InitiatorExchange"/>, <see cref="ResponderExchange"/>), not here.
/// </summary>
internal sealed class KeyChannelConnection : IDisposable
{
    private readonly Stream _stream;
    private readonly IClock _clock;
    private int _closed;

    /// <summary>Frames over <paramref name="stream"/> (owned: closing the connection disposes it).</summary>
    public KeyChannelConnection(Stream stream, IClock clock)
    {
        _stream = stream;
        _clock = clock;
    }

    /// <summary>
    /// Reads one frame; null when the peer closed cleanly between frames. With a <paramref name="deadline"/>
    /// (monotonic clock), a frame not complete by then is a <see cref="ProtocolError.Timeout"/>.
    /// </summary>
    /// <exception cref="ProtocolException">Bad frame, lost connection, or the deadline passed.</exception>
    public async Task<byte[]?> ReadAsync(TimeSpan? deadline, CancellationToken cancellationToken)
    {
        if (deadline is not TimeSpan until)
        {
            return await KeyChannel.ReadAsync(_stream, Timeout.InfiniteTimeSpan, cancellationToken).ConfigureAwait(false);
        }

        TimeSpan left = until - _clock.Now;
        if (left <= TimeSpan.Zero)
        {
            throw new ProtocolException(ProtocolError.Timeout, "The key channel peer did not answer in time.");
        }

        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<byte[]?> read = KeyChannel.ReadAsync(_stream, Timeout.InfiniteTimeSpan, stop.Token);
        Task timer = _clock.Delay(left, stop.Token);
        await Task.WhenAny(read, timer).ConfigureAwait(false);
        if (read.IsCompleted)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            return await read.ConfigureAwait(false);
        }

        await stop.CancelAsync().ConfigureAwait(false);
        try
        {
            await read.ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or ProtocolException)
        {
        }

        cancellationToken.ThrowIfCancellationRequested();
        throw new ProtocolException(ProtocolError.Timeout, "The key channel peer did not answer in time.");
    }

    /// <summary>Writes one frame.</summary>
    /// <exception cref="ProtocolException">The connection is lost.</exception>
    public Task WriteAsync(byte[] frame, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _closed) != 0)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Key channel connection closed.");
        }

        return WriteCoreAsync(frame, cancellationToken);
    }

    private async Task WriteCoreAsync(byte[] frame, CancellationToken cancellationToken)
    {
        try
        {
            await KeyChannel.WriteAsync(_stream, frame, cancellationToken).ConfigureAwait(false);
        }
        catch (ObjectDisposedException)
        {
            throw new ProtocolException(ProtocolError.Malformed, "Key channel connection closed.");
        }
    }

    /// <summary>Closes the connection (a pending read ends); safe from any thread, more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _closed, 1) == 0)
        {
            _stream.Dispose();
        }
    }
}
