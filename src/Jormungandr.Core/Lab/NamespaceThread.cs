using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using Jormungandr.Commands;
using Microsoft.Win32.SafeHandles;
using Jormungandr.Interop;

namespace Jormungandr.Lab;

/// <summary>
/// Runs code inside a lab namespace from this process: on a fresh OS thread that joins the namespace
/// (setns, which moves only that thread) and ends with the call, so nothing else ever runs there.
/// Netlink sockets, /proc/sys/net files and child processes started by that thread all belong to the
/// namespace, which is how the host routing code is exercised without touching the machine's own.
/// </summary>
public static class NamespaceThread
{
    /// <summary>Longest a call may take before it is reported as hung (the thread is then abandoned).</summary>
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(120);

    /// <summary>Runs <paramref name="action"/> inside <paramref name="ns"/>; its exception is rethrown here.</summary>
    public static void Run(NetworkNamespace ns, Action action)
    {
        ArgumentNullException.ThrowIfNull(action);
        _ = Run(ns, () =>
        {
            action();
            return 0;
        });
    }

    /// <summary>Runs <paramref name="func"/> inside <paramref name="ns"/> and returns its result; its exception is rethrown here.</summary>
    /// <exception cref="SnekException"><c>NamespaceUnavailable</c> when the namespace cannot be joined, or the call outlived <see cref="Deadline"/>.</exception>
    public static T Run<T>(NetworkNamespace ns, Func<T> func)
    {
        ArgumentNullException.ThrowIfNull(ns);
        ArgumentNullException.ThrowIfNull(func);
        T result = default!;
        Exception? error = null;
        var thread = new Thread(() =>
        {
            try
            {
                using (SafeFileHandle handle = File.OpenHandle(Path.Combine("/run/netns", ns.Name), FileMode.Open, FileAccess.Read))
                {
                    if (LibC.SetNs((int)handle.DangerousGetHandle(), LibC.CloneNewNet) != 0)
                    {
                        throw new SnekException("NamespaceUnavailable", ErrorKind.PermissionDenied,
                            $"Cannot join network namespace {ns.Name}: {Marshal.GetPInvokeErrorMessage(Marshal.GetLastPInvokeError())}.");
                    }
                }

                result = func();
            }
            catch (Exception e)
            {
                error = e;
            }
        })
        { IsBackground = true, Name = "netns " + ns.Name };
        thread.Start();
        if (!thread.Join(Deadline))
        {
            throw new SnekException("NamespaceUnavailable", ErrorKind.OperationTimeout, $"A call inside namespace {ns.Name} did not finish within {Deadline.TotalSeconds:0} s.");
        }

        if (error is not null)
        {
            ExceptionDispatchInfo.Capture(error).Throw();
        }

        return result;
    }
}
