using System.Collections.Concurrent;
using System.Management.Automation;
using System.Management.Automation.Runspaces;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// Registers <see cref="SnekJob"/>s with the session's JobManager (as ThreadJob does), so every job cmdlet
/// finds them: Get-Job lists them, Remove-Job and <c>Receive-Job -AutoRemoveJob</c> remove them. A job
/// only in the plain JobRepository cannot be auto-removed: Receive-Job asks the JobManager, which throws
/// for a Job2 that no adapter knows. PowerShell creates one adapter per session; it is not for direct use.
/// </summary>
public sealed class SnekJobSourceAdapter : JobSourceAdapter
{
    /// <summary>The JobInvocationInfo parameter that carries the already-built job to <see cref="NewJob(JobInvocationInfo)"/>.</summary>
    internal const string JobParameter = "SnekJob";

    private readonly ConcurrentDictionary<Guid, SnekJob> _jobs = new();

    /// <summary>Creates the adapter (PowerShell's JobManager does, once per session).</summary>
    public SnekJobSourceAdapter()
    {
        Name = nameof(SnekJobSourceAdapter);
    }

    /// <summary>Takes the job the cmdlet built (passed as a parameter) into this session's list.</summary>
    /// <param name="specification">A definition for this adapter whose parameters hold the job.</param>
    /// <returns>That job.</returns>
    public override Job2 NewJob(JobInvocationInfo specification)
    {
        ArgumentNullException.ThrowIfNull(specification);
        foreach (CommandParameterCollection parameters in specification.Parameters)
        {
            foreach (CommandParameter parameter in parameters)
            {
                if (parameter.Name == JobParameter && parameter.Value is SnekJob job)
                {
                    _jobs.TryAdd(job.InstanceId, job);
                    return job;
                }
            }
        }

        throw new PSArgumentException("The job specification carries no SnekJob.", nameof(specification));
    }

    /// <summary>Every job of this session.</summary>
    /// <returns>The jobs.</returns>
    public override IList<Job2> GetJobs() => [.. _jobs.Values];

    /// <summary>Jobs whose name matches (wildcards allowed).</summary>
    /// <param name="name">Name or wildcard pattern.</param>
    /// <param name="recurse">Unused: a SnekJob has no child jobs.</param>
    /// <returns>The matching jobs.</returns>
    public override IList<Job2> GetJobsByName(string name, bool recurse) => Matching(name, static j => j.Name);

    /// <summary>Jobs whose command matches (wildcards allowed).</summary>
    /// <param name="command">Command or wildcard pattern.</param>
    /// <param name="recurse">Unused: a SnekJob has no child jobs.</param>
    /// <returns>The matching jobs.</returns>
    public override IList<Job2> GetJobsByCommand(string command, bool recurse) => Matching(command, static j => j.Command);

    /// <summary>The job with this instance id, or null.</summary>
    /// <param name="instanceId">Instance id.</param>
    /// <param name="recurse">Unused: a SnekJob has no child jobs.</param>
    /// <returns>The job or null.</returns>
    public override Job2? GetJobByInstanceId(Guid instanceId, bool recurse) =>
        _jobs.TryGetValue(instanceId, out SnekJob? job) ? job : null;

    /// <summary>The job with this session id, or null.</summary>
    /// <param name="id">Session id (Get-Job's Id).</param>
    /// <param name="recurse">Unused: a SnekJob has no child jobs.</param>
    /// <returns>The job or null.</returns>
    public override Job2? GetJobBySessionId(int id, bool recurse) =>
        _jobs.Values.FirstOrDefault(j => j.Id == id);

    /// <summary>Jobs in this state.</summary>
    /// <param name="state">The state.</param>
    /// <param name="recurse">Unused: a SnekJob has no child jobs.</param>
    /// <returns>The jobs in that state.</returns>
    public override IList<Job2> GetJobsByState(JobState state, bool recurse) =>
        [.. _jobs.Values.Where(j => j.JobStateInfo.State == state)];

    /// <summary>Filters are not supported by SnekJob: no job matches.</summary>
    /// <param name="filter">The filter.</param>
    /// <param name="recurse">Unused.</param>
    /// <returns>An empty list.</returns>
    public override IList<Job2> GetJobsByFilter(Dictionary<string, object> filter, bool recurse) => [];

    /// <summary>Forgets the job (Remove-Job, Receive-Job -AutoRemoveJob); PowerShell then disposes it.</summary>
    /// <param name="job">The job.</param>
    public override void RemoveJob(Job2 job)
    {
        ArgumentNullException.ThrowIfNull(job);
        _jobs.TryRemove(job.InstanceId, out _);
    }

    private List<Job2> Matching(string pattern, Func<SnekJob, string> value)
    {
        WildcardPattern wildcard = WildcardPattern.Get(pattern ?? string.Empty, WildcardOptions.IgnoreCase);
        return [.. _jobs.Values.Where(j => wildcard.IsMatch(value(j) ?? string.Empty))];
    }
}
