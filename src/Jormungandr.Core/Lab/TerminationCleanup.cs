using System.Runtime.InteropServices;

namespace Jormungandr.Lab;

/// <summary>
/// Disposes a resource (a <see cref="TwoHostLab"/>, a <see cref="NetworkNamespace"/>) when the process
/// is told to stop — SIGINT (Ctrl+C), SIGTERM, SIGHUP, SIGQUIT — or exits, so <c>snek demo</c> leaves
/// nothing behind when interrupted. The signal's default action still follows (the handler does not
/// cancel it), unless the caller's own <see cref="PosixSignalRegistration"/> cancels it. Dispose this
/// object after the resource's normal <c>using</c> to unregister.
/// </summary>
/// <example><code>
/// using var lab = TwoHostLab.Create(new() { Purpose = "demo" });
/// using var cleanup = new TerminationCleanup(lab);
/// </code></example>
public sealed class TerminationCleanup : IDisposable
{
    private readonly IDisposable _resource;
    private readonly PosixSignalRegistration[] _registrations;
    private int _disposed;

    /// <summary>Registers the handlers.</summary>
    public TerminationCleanup(IDisposable resource)
    {
        ArgumentNullException.ThrowIfNull(resource);
        _resource = resource;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    /// <summary>Unregisters the handlers (does not dispose the resource).</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        foreach (PosixSignalRegistration registration in _registrations)
        {
            registration.Dispose();
        }
    }

    private void OnSignal(PosixSignalContext context) => _resource.Dispose();

    private void OnProcessExit(object? sender, EventArgs e) => _resource.Dispose();
}
