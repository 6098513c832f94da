using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// Runs one command on background threads of this process for a job: tracks the state, turns a
/// terminating failure into an error record in the output, and stops by cancelling the token (which
/// makes tunnel commands tear their tunnel down). PowerShell-free, so its lifecycle is unit-tested;
/// <see cref="SnekJob"/> maps it onto Job2.
/// </summary>
internal sealed class CommandRunner : IDisposable
{
    /// <summary>How long Stop waits for the command to finish tearing down before giving up on it.</summary>
    public static readonly TimeSpan DefaultStopTimeout = TimeSpan.FromSeconds(15);

    private readonly Func<ICommandOutput, CancellationToken, Task> _body;
    private readonly ICommandOutput _output;
    private readonly CancellationTokenSource _cts = new();
    private readonly TaskCompletionSource _finished = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Lock _gate = new();
    private readonly Lock _events = new(); // delivers state changes one at a time, in order
    private readonly TimeSpan _stopTimeout;
    private CommandRunState _state = CommandRunState.NotStarted;

    /// <summary>Creates a runner for <paramref name="body"/>, which writes to <paramref name="output"/>.</summary>
    public CommandRunner(Func<ICommandOutput, CancellationToken, Task> body, ICommandOutput output, TimeSpan? stopTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(output);
        _body = body;
        _output = output;
        _stopTimeout = stopTimeout ?? DefaultStopTimeout;
    }

    /// <summary>Raised (on any thread) after every state change, with the new state.</summary>
    public event Action<CommandRunState>? StateChanged;

    /// <summary>The current state.</summary>
    public CommandRunState State { get { lock (_gate) { return _state; } } }

    /// <summary>The error a failed command ended with.</summary>
    public CommandError? Failure { get; private set; }

    /// <summary>Completes when the command has reached a final state.</summary>
    public Task Finished => _finished.Task;

    /// <summary>True for Completed, Failed and Stopped.</summary>
    public static bool IsFinal(CommandRunState state) =>
        state is CommandRunState.Completed or CommandRunState.Failed or CommandRunState.Stopped;

    /// <summary>Starts the command on the thread pool. Throws if already started.</summary>
    public void Start()
    {
        lock (_gate)
        {
            if (_state != CommandRunState.NotStarted)
            {
                throw new InvalidOperationException($"The command was already started (state {_state}).");
            }
        }

        SetState(CommandRunState.Running);
        _ = Task.Run(RunAsync);
    }

    /// <summary>Requests a stop and waits (bounded) until the command is down.</summary>
    public void Stop() => StopAsync().GetAwaiter().GetResult();

    /// <summary>
    /// Requests a stop: cancels the token and completes when the command has finished, or after the
    /// stop timeout (the runner then reports Stopped and abandons the command).
    /// </summary>
    public async Task StopAsync()
    {
        bool neverStarted = false;
        lock (_gate)
        {
            if (IsFinal(_state))
            {
                return;
            }

            neverStarted = _state == CommandRunState.NotStarted;
        }

        if (neverStarted)
        {
            Finish(CommandRunState.Stopped);
            return;
        }

        SetState(CommandRunState.Stopping);
        await _cts.CancelAsync().ConfigureAwait(false);
        Task done = await Task.WhenAny(_finished.Task, Task.Delay(_stopTimeout)).ConfigureAwait(false);
        if (done != _finished.Task)
        {
            _output.WriteWarning($"The command did not stop within {_stopTimeout.TotalSeconds:0} s; abandoning it.");
            Finish(CommandRunState.Stopped);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (!IsFinal(State))
        {
            try
            {
                _cts.Cancel();
            }
            catch (AggregateException)
            {
                // A cancellation callback threw; the command is being torn down anyway.
            }
        }

        _cts.Dispose();
    }

    private async Task RunAsync()
    {
        try
        {
            await _body(_output, _cts.Token).ConfigureAwait(false);
            Finish(StopRequested ? CommandRunState.Stopped : CommandRunState.Completed);
        }
        catch (OperationCanceledException) when (StopRequested)
        {
            Finish(CommandRunState.Stopped);
        }
        catch (Exception ex) when (StopRequested && ex is not SnekException)
        {
            // Teardown noise (a socket closed under a pending read) is not a failure the user caused.
            Finish(CommandRunState.Stopped);
        }
#pragma warning disable CA1031 // A job must record any failure instead of crashing the process.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            CommandError error = ErrorRecords.Describe(ex);
            Failure = error;
            try
            {
                _output.WriteError(error);
            }
#pragma warning disable CA1031
            catch (Exception)
#pragma warning restore CA1031
            {
                // The output is gone (job disposed); the state still says Failed.
            }

            Finish(CommandRunState.Failed);
        }
    }

    private bool StopRequested
    {
        get
        {
            try
            {
                return _cts.IsCancellationRequested;
            }
            catch (ObjectDisposedException)
            {
                return true;
            }
        }
    }

    private void Finish(CommandRunState state)
    {
        lock (_events)
        {
            lock (_gate)
            {
                if (IsFinal(_state))
                {
                    return;
                }

                _state = state;
            }

            StateChanged?.Invoke(state);
        }

        _finished.TrySetResult();
    }

    private void SetState(CommandRunState state)
    {
        lock (_events)
        {
            lock (_gate)
            {
                if (IsFinal(_state) || _state == state)
                {
                    return;
                }

                _state = state;
            }

            // Under the event lock: a final state can never be reported before an earlier Stopping.
            StateChanged?.Invoke(state);
        }
    }
}
