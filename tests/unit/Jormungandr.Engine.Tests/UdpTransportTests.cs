using System.Diagnostics;
using System.Net;
using Jormungandr.Engine;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tests;

/// <summary>The UDP data channel's receive threads sleep without a timeout; shutdown alone must wake them.</summary>
public class UdpTransportTests
{
    [Fact]
    public void Dispose_wakes_idle_receive_threads_at_once()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        var transport = UdpTransport.Bind(IPAddress.Loopback, 0, NullLogger.Instance);
        var receiver = new CountingReceiver();
        transport.Start(() => receiver, "test");
        Thread.Sleep(200); // the receive thread is asleep in recvmmsg by now

        var clock = Stopwatch.StartNew();
        transport.Dispose(); // joins the receive thread for up to 3 s
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"Dispose took {clock.Elapsed}");
        Assert.Equal(0, receiver.Handled);
    }

    private sealed class CountingReceiver : IDatagramReceiver
    {
        private int _handled;

        public int Handled => Volatile.Read(ref _handled);

        public void Receive(ReadOnlySpan<byte> datagram, System.Net.SocketAddress from) => Interlocked.Increment(ref _handled);

        public void BatchEnd()
        {
        }
    }
}
