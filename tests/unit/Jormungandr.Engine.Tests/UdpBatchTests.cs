using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Jormungandr.Engine.Linux;
using Jormungandr.Interop;

namespace Jormungandr.Tests;

/// <summary>recvmmsg/sendmmsg marshalling (UdpBatch) over loopback socket pairs.</summary>
public class UdpBatchTests
{
    [Fact]
    public void Native_structs_have_the_LP64_kernel_layout()
    {
        Assert.Equal(16, Unsafe.SizeOf<UdpBatch.IoVec>());
        Assert.Equal(56, Unsafe.SizeOf<UdpBatch.MsgHdr>());
        Assert.Equal(64, Unsafe.SizeOf<UdpBatch.MMsgHdr>());
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork)]
    [InlineData(AddressFamily.InterNetworkV6)]
    public void Sendmmsg_sends_every_datagram_to_its_address_and_recvmmsg_returns_them_in_order_with_the_sender(AddressFamily family)
    {
        IPAddress loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        using Socket sender = Open(family, loopback);
        using Socket receiverA = Open(family, loopback);
        using Socket receiverB = Open(family, loopback);
        SocketAddress toA = receiverA.LocalEndPoint!.Serialize();
        SocketAddress toB = receiverB.LocalEndPoint!.Serialize();

        using var send = new UdpBatch(8, 1500);
        var expected = new List<byte[]>();
        for (int i = 0; i < 6; i++)
        {
            byte[] payload = new byte[100 + (i * 200)];
            Random.Shared.NextBytes(payload);
            expected.Add(payload);
            payload.CopyTo(send.Free);
            send.Commit(payload.Length, i % 2 == 0 ? toA : toB);
        }

        Assert.Equal(6, send.Count);
        Assert.Equal(6, send.Flush(UdpBatch.Descriptor(sender)));
        Assert.Equal(0, send.Count);

        using var receive = new UdpBatch(8, 2048);
        var from = new SocketAddress(family);
        var senderEndPoint = (IPEndPoint)sender.LocalEndPoint!;
        foreach ((Socket socket, int first) in new[] { (receiverA, 0), (receiverB, 1) })
        {
            var got = new List<byte[]>();
            for (int attempt = 0; attempt < 10 && got.Count < 3; attempt++)
            {
                int n = receive.Receive(UdpBatch.Descriptor(socket));
                Assert.True(n > 0, $"recvmmsg failed: errno {LibC.Errno}");
                for (int i = 0; i < n; i++)
                {
                    got.Add(receive.Datagram(i).ToArray());
                    Assert.True(receive.CopySource(i, from));
                    var source = (IPEndPoint)senderEndPoint.Create(from);
                    Assert.Equal(senderEndPoint, source);
                }
            }

            Assert.Equal(3, got.Count);
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(expected[first + (2 * k)], got[k]);
            }
        }
    }

    [Theory]
    [InlineData(AddressFamily.InterNetwork, true)]
    [InlineData(AddressFamily.InterNetwork, false)]
    [InlineData(AddressFamily.InterNetworkV6, true)]
    public void Equal_datagrams_to_one_address_go_as_GSO_and_come_back_as_the_same_datagrams(AddressFamily family, bool gro)
    {
        IPAddress loopback = family == AddressFamily.InterNetwork ? IPAddress.Loopback : IPAddress.IPv6Loopback;
        using Socket sender = Open(family, loopback);
        using Socket receiver = Open(family, loopback);
        if (gro)
        {
            Assert.True(UdpBatch.EnableGro(receiver));
        }

        SocketAddress to = receiver.LocalEndPoint!.Serialize();
        using var send = new UdpBatch(64, 1452);
        var expected = new List<byte[]>();
        for (int i = 0; i < 50; i++)
        {
            byte[] payload = new byte[i == 49 ? 300 : 1452]; // 44 + 6 equal ones and a short last one
            Random.Shared.NextBytes(payload);
            expected.Add(payload);
            payload.CopyTo(send.Free);
            send.Commit(payload.Length, to);
        }

        Assert.Equal(50, send.Flush(UdpBatch.Descriptor(sender)));

        using var receive = new UdpBatch(8, 65535);
        var got = new List<byte[]>();
        for (int attempt = 0; attempt < 60 && got.Count < 50; attempt++)
        {
            int n = receive.Receive(UdpBatch.Descriptor(receiver));
            Assert.True(n > 0, $"recvmmsg failed: errno {LibC.Errno}");
            for (int i = 0; i < n; i++)
            {
                ReadOnlySpan<byte> message = receive.Datagram(i);
                int segment = receive.SegmentSize(i);
                Assert.True(gro || segment == 0);
                segment = segment == 0 ? message.Length : segment;
                for (int offset = 0; offset < message.Length; offset += segment)
                {
                    got.Add(message.Slice(offset, Math.Min(segment, message.Length - offset)).ToArray());
                }
            }
        }

        Assert.Equal(expected.Count, got.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i], got[i]);
        }
    }

    [Fact]
    public void A_datagram_larger_than_a_slot_comes_back_empty_and_the_next_one_intact()
    {
        using Socket sender = Open(AddressFamily.InterNetwork, IPAddress.Loopback);
        using Socket receiver = Open(AddressFamily.InterNetwork, IPAddress.Loopback);
        EndPoint to = receiver.LocalEndPoint!;
        sender.SendTo(new byte[300], to);
        sender.SendTo(new byte[] { 1, 2, 3 }, to);

        using var receive = new UdpBatch(4, 256);
        var got = new List<byte[]>();
        for (int attempt = 0; attempt < 10 && got.Count < 2; attempt++)
        {
            int n = receive.Receive(UdpBatch.Descriptor(receiver));
            Assert.True(n > 0);
            for (int i = 0; i < n; i++)
            {
                got.Add(receive.Datagram(i).ToArray());
            }
        }

        Assert.Equal(2, got.Count);
        Assert.Empty(got[0]);
        Assert.Equal(new byte[] { 1, 2, 3 }, got[1]);
    }

    [Fact]
    public void Commit_refuses_more_than_the_batch_holds()
    {
        using var batch = new UdpBatch(2, 100);
        SocketAddress to = new IPEndPoint(IPAddress.Loopback, 9).Serialize();
        Assert.Throws<InvalidOperationException>(() => batch.Commit(201, to));
        batch.Commit(100, to);
        batch.Commit(100, to);
        Assert.Equal(0, batch.FreeSlots);
        Assert.Throws<InvalidOperationException>(() => batch.Commit(0, to));
        batch.Clear();
        Assert.Equal(2, batch.FreeSlots);
        Assert.Equal(200, batch.Free.Length);
        Assert.Throws<ArgumentOutOfRangeException>(() => batch.Datagram(0));
    }

    private static Socket Open(AddressFamily family, IPAddress address)
    {
        var socket = new Socket(family, SocketType.Dgram, ProtocolType.Udp) { ReceiveTimeout = 2000 };
        socket.Bind(new IPEndPoint(address, 0));
        return socket;
    }
}
