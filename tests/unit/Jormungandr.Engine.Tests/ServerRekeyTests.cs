using Jormungandr.Crypto;
using Jormungandr.Engine;
using Jormungandr.Protocol;

namespace Jormungandr.Tests;

public class ServerRekeyTests
{
    /// <summary>A key-channel connection that the client dropped: every write fails like a reset socket.</summary>
    private sealed class DroppedStream : MemoryStream
    {
        public override void Write(byte[] buffer, int offset, int count) => throw new IOException("connection reset");

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => throw new IOException("connection reset");

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => throw new IOException("connection reset");
    }

    [Fact]
    public async Task A_failed_rekey_confirmation_releases_the_reserved_session_index()
    {
        var table = new SessionTable();
        uint index = table.AllocateIndex(SystemRandom.Instance);
        using var broken = new DroppedStream();

        await Assert.ThrowsAsync<ProtocolException>(() => Server.SendRekeyConfirmationAsync(broken, new byte[64], table, index, CancellationToken.None));

        Assert.Equal(0, table.Count);
    }

    [Fact]
    public async Task A_sent_rekey_confirmation_keeps_the_index_reserved_for_the_new_keys()
    {
        var table = new SessionTable();
        uint index = table.AllocateIndex(SystemRandom.Instance);
        using var sink = new MemoryStream();

        await Server.SendRekeyConfirmationAsync(sink, new byte[64], table, index, CancellationToken.None);

        Assert.True(sink.Length > 0);
        Assert.Equal(1, table.Count);
    }
}
