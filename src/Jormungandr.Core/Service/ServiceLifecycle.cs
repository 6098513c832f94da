using System.Globalization;
using Jormungandr.Commands;
using Jormungandr.Engine.Linux;
using Jormungandr.Interop;

namespace Jormungandr.Service;

/// <summary>
/// Connects a running tunnel to the service manager that started it: readiness, status lines, reload
/// and stop announcements go out through an <see cref="IServiceNotifier"/> (systemd's
/// <c>$NOTIFY_SOCKET</c>), reload requests (SIGHUP) come in through <see cref="RequestReload"/>.
/// Without a notifier every announcement is a no-op. A notifier failure never stops the tunnel: it is
/// reported once through <see cref="Warning"/> and later ones are dropped quietly. Once stopping,
/// only the first <see cref="Stopping"/> is sent: status lines of the teardown would read as news.
/// </summary>
public sealed class ServiceLifecycle : IDisposable
{
    private readonly IServiceNotifier? _notifier;
    private IDisposable? _owned;
    private readonly Func<long> _monotonicMicroseconds;
    private readonly Lock _gate = new();
    private Action? _reloadHandler;
    private bool _warned;
    private bool _stopping;
    private bool _reloading;

    /// <summary>Creates a lifecycle over <paramref name="notifier"/> (none: announcements are dropped).</summary>
    /// <param name="notifier">Where announcements go.</param>
    /// <param name="monotonicMicroseconds">CLOCK_MONOTONIC in microseconds (for <c>MONOTONIC_USEC</c>); the system clock when null.</param>
    public ServiceLifecycle(IServiceNotifier? notifier, Func<long>? monotonicMicroseconds = null)
    {
        _notifier = notifier;
        _monotonicMicroseconds = monotonicMicroseconds ?? MonotonicMicroseconds;
    }

    /// <summary>
    /// The lifecycle for this process: over <c>$NOTIFY_SOCKET</c> when a service manager set it, else
    /// announcing nothing. An unusable address is reported through <paramref name="warning"/> and ignored.
    /// </summary>
    public static ServiceLifecycle FromEnvironment(Action<string>? warning)
    {
        try
        {
            NotifySocket? socket = NotifySocket.FromEnvironment();
            return new ServiceLifecycle(socket) { Warning = warning, _owned = socket };
        }
        catch (SnekException e)
        {
            warning?.Invoke(e.Message);
            return new ServiceLifecycle(notifier: null) { Warning = warning };
        }
    }

    /// <summary>A new lifecycle that announces nothing (not run as a service).</summary>
    public static ServiceLifecycle None => new(notifier: null);

    /// <summary>Receives the first failure to notify (one readable line); set by the command running the tunnel.</summary>
    public Action<string>? Warning { get; set; }

    /// <summary>True once <see cref="Ready"/> was announced.</summary>
    public bool IsReady { get; private set; }

    /// <summary>
    /// Announces that the tunnel is up (<c>READY=1</c>) with a status line, first at start and again to end
    /// a <see cref="Reloading"/>; other calls only update the status.
    /// </summary>
    public void Ready(string status)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            string message = IsReady && !_reloading ? Status(status, prefix: "") : Status(status, prefix: "READY=1\n");
            IsReady = true;
            _reloading = false;
            Send(message);
        }
    }

    /// <summary>Updates the one-line status shown by <c>systemctl status</c>.</summary>
    public void Status(string status)
    {
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            Send(Status(status, prefix: ""));
        }
    }

    /// <summary>
    /// Announces a reload in progress (<c>RELOADING=1</c> with <c>MONOTONIC_USEC</c>, as systemd's reload
    /// protocol asks); <see cref="Ready"/> ends it.
    /// </summary>
    public void Reloading()
    {
        lock (_gate)
        {
            _reloading = true;
            Send("RELOADING=1\nMONOTONIC_USEC=" + _monotonicMicroseconds().ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Announces that the tunnel is shutting down (<c>STOPPING=1</c>); only the first call, and only after <see cref="Ready"/>.</summary>
    public void Stopping(string status)
    {
        lock (_gate)
        {
            if (_stopping || !IsReady)
            {
                return;
            }

            _stopping = true;
            Send(Status(status, prefix: "STOPPING=1\n"));
        }
    }

    /// <summary>
    /// Asks the running tunnel to re-read what can change safely (SIGHUP). Returns false when the
    /// tunnel has nothing to re-read (no handler registered).
    /// </summary>
    public bool RequestReload()
    {
        Action? handler = Volatile.Read(ref _reloadHandler);
        handler?.Invoke();
        return handler is not null;
    }

    /// <summary>
    /// Registers what <see cref="RequestReload"/> runs (on the signalling thread: keep it to setting a
    /// flag). Dispose the result to unregister.
    /// </summary>
    internal IDisposable OnReload(Action handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        if (Interlocked.CompareExchange(ref _reloadHandler, handler, null) is not null)
        {
            throw new InvalidOperationException("A reload handler is already registered.");
        }

        return new Registration(this, handler);
    }

    /// <summary>Closes the notification socket this lifecycle opened (none given to the constructor).</summary>
    public void Dispose() => _owned?.Dispose();

    /// <summary>CLOCK_MONOTONIC in microseconds (the clock systemd compares MONOTONIC_USEC with).</summary>
    public static long MonotonicMicroseconds()
    {
        if (!OperatingSystem.IsLinux() || LibC.ClockGetTime(LibC.CLOCK_MONOTONIC, out LibC.TimeSpec t) != 0)
        {
            return System.Diagnostics.Stopwatch.GetTimestamp() / (System.Diagnostics.Stopwatch.Frequency / 1_000_000);
        }

        return (t.Seconds * 1_000_000) + (t.Nanoseconds / 1000);
    }

    private static string Status(string status, string prefix)
    {
        // One line: a newline would start another assignment, which a status must never smuggle in.
        string line = status.ReplaceLineEndings(" ").Trim();
        if (line.Length > 200)
        {
            line = line[..200];
        }

        return prefix + "STATUS=" + line;
    }

    private void Send(string message)
    {
        if (_notifier is null)
        {
            return;
        }

        try
        {
            _notifier.Send(message);
        }
        catch (SnekException e)
        {
            if (!_warned)
            {
                _warned = true;
                Warning?.Invoke(e.Message);
            }
        }
    }

    private sealed class Registration(ServiceLifecycle owner, Action handler) : IDisposable
    {
        public void Dispose() => Interlocked.CompareExchange(ref owner._reloadHandler, null, handler);
    }
}
