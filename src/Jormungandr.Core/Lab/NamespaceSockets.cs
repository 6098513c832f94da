using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Commands;
using Jormungandr.Interop;

namespace Jormungandr.Lab;

/// <summary>
/// Creates TCP sockets inside a lab network namespace from this process: one dedicated thread joins
/// the namespace (setns) and makes every socket asked for. A socket belongs to the namespace it was
/// created in for life, so callers use it from any thread; no other thread changes namespace. The
/// thread ends on <see cref="Dispose"/> (a thread's namespace dies with it).
/// </summary>
public sealed class NamespaceSockets : IDisposable
{
    private readonly BlockingCollection<(AddressFamily Family, TaskCompletionSource<Socket> Result)> _requests = new(boundedCapacity: 1024);
    private readonly Thread _thread;
    private readonly TaskCompletionSource _entered = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private NamespaceSockets(NetworkNamespace ns)
    {
        _thread = new Thread(() => Serve(ns.Name)) { IsBackground = true, Name = "netns " + ns.Name };
        _thread.Start();
    }

    /// <summary>Starts the thread and waits until it is inside <paramref name="ns"/>.</summary>
    /// <exception cref="SnekException">setns failed (not root, namespace gone).</exception>
    public static NamespaceSockets Enter(NetworkNamespace ns)
    {
        ArgumentNullException.ThrowIfNull(ns);
        var sockets = new NamespaceSockets(ns);
        try
        {
            sockets._entered.Task.GetAwaiter().GetResult();
            return sockets;
        }
        catch
        {
            sockets.Dispose();
            throw;
        }
    }

    /// <summary>A new TCP socket in the namespace.</summary>
    public Task<Socket> CreateTcpAsync(AddressFamily family)
    {
        var result = new TaskCompletionSource<Socket>(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            _requests.Add((family, result));
        }
        catch (InvalidOperationException)
        {
            result.SetException(new ObjectDisposedException(nameof(NamespaceSockets)));
        }

        return result.Task;
    }

    /// <summary>Ends the thread; sockets already made keep working.</summary>
    public void Dispose()
    {
        _requests.CompleteAdding();
        _thread.Join(TimeSpan.FromSeconds(5));
    }

    private void Serve(string name)
    {
        try
        {
            using (Microsoft.Win32.SafeHandles.SafeFileHandle handle = File.OpenHandle(Path.Combine("/run/netns", name)))
            {
                if (LibC.SetNs((int)handle.DangerousGetHandle(), LibC.CloneNewNet) != 0)
                {
                    _entered.SetException(new SnekException("NamespaceUnavailable", ErrorKind.PermissionDenied,
                        $"Cannot join network namespace {name}: errno {System.Runtime.InteropServices.Marshal.GetLastPInvokeError()}."));
                    return;
                }
            }
        }
        catch (IOException e)
        {
            _entered.SetException(new SnekException("NamespaceUnavailable", ErrorKind.ObjectNotFound, $"Cannot open network namespace {name}: {e.Message}", name, e));
            return;
        }

        _entered.SetResult();
        foreach ((AddressFamily family, TaskCompletionSource<Socket> result) in _requests.GetConsumingEnumerable())
        {
            try
            {
                result.SetResult(new Socket(family, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true });
            }
            catch (SocketException e)
            {
                result.SetException(e);
            }
        }
    }
}
