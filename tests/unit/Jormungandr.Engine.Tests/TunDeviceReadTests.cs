using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Engine.Linux;
using Jormungandr.Lab;
using Microsoft.Win32.SafeHandles;
using Jormungandr.Interop;

namespace Jormungandr.Tests;

/// <summary>
/// The TUN reader in a throwaway namespace (root only): a blocked reader leaves promptly on Dispose without
/// any netlink delete (Dispose runs in another namespace, where the interface's name means nothing), and
/// reads and non-waiting drains see the packets the namespace routes into the interface.
/// </summary>
public class TunDeviceReadTests
{
    [NetworkLabFact]
    public void Blocked_reader_returns_promptly_on_Dispose_and_the_interface_goes_away()
    {
        using NetworkNamespace ns = NetworkNamespace.Create("tunread");
        TunDevice tun = InNamespace(ns, () => TunDevice.Open("snkrd0"));
        Assert.Equal(LatencySwitches.TunBlocking, tun.BlockingReads);

        int tid = 0;
        int result = 0;
        var reader = new Thread(() =>
        {
            Volatile.Write(ref tid, ThreadInterrupt.CurrentThreadId());
            result = tun.Read(new byte[2048]);
        }) { IsBackground = true };
        reader.Start();
        Assert.True(ThreadStates.WaitUntilSleeping(() => Volatile.Read(ref tid), TimeSpan.FromSeconds(5)), "the reader never blocked");

        Assert.True(ProcessRunner.Run("ip", ["-n", ns.Name, "link", "show", "snkrd0"]).Succeeded);
        var clock = Stopwatch.StartNew();
        tun.Dispose();
        Assert.True(reader.Join(TimeSpan.FromSeconds(2)), "the reader was still blocked after Dispose");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1.5), $"Dispose took {clock.Elapsed}");
        Assert.Equal(-1, result);
        Assert.False(ProcessRunner.Run("ip", ["-n", ns.Name, "link", "show", "snkrd0"]).Succeeded, "the interface outlived its fd");
    }

    [NetworkLabFact]
    public void Reads_the_packets_routed_into_the_interface_and_TryRead_drains_without_waiting()
    {
        using NetworkNamespace ns = NetworkNamespace.Create("tunread");
        (TunDevice tun, Socket sender) = InNamespace(ns, () =>
        {
            TunDevice created = TunDevice.Open("snkrd1");
            InterfaceConfig.Up("snkrd1", 1400);
            InterfaceConfig.AddAddress("snkrd1", IPAddress.Parse("198.19.9.1"), 24);
            return (created, new Socket(AddressFamily.InterNetwork, SocketType.Dgram, ProtocolType.Udp));
        });
        using TunDevice ownedTun = tun;
        using Socket ownedSender = sender;
        byte[] buffer = new byte[2048];
        var peer = new IPEndPoint(IPAddress.Parse("198.19.9.2"), 9);

        // Empty queue: a drain answers at once (a blocking fd must not wait here).
        var clock = Stopwatch.StartNew();
        while (tun.TryRead(buffer) > 0)
        {
            // the kernel may have queued its own packets when the link came up
        }

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1));

        for (int i = 0; i < 3; i++)
        {
            sender.SendTo(new byte[100 + i], peer);
        }

        var sizes = new List<int>();
        int n = tun.Read(buffer); // queued already: returns without blocking
        for (int turns = 0; n > 0 && turns < 50; turns++)
        {
            if ((buffer[0] >> 4) == 4 && buffer[9] == 17 && buffer.AsSpan(16, 4).SequenceEqual(peer.Address.GetAddressBytes()))
            {
                sizes.Add(n);
            }

            n = sizes.Count < 3 ? tun.Read(buffer) : tun.TryRead(buffer);
        }

        Assert.Equal([128, 129, 130], sizes); // 20 IP + 8 UDP + payload
        Assert.Equal(0, n);
    }

    // Runs on a fresh thread inside the namespace: the TUN device and sockets made there belong to it.
    private static T InNamespace<T>(NetworkNamespace ns, Func<T> action)
    {
        T? result = default;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (SafeFileHandle handle = File.OpenHandle(Path.Combine("/run/netns", ns.Name)))
                {
                    if (LibC.SetNs((int)handle.DangerousGetHandle(), LibC.CloneNewNet) != 0)
                    {
                        throw new InvalidOperationException("setns failed");
                    }
                }

                result = action();
            }
            catch (Exception e)
            {
                error = e;
            }
        });
        thread.Start();
        Assert.True(thread.Join(TimeSpan.FromSeconds(20)));
        if (error is not null)
        {
            throw new InvalidOperationException("in namespace: " + error.Message, error);
        }

        return result!;
    }
}
