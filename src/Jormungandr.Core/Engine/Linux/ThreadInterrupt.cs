using System.Runtime.InteropServices;
using Jormungandr.Interop;

namespace Jormungandr.Engine.Linux;

/// <summary>
/// Interrupts a system call that one particular thread is blocked in. A real-time signal gets a handler
/// that does nothing, installed without SA_RESTART, so delivering it to a thread blocked in read() makes
/// that read fail with EINTR. This wakes a reader blocked on a TUN fd without needing the interface to
/// be deleted first; closing the fd alone would not wake it.
/// </summary>
internal static unsafe partial class ThreadInterrupt
{
    private static readonly Lock Gate = new();
    private static int s_signal; // 0: not tried yet, -1: unavailable

    /// <summary>The signal used, or 0 when none could be installed.</summary>
    public static int Signal => Math.Max(Volatile.Read(ref s_signal), 0);

    /// <summary>
    /// Installs the do-nothing handler once per process. False when no libc handler address is at hand,
    /// the signal already has another handler, or sigaction fails; callers then must not block.
    /// </summary>
    public static bool TryInstall()
    {
        int current = Volatile.Read(ref s_signal);
        if (current != 0)
        {
            return current > 0;
        }

        lock (Gate)
        {
            if (s_signal == 0)
            {
                s_signal = Install();
            }

            return s_signal > 0;
        }
    }

    [ThreadStatic]
    private static int t_threadId;

    /// <summary>The kernel id of the calling thread (what <see cref="Interrupt"/> takes); asked of the kernel once per thread.</summary>
    public static int CurrentThreadId()
    {
        // gettid is a real system call; a blocking reader asks before every read.
        if (t_threadId == 0)
        {
            t_threadId = LibC.GetTid();
        }

        return t_threadId;
    }

    /// <summary>Sends the signal to thread <paramref name="threadId"/> of this process; false if it is gone.</summary>
    public static bool Interrupt(int threadId)
    {
        int signal = Volatile.Read(ref s_signal);
        return signal > 0 && threadId > 0 && LibC.TgKill(LibC.GetPid(), threadId, signal) == 0;
    }

    private static int Install()
    {
        if (!OperatingSystem.IsLinux() || !TryHandlerAddress(out nint handler))
        {
            return -1;
        }

        // Two below the highest real-time signal: the runtime uses the lowest ones (SIGRTMIN for thread
        // suspension), and nothing in this process uses the top of the range.
        int signal = LibC.CurrentSigRtMax() - 2;
        SigAction old = default;
        if (LibC.SigAction(signal, null, &old) != 0 || (old.Handler != 0 && old.Handler != handler))
        {
            return -1;
        }

        SigAction action = default;
        action.Handler = handler;
        action.Flags = 0; // no SA_RESTART: the interrupted read returns EINTR instead of resuming
        return LibC.SigAction(signal, &action, null) == 0 ? signal : -1;
    }

    // The handler must be native and async-signal-safe, and must not enter the runtime. getpid(2) is all
    // three and ignores the signal number it is passed, so its address serves as an empty handler.
    private static bool TryHandlerAddress(out nint handler)
    {
        handler = 0;
        if (!NativeLibrary.TryLoad("libc.so.6", out nint libc) && !NativeLibrary.TryLoad("libc", typeof(ThreadInterrupt).Assembly, null, out libc))
        {
            return false;
        }

        return NativeLibrary.TryGetExport(libc, "getpid", out handler);
    }

    // glibc's struct sigaction on 64-bit Linux: handler, 1024-bit mask, int flags, restorer (set by libc).
    [StructLayout(LayoutKind.Sequential)]
    private struct SigAction
    {
        public nint Handler;
        public fixed ulong Mask[16];
        public int Flags;
        public nint Restorer;
    }
}
