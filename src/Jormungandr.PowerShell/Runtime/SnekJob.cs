using System.ComponentModel;
using System.Management.Automation;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// A background job (<c>-AsJob</c>) that runs a Jormungandr command, such as a tunnel or an echo server,
/// on background threads of the current PowerShell process. The cmdlet adds it to the session's job
/// repository, so Get-Job lists it, Receive-Job returns its objects, and Wait-Job, Stop-Job and
/// Remove-Job work as for any other job. Stopping the job cancels the command, which tears the tunnel down.
/// </summary>
public sealed class SnekJob : Job2
{
    /// <summary>The value of <c>PSJobTypeName</c> for every Jormungandr job.</summary>
    public const string JobTypeName = "SnekJob";

    private readonly CommandRunner _runner;
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
    public override void StartJob() => _runner.Start();

    /// <summary>Starts the command and raises StartJobCompleted.</summary>
    public override void StartJobAsync()
    {
        Exception? error = null;
        try
        {
            _runner.Start();
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

    /// <summary>Stops the command if it still runs, then releases the job.</summary>
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
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

        SetJobState(MapState(state));
    }

    private static PSNotSupportedException NotSupported(string what) =>
        new($"A {JobTypeName} cannot be {what}; stop it with Stop-Job.");
}
