using System.Runtime.InteropServices;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests;

/// <summary>ThreadInterrupt wakes one thread blocked in read() with EINTR (a pipe stands in for the TUN fd).</summary>
public partial class ThreadInterruptTests
{
    [Fact]
    public void A_thread_blocked_in_read_returns_EINTR_when_interrupted()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }

        Assert.True(ThreadInterrupt.TryInstall(), "the wake-up signal could not be installed");
        Assert.True(ThreadInterrupt.Signal > 0);
        int[] fds = new int[2];
        Assert.Equal(0, Pipe(fds));
        try
        {
            int tid = 0;
            long result = 0;
            int errno = 0;
            var reader = new Thread(() =>
            {
                Volatile.Write(ref tid, ThreadInterrupt.CurrentThreadId());
                byte[] buffer = new byte[16];
                result = Read(fds[0], buffer, buffer.Length);
                errno = Marshal.GetLastPInvokeError();
            }) { IsBackground = true };
            reader.Start();
            Assert.True(ThreadStates.WaitUntilSleeping(() => Volatile.Read(ref tid), TimeSpan.FromSeconds(5)), "the reader never blocked");

            // Repeated like TunDevice.Dispose does: a signal landing before the read starts is lost.
            for (int i = 0; i < 200 && reader.IsAlive; i++)
            {
                Assert.True(ThreadInterrupt.Interrupt(tid));
                reader.Join(TimeSpan.FromMilliseconds(10));
            }

            Assert.False(reader.IsAlive, "the blocked read was not interrupted");
            Assert.Equal(-1, result);
            Assert.Equal(4, errno); // EINTR
        }
        finally
        {
            Close(fds[0]);
            Close(fds[1]);
        }
    }

    [Fact]
    public void Interrupting_no_thread_is_refused()
    {
        Assert.False(ThreadInterrupt.Interrupt(0));
        Assert.False(ThreadInterrupt.Interrupt(-1));
    }

    [LibraryImport("libc", EntryPoint = "pipe", SetLastError = true)]
    private static partial int Pipe([Out] int[] fds);

    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    private static partial nint Read(int fd, [Out] byte[] buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int fd);
}

/// <summary>Waits for a thread of this process to be asleep in the kernel (state S in /proc).</summary>
internal static class ThreadStates
{
    public static bool WaitUntilSleeping(Func<int> threadId, TimeSpan timeout)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            int tid = threadId();
            if (tid > 0)
            {
                try
                {
                    string stat = File.ReadAllText($"/proc/self/task/{tid}/stat");
                    if (stat[(stat.LastIndexOf(')') + 2)..].StartsWith('S'))
                    {
                        Thread.Sleep(50); // asleep; give a retry loop in the reader no chance to race
                        return true;
                    }
                }
                catch (IOException)
                {
                }
            }

            Thread.Sleep(5);
        }

        return false;
    }
}
