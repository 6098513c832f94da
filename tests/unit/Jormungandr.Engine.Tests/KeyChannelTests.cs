using System.Net;
using System.Net.Sockets;
using Jormungandr.Protocol;
using Jormungandr.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

/// <summary>Connection admission of the server's key channel (before any protocol work).</summary>
public sealed class KeyChannelTests
{
    [Fact]
    public void Connections_from_one_ipv6_slash_64_share_the_per_source_cap()
    {
        // One host owns a whole /64: per-address counting would let it take every connection slot.
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, 0, NullLogger.Instance);
        for (int i = 1; i <= KeyChannel.MaxPerSource; i++)
        {
            Assert.True(channel.Admit(IPAddress.Parse($"fd00:5ec::{i:x}")));
        }

        Assert.False(channel.Admit(IPAddress.Parse("fd00:5ec::abcd")));
        Assert.True(channel.Admit(IPAddress.Parse("fd00:5ec:0:1::1"))); // another /64
        channel.Leave(IPAddress.Parse("fd00:5ec::1"));
        Assert.True(channel.Admit(IPAddress.Parse("fd00:5ec::abcd")));
    }

    [Fact]
    public void Ipv4_sources_are_counted_per_address()
    {
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, 0, NullLogger.Instance);
        for (int i = 0; i < KeyChannel.MaxPerSource; i++)
        {
            Assert.True(channel.Admit(IPAddress.Parse("198.18.0.2")));
        }

        Assert.False(channel.Admit(IPAddress.Parse("198.18.0.2")));
        Assert.True(channel.Admit(IPAddress.Parse("198.18.0.3")));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_client_that_closed_after_its_first_frame_is_seen_as_gone_with_the_frame_still_unread(bool reset)
    {
        // Under load the handshake starts late; by then its client may have given up. Checking the TCP
        // state costs one getsockopt, and the frame stays buffered for the handler when the client is there.
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(listener.LocalEndPoint!, timeout.Token);
        using Socket accepted = await listener.AcceptAsync(timeout.Token);
        await client.SendAsync(KeyChannelFraming.Frame(new byte[100]), SocketFlags.None, timeout.Token);
        Assert.True(await KeyChannel.FirstFrameArrivesAsync(accepted, TimeSpan.FromSeconds(5), timeout.Token));
        Assert.False(KeyChannel.PeerHasLeft(accepted));

        if (reset)
        {
            client.LingerState = new LingerOption(true, 0); // close sends a reset
        }

        client.Close();
        bool left = false;
        for (int i = 0; i < 200 && !left; i++)
        {
            left = KeyChannel.PeerHasLeft(accepted);
            if (!left)
            {
                await Task.Delay(10, timeout.Token);
            }
        }

        Assert.True(left);
        if (!reset)
        {
            Assert.Equal(102, accepted.Available); // nothing was consumed
        }
    }

    [Fact]
    public async Task A_connection_that_sends_no_first_frame_is_closed_at_the_deadline()
    {
        // The server waits for a connection's first Initiation without a deadline of its own (connections
        // idle between rekeys): silent connections must not hold the 1024 slots forever.
        int port = FreePort();
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, port, NullLogger.Instance);
        channel.FirstFrameTimeout = TimeSpan.FromMilliseconds(300);
        int handled = 0;
        channel.Start(async (stream, source, stop) =>
        {
            await KeyChannel.ReadAsync(stream, Timeout.InfiniteTimeSpan, stop); // as the server reads an Initiation
            Interlocked.Increment(ref handled);
        });

        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await client.SendAsync(new byte[] { 0x06 }, SocketFlags.None, timeout.Token); // half a header, then silence
        int n;
        try
        {
            n = await client.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            n = 0; // closed with our byte unread: the kernel answers with a reset
        }

        Assert.Equal(0, n); // closed by the server
        Assert.Equal(0, Volatile.Read(ref handled));
    }

    [Fact]
    public async Task A_first_frame_arriving_in_pieces_reaches_the_handler_intact()
    {
        int port = FreePort();
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, port, NullLogger.Instance);
        var received = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.Start(async (stream, source, stop) =>
        {
            received.TrySetResult(await KeyChannel.ReadAsync(stream, TimeSpan.FromSeconds(5), stop));
        });

        byte[] message = new byte[1673];
        Random.Shared.NextBytes(message);
        byte[] frame = KeyChannelFraming.Frame(message);
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await client.SendAsync(frame.AsMemory(0, 1), SocketFlags.None, timeout.Token);
        await Task.Delay(100, timeout.Token);
        await client.SendAsync(frame.AsMemory(1, 700), SocketFlags.None, timeout.Token);
        await Task.Delay(100, timeout.Token);
        await client.SendAsync(frame.AsMemory(701), SocketFlags.None, timeout.Token);
        byte[]? got = await received.Task.WaitAsync(timeout.Token);
        Assert.Equal(message, got);
    }

    [Fact]
    public async Task When_every_slot_is_taken_a_newcomer_closes_the_oldest_silent_connection()
    {
        // Silent connections from many addresses must not lock a client out until their deadline.
        int port = FreePort();
        using KeyChannel channel = KeyChannel.Listen(IPAddress.Loopback, port, NullLogger.Instance);
        channel.FirstFrameTimeout = TimeSpan.FromSeconds(20);
        channel.ConnectionCap = 2;
        var received = new TaskCompletionSource<byte[]?>(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.Start(async (stream, source, stop) =>
        {
            received.TrySetResult(await KeyChannel.ReadAsync(stream, TimeSpan.FromSeconds(5), stop));
        });

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var oldest = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await oldest.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await Task.Delay(200, timeout.Token); // accepted and waiting, in this order
        using var second = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await second.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await Task.Delay(200, timeout.Token);

        using var newcomer = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await newcomer.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
        await newcomer.SendAsync(KeyChannelFraming.Frame([1, 2, 3]), SocketFlags.None, timeout.Token);
        Assert.Equal([1, 2, 3], await received.Task.WaitAsync(timeout.Token));

        int n;
        try
        {
            n = await oldest.ReceiveAsync(new byte[16], SocketFlags.None, timeout.Token);
        }
        catch (SocketException e) when (e.SocketErrorCode == SocketError.ConnectionReset)
        {
            n = 0;
        }

        Assert.Equal(0, n); // the oldest silent connection was closed for the newcomer
        second.Blocking = false;
        Assert.Throws<SocketException>(() => second.Receive(new byte[16])); // still open: would block, not closed
    }

    private static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }
}
