using System.Management.Automation;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// The <see cref="ICommandOutput"/> of a command running in a <see cref="SnekJob"/>: objects go to the
/// job's Output, errors to Error and so on; Receive-Job reads them. ShouldProcess answers yes because
/// the cmdlet asked the user before it created the job.
/// </summary>
/// <param name="job">The job whose streams receive the output.</param>
internal sealed class JobStreamsOutput(SnekJob job) : ICommandOutput
{
    /// <inheritdoc />
    public void WriteObject(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        job.Output.Add(PSObject.AsPSObject(value));
    }

    /// <inheritdoc />
    public void WriteError(CommandError error)
    {
        job.SetStatus(error.Message);
        job.Error.Add(ErrorRecords.Create(error));
    }

    /// <inheritdoc />
    public void WriteWarning(string message) => job.Warning.Add(new WarningRecord(message));

    /// <inheritdoc />
    public void WriteVerbose(string message) => job.Verbose.Add(new VerboseRecord(message));

    /// <inheritdoc />
    public void WriteProgress(CommandProgress progress) => job.Progress.Add(ProgressRecords.Create(progress));

    /// <inheritdoc />
    public bool ShouldProcess(string target, string action) => true;
}
