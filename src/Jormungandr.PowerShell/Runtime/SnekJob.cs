using System.Collections.Concurrent;
using System.ComponentModel;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// A background job (<c>-AsJob</c>) that runs a Jormungandr command, such as a tunnel or an echo server,
/// on background threads of the current PowerShell process. The cmdlet registers it with the session's
/// JobManager (see SnekJobSourceAdapter), so Get-Job lists it, Receive-Job returns its objects, and Wait-Job, Stop-Job and
/// Remove-Job work as for any other job. Stopping the job cancels the command, which tears the tunnel down.
/// </summary>
public sealed class SnekJob : Job2
{
    /// <summary>The value of <c>PSJobTypeName</c> for every Jormungandr job.</summary>
    public const string JobTypeName = "SnekJob";

    // PowerShell stops only its own remoting jobs when a runspace closes, and nothing when the process
    // exits, so every job that still runs is tracked here and torn down at process exit.
    private static readonly ConcurrentDictionary<SnekJob, byte> s_live = new();
    private static readonly bool s_exitHooked = HookProcessExit();

    private readonly CommandRunner _runner;
    private Runspace? _runspace;
    private string _location;
    private string _statusMessage = string.Empty;

    internal SnekJob(string command, string? name, string location, Func<ICommandOutput, CancellationToken, Task> body)
        : base(command, name)
    {
        // Own, fresh collections: the job's streams are written from worker threads (they are thread-safe).
        Output = new PSDataCollection<PSObject>();
        Error = new PSDataCollection<ErrorRecord>();
        Warning = new PSDataCollection<WarningRecord>();
        Verbose = new PSDataCollection<VerboseRecord>();
        Progress = new PSDataCollection<ProgressRecord>();
        Information = new PSDataCollection<InformationRecord>();
        Debug = new PSDataCollection<DebugRecord>();
        PSJobTypeName = JobTypeName;
        _location = location;
        _runner = new CommandRunner(body, new JobStreamsOutput(this));
        _runner.StateChanged += OnRunnerStateChanged;
    }

    /// <summary>Where the job runs: the local machine (the tunnel's interface, when known).</summary>
    public override string Location => _location;

    /// <summary>The last status the command reported (for Get-Job's StatusMessage).</summary>
    public override string StatusMessage => _statusMessage;

    /// <summary>True while any stream still holds records Receive-Job has not read.</summary>
    public override bool HasMoreData =>
        Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0
        || Progress.Count > 0 || Information.Count > 0 || Debug.Count > 0;

    /// <summary>Starts the command on a background thread.</summary>
    public override void StartJob()
    {
        _ = s_exitHooked;
        s_live.TryAdd(this, 0);
        _runner.Start();
    }

    /// <summary>Starts the command and raises StartJobCompleted.</summary>
    public override void StartJobAsync()
    {
        Exception? error = null;
        try
        {
            StartJob();
        }
        catch (InvalidOperationException ex)
        {
            error = ex;
        }

        OnStartJobCompleted(new AsyncCompletedEventArgs(error, false, null));
    }

    /// <summary>Stops the command (tears the tunnel down) and waits until it is down.</summary>
    public override void StopJob() => _runner.Stop();

    /// <summary>Stops the command; <paramref name="force"/> and <paramref name="reason"/> are not used.</summary>
    public override void StopJob(bool force, string reason) => _runner.Stop();

    /// <summary>Stops the command and raises StopJobCompleted when it is down (Stop-Job waits for that).</summary>
    public override void StopJobAsync() => StopJobAsync(false, string.Empty);

    /// <summary>Stops the command and raises StopJobCompleted when it is down.</summary>
    public override void StopJobAsync(bool force, string reason)
    {
        _ = _runner.StopAsync().ContinueWith(
            t => OnStopJobCompleted(new AsyncCompletedEventArgs(t.Exception?.GetBaseException(), false, null)),
            CancellationToken.None,
            TaskContinuationOptions.None,
            TaskScheduler.Default);
    }

    /// <summary>Not supported: a tunnel cannot be suspended.</summary>
    public override void SuspendJob() => throw NotSupported("suspended");

    /// <summary>Not supported: a tunnel cannot be suspended.</summary>
    public override void SuspendJob(bool force, string reason) => throw NotSupported("suspended");

    /// <summary>Not supported: a tunnel cannot be suspended.</summary>
    public override void SuspendJobAsync() => throw NotSupported("suspended");

    /// <summary>Not supported: a tunnel cannot be suspended.</summary>
    public override void SuspendJobAsync(bool force, string reason) => throw NotSupported("suspended");

    /// <summary>Not supported: a tunnel cannot be suspended, so it cannot be resumed.</summary>
    public override void ResumeJob() => throw NotSupported("resumed");

    /// <summary>Not supported: a tunnel cannot be suspended, so it cannot be resumed.</summary>
    public override void ResumeJobAsync() => throw NotSupported("resumed");

    /// <summary>Not supported: the job never blocks waiting for input.</summary>
    public override void UnblockJob() => throw NotSupported("unblocked");

    /// <summary>Not supported: the job never blocks waiting for input.</summary>
    public override void UnblockJobAsync() => throw NotSupported("unblocked");

    internal void SetStatus(string message) => _statusMessage = message;

    internal void SetLocation(string location) => _location = location;

    /// <summary>
    /// Stops the job when <paramref name="runspace"/> (the one whose JobManager holds it) closes:
    /// otherwise the tunnel would run on, unreachable, after its session is gone.
    /// </summary>
    internal void StopWhenClosed(Runspace? runspace)
    {
        if (runspace is null)
        {
            return;
        }

        _runspace = runspace;
        runspace.StateChanged += OnRunspaceStateChanged;
    }

    /// <summary>Stops the command if it still runs, then releases the job.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Forget();
            _runner.StateChanged -= OnRunnerStateChanged;
            _runner.Dispose();
        }

        base.Dispose(disposing);
    }

    internal static JobState MapState(CommandRunState state) => state switch
    {
        CommandRunState.NotStarted => JobState.NotStarted,
        CommandRunState.Running => JobState.Running,
        CommandRunState.Stopping => JobState.Stopping,
        CommandRunState.Completed => JobState.Completed,
        CommandRunState.Failed => JobState.Failed,
        _ => JobState.Stopped,
    };

    private void OnRunnerStateChanged(CommandRunState state)
    {
        if (state == CommandRunState.Failed && _runner.Failure is { } failure)
        {
            _statusMessage = failure.Message;
        }

        if (CommandRunner.IsFinal(state))
        {
            Forget();
        }

        SetJobState(MapState(state));
    }

    private void OnRunspaceStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
        {
            Forget();
            StopQuietly(_runner.StopAsync()).Wait(CommandRunner.DefaultStopTimeout);
        }
    }

    /// <summary>No longer tracked for runspace close or process exit (final state or disposed).</summary>
    private void Forget()
    {
        s_live.TryRemove(this, out _);
        Runspace? runspace = Interlocked.Exchange(ref _runspace, null);
        if (runspace is not null)
        {
            runspace.StateChanged -= OnRunspaceStateChanged;
        }
    }

    private static bool HookProcessExit()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            // Tear down every tunnel still running (in parallel, bounded), so interfaces, routes and
            // status sockets do not outlive the pwsh that made them.
            List<Task> stops = [];
            foreach (SnekJob job in s_live.Keys)
            {
                stops.Add(StopQuietly(job._runner.StopAsync()));
            }

            Task.WaitAll([.. stops], CommandRunner.DefaultStopTimeout);
        };
        return true;
    }

    private static async Task StopQuietly(Task stop)
    {
        try
        {
            await stop.ConfigureAwait(false);
        }
#pragma warning disable CA1031 // Teardown at close or exit must never throw into PowerShell or the runtime.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    private static PSNotSupportedException NotSupported(string what) =>
        new($"A {JobTypeName} cannot be {what}; stop it with Stop-Job.");
}
