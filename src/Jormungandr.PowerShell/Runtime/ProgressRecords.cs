using System.Management.Automation;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>Converts command progress into PowerShell's ProgressRecord.</summary>
internal static class ProgressRecords
{
    /// <summary>
    /// ProgressRecord rejects empty activity or status strings, so blanks become a readable
    /// placeholder instead of an exception in the middle of a tunnel.
    /// </summary>
    public static (string Activity, string Status, int Percent) Normalize(CommandProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        string activity = string.IsNullOrWhiteSpace(progress.Activity) ? "Jormungandr" : progress.Activity;
        string status = string.IsNullOrWhiteSpace(progress.Status) ? (progress.Completed ? "Done" : "Working") : progress.Status;
        int percent = progress.PercentComplete is < -1 or > 100 ? -1 : progress.PercentComplete;
        return (activity, status, percent);
    }

    /// <summary>The ProgressRecord for Write-Progress or a job's Progress stream.</summary>
    public static ProgressRecord Create(CommandProgress progress)
    {
        (string activity, string status, int percent) = Normalize(progress);
        return new ProgressRecord(progress.ActivityId, activity, status)
        {
            PercentComplete = percent,
            RecordType = progress.Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
    }
}
