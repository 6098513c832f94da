using System.Diagnostics;
using Jormungandr.Interop;

namespace Jormungandr.Lab;

/// <summary>
/// A long-running program started by the lab (usually inside a <see cref="NetworkNamespace"/>).
/// Its output is captured up to a cap; <see cref="Stop"/> and <see cref="Dispose"/> end exactly this
/// process and its descendants, by PID: SIGTERM first so it can clean up, SIGKILL for the tree after a grace.
/// </summary>
public sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly BoundedTextCapture _stdout;
    private readonly BoundedTextCapture _stderr;
    private int _disposed;

    internal LabProcess(string fileName, IReadOnlyList<string> arguments, int maxOutputChars)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxOutputChars);
        CommandLine = ProcessRunner.Describe(fileName, arguments);
        // Standard input is redirected and left open so the child never reads the caller's terminal.
        _process = ProcessRunner.Start(fileName, arguments, redirectInput: true);
        Id = _process.Id;
        _stdout = new BoundedTextCapture(_process.StandardOutput, maxOutputChars);
        _stderr = new BoundedTextCapture(_process.StandardError, maxOutputChars);
    }

    /// <summary>The PID (with <c>ip netns exec</c> this is the program itself: ip execs it).</summary>
    public int Id { get; }

    /// <summary>The program and arguments, for messages.</summary>
    public string CommandLine { get; }

    /// <summary>True once the process has exited.</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>The exit code once exited, else null.</summary>
    public int? ExitCode => _process.HasExited ? _process.ExitCode : null;

    /// <summary>Standard output so far (capped).</summary>
    public string StandardOutput => _stdout.Text;

    /// <summary>Standard error so far (capped).</summary>
    public string StandardError => _stderr.Text;

    /// <summary>
    /// Waits up to <paramref name="timeout"/>; true when the process exited. After an exit it also waits
    /// (briefly, bounded) for the captured output to reach end of file, so <see cref="StandardError"/>
    /// holds everything the process wrote: the exit is observed before the pipe readers finish.
    /// </summary>
    public bool WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            return false;
        }

        Task.WaitAll([_stdout.Completion, _stderr.Completion], OutputDrainTimeout);
        return true;
    }

    /// <summary>Waits for exit or cancellation, then (bounded) for the captured output to be complete.</summary>
    public async Task WaitForExitAsync(CancellationToken cancellationToken)
    {
        await _process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        await Task.WhenAny(Task.WhenAll(_stdout.Completion, _stderr.Completion), Task.Delay(OutputDrainTimeout, cancellationToken)).ConfigureAwait(false);
    }

    // A grandchild that inherited the pipe could keep it open; never wait on that for long.
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Polls (every 50 ms, up to <paramref name="timeout"/>) until standard output or standard error
    /// contains <paramref name="text"/>; false on timeout or when the process exits without printing it.
    /// </summary>
    public bool WaitForOutput(string text, TimeSpan timeout)
    {
        ArgumentException.ThrowIfNullOrEmpty(text);
        long deadline = Environment.TickCount64 + (long)timeout.TotalMilliseconds;
        while (true)
        {
            bool exited = _process.HasExited;
            if (StandardOutput.Contains(text, StringComparison.Ordinal) || StandardError.Contains(text, StringComparison.Ordinal))
            {
                return true;
            }

            if (exited || Environment.TickCount64 >= deadline)
            {
                return false;
            }

            Thread.Sleep(50);
        }
    }

    /// <summary>
    /// Sends SIGTERM to this PID, waits up to <paramref name="grace"/>, then SIGKILLs the remaining tree.
    /// Returns true when the process is gone.
    /// </summary>
    public bool Stop(TimeSpan grace)
    {
        if (!_process.HasExited)
        {
            _ = LibC.Kill(Id, LibC.SigTerm);
            if (!_process.WaitForExit(grace))
            {
                ProcessRunner.KillTree(_process);
                _process.WaitForExit(TimeSpan.FromSeconds(5));
            }
        }

        return _process.HasExited;
    }

    /// <summary>Stops the process (2 s grace) and releases it; safe to call more than once.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            Stop(TimeSpan.FromSeconds(2));
            Task.WaitAll([_stdout.Completion, _stderr.Completion], TimeSpan.FromSeconds(1));
        }
        finally
        {
            _process.Dispose();
        }
    }
}
