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
            _running?.Cancel();
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
    internal void Run<TOptions>(ISnekCommand<TOptions> command, TOptions options, bool confirmed = false, object? target = null, bool terminating = true)
    {
        ArgumentNullException.ThrowIfNull(command);
        using CancellationTokenSource cts = new();
        lock (_gate)
        {
            if (_stopping)
            {
                return;
            }

            _running = cts;
        }

        using PipelinePump pump = new();
        CmdletOutput output = new(pump, new CmdletSink(this, confirmed));
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
        if (failure is null)
        {
            return;
        }

        if (cts.IsCancellationRequested && failure is OperationCanceledException)
        {
            return; // Ctrl+C: PowerShell stops the pipeline itself.
        }

        if (terminating)
        {
            ThrowTerminatingError(ErrorRecords.Create(failure, target));
        }

        WriteError(ErrorRecords.Create(failure, target));
    }

    /// <summary>
    /// Starts <paramref name="body"/> as a <see cref="SnekJob"/>, adds it to the job repository (so
    /// Get-Job lists it) and writes the job object.
    /// </summary>
    internal SnekJob StartJob(string command, string location, Func<ICommandOutput, CancellationToken, Task> body, Action<SnekJob>? configure = null)
    {
        SnekJob job = new(command, null, location, body);
        configure?.Invoke(job);
        JobRepository.Add(job);
        job.StartJob();
        WriteObject(job);
        return job;
    }

    /// <summary>A path as the user meant it: relative to the current PowerShell location, not the process's.</summary>
    protected string ResolvePath(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return SessionState.Path.GetUnresolvedProviderPathFromPSPath(path);
    }

    /// <summary>The text PowerShell shows as the command line of a job started by this cmdlet.</summary>
    protected string CommandLine => MyInvocation?.Line?.Trim() is { Length: > 0 } line ? line : MyInvocation?.MyCommand?.Name ?? GetType().Name;

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
