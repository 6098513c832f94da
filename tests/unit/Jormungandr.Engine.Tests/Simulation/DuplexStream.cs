using System.IO.Pipelines;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// One end of an in-memory connection (the simulated key channel): what one end writes the other reads.
/// Disposing either end closes the connection: the other end reads end-of-stream and its writes fail.
/// </summary>
internal sealed class DuplexStream : Stream
{
    private readonly PipeReader _in;
    private readonly PipeWriter _out;
    private readonly Link _link;

    private DuplexStream(PipeReader input, PipeWriter output, Link link)
    {
        _in = input;
        _out = output;
        _link = link;
    }

    private sealed class Link
    {
        public int Closed;
        public DuplexStream? A;
        public DuplexStream? B;
    }

    public static (DuplexStream Client, DuplexStream Server) CreatePair()
    {
        var toServer = new Pipe();
        var toClient = new Pipe();
        var link = new Link();
        var client = new DuplexStream(toClient.Reader, toServer.Writer, link);
        var server = new DuplexStream(toServer.Reader, toClient.Writer, link);
        link.A = client;
        link.B = server;
        return (client, server);
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _link.Closed) != 0)
        {
            return 0;
        }

        ReadResult r = await _in.ReadAsync(cancellationToken).ConfigureAwait(false);
        if (r.IsCanceled || Volatile.Read(ref _link.Closed) != 0)
        {
            return 0;
        }

        System.Buffers.ReadOnlySequence<byte> data = r.Buffer;
        if (data.IsEmpty)
        {
            _in.AdvanceTo(data.End);
            return 0;
        }

        int n = (int)Math.Min(buffer.Length, data.Length);
        System.Buffers.BuffersExtensions.CopyTo(data.Slice(0, n), buffer.Span);
        _in.AdvanceTo(data.GetPosition(n));
        return n;
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Volatile.Read(ref _link.Closed) != 0)
        {
            throw new IOException("Connection reset by peer.");
        }

        await _out.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _link.Closed, 1) == 0)
        {
            // Wake both ends' pending reads: each sees end-of-stream.
            _link.A!._in.CancelPendingRead();
            _link.B!._in.CancelPendingRead();
        }

        base.Dispose(disposing);
    }
}
