using System.Management.Automation;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// Base of every Jormungandr cmdlet: runs a shared command class on a worker task while the pipeline
/// thread pumps its output, cancels it on Ctrl+C (StopProcessing), turns SnekException into a
/// terminating ErrorRecord, resolves paths against the PowerShell location, and starts -AsJob jobs.
/// </summary>
public abstract class SnekCmdlet : PSCmdlet
{
    private readonly Lock _gate = new();
    private CancellationTokenSource? _running;
    private bool _stopping;

    /// <summary>Cancels the running command: a foreground tunnel is torn down.</summary>
    protected override void StopProcessing()
    {
        lock (_gate)
        {
            _stopping = true;
            try
            {
                _running?.Cancel();
            }
            catch (AggregateException)
            {
                // A teardown callback failed; the command still ends and reports it.
            }
        }
    }

    /// <summary>
    /// Runs <paramref name="command"/> to completion in the foreground. Objects, errors, progress and
    /// ShouldProcess questions arrive on this (the pipeline) thread in the order the command made them.
    /// </summary>
    /// <param name="command">The shared command.</param>
    /// <param name="options">Its options.</param>
    /// <param name="confirmed">True when the cmdlet already asked ShouldProcess for the whole operation.</param>
    /// <param name="target">The object a terminating error concerns when the command names none.</param>
    /// <param name="terminating">
    /// True: a failure ends the cmdlet (ThrowTerminatingError). False: it is written as a non-terminating
    /// error and the next pipeline object is processed, as PowerShell users expect of per-item failures.
    /// </param>
    /// <param name="onObject">Called on the pipeline thread with each object before it is written.</param>
    /// <returns>True when the command completed without error.</returns>
    internal bool Run<TOptions>(ISnekCommand<TOptions> command, TOptions options, bool confirmed = false, object? target = null, bool terminating = true, Action<object>? onObject = null)
    {
        ArgumentNullException.ThrowIfNull(command);
        using CancellationTokenSource cts = new();
        lock (_gate)
        {
            if (_stopping)
            {
                return false;
            }

            _running = cts;
        }

        using PipelinePump pump = new();
        CmdletOutput output = new(pump, new CmdletSink(this, confirmed, onObject));
        Task work = Task.Run(() => command.ExecuteAsync(options, output, cts.Token), CancellationToken.None);
        try
        {
            pump.Run(work);
        }
        catch (Exception)
        {
            // Writing failed on the pipeline thread (the pipeline is stopping): take the command down too.
            cts.Cancel();
            WaitQuietly(work);
            throw;
        }
        finally
        {
            lock (_gate)
            {
                _running = null;
            }
        }

        Exception? failure = work.Exception?.GetBaseException();
        if (failure is null && work.IsCanceled && !cts.IsCancellationRequested)
        {
            // An async command that lets any OperationCanceledException escape ends Canceled with no
            // Exception; without Ctrl+C that is a failure, not silent success.
            failure = new OperationCanceledException("The command was cancelled before it completed.");
        }

        if (failure is null)
        {
            return !cts.IsCancellationRequested;
        }

        if (cts.IsCancellationRequested && failure is OperationCanceledException)
        {
            return false; // Ctrl+C: PowerShell stops the pipeline itself.
        }

        if (terminating)
        {
            ThrowTerminatingError(ErrorRecords.Create(failure, target));
        }

        WriteError(ErrorRecords.Create(failure, target));
        return false;
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a <see cref="SnekJob"/>, registers it with the session's
    /// JobManager (so Get-Job lists it and Remove-Job/Receive-Job -AutoRemoveJob remove it), ties it to
    /// this runspace (closing the runspace stops it) and writes the job object.
    /// </summary>
    internal SnekJob StartJob(string command, string location, Func<ICommandOutput, CancellationToken, Task> body, Action<SnekJob>? configure = null)
    {
        SnekJob job = new(command, null, location, body);
        configure?.Invoke(job);

        // Through the JobManager and an adapter (as ThreadJob does), not JobRepository.Add: Receive-Job
        // -AutoRemoveJob removes a Job2 only through the JobManager. Import-Module registers the module's
        // exported JobSourceAdapter types with the importing session's JobManager.
        JobDefinition definition = new(typeof(SnekJobSourceAdapter), command, job.Name);
        try
        {
            JobManager.NewJob(new JobInvocationInfo(definition, new Dictionary<string, object> { [SnekJobSourceAdapter.JobParameter] = job }));
        }
        catch (InvalidOperationException)
        {
            JobRepository.Add(job); // no adapter in this session (the module was not imported here): Get-Job still lists it
        }

        job.StopWhenClosed(System.Management.Automation.Runspaces.Runspace.DefaultRunspace);
        job.StartJob();
        WriteObject(job);
        return job;
    }

    /// <summary>
    /// Runs an options check before anything starts, so a bad value is a terminating error at once
    /// (and not a failed job later).
    /// </summary>
    internal void Validate(Action check)
    {
        ArgumentNullException.ThrowIfNull(check);
        try
        {
            check();
        }
        catch (SnekException ex)
        {
            ThrowTerminatingError(ErrorRecords.Create(ex));
        }
    }

    /// <summary>A path as the user meant it: relative to the current PowerShell location, not the process's.</summary>
    protected string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
    }

    /// <summary>
    /// The Command a job started by this cmdlet shows in Get-Job: the cmdlet and its bound parameters
    /// (secure strings masked), e.g. <c>Start-LegacyEchoServer -Port 0 -AsJob</c>.
    /// </summary>
    protected string CommandLine
    {
        get
        {
            System.Text.StringBuilder text = new(MyInvocation?.MyCommand?.Name ?? GetType().Name);
            if (MyInvocation?.BoundParameters is { } bound)
            {
                foreach (KeyValuePair<string, object> parameter in bound)
                {
                    text.Append(" -").Append(parameter.Key);
                    switch (parameter.Value)
                    {
                        case SwitchParameter on:
                            if (!on.IsPresent)
                            {
                                text.Append(":$false");
                            }

                            break;
                        case System.Security.SecureString:
                            text.Append(" ***");
                            break;
                        case string[] many:
                            text.Append(' ').Append(string.Join(',', many));
                            break;
                        case var value:
                            text.Append(' ').Append(System.Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture));
                            break;
                    }
                }
            }

            return text.ToString();
        }
    }

    private static void WaitQuietly(Task work)
    {
        try
        {
            work.Wait(CommandRunner.DefaultStopTimeout);
        }
        catch (AggregateException)
        {
            // The command's own failure is moot once the pipeline is stopping.
        }
    }
}
