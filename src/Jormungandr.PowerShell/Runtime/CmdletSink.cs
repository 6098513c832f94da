using System.Management.Automation;
using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// An <see cref="ICommandOutput"/> straight over a cmdlet's own Write* methods. Valid only on the
/// pipeline thread: commands reach it through <see cref="CmdletOutput"/>, never directly.
/// </summary>
/// <param name="cmdlet">The running cmdlet.</param>
/// <param name="confirmed">True when the cmdlet already asked ShouldProcess for the whole operation.</param>
/// <param name="onObject">Optional hook the cmdlet runs for each object (e.g. to end a progress bar).</param>
internal sealed class CmdletSink(Cmdlet cmdlet, bool confirmed, Action<object>? onObject = null) : ICommandOutput
{
    /// <inheritdoc />
    public void WriteObject(object value)
    {
        onObject?.Invoke(value);
        cmdlet.WriteObject(value);
    }

    /// <inheritdoc />
    public void WriteError(CommandError error) => cmdlet.WriteError(ErrorRecords.Create(error));

    /// <inheritdoc />
    public void WriteWarning(string message) => cmdlet.WriteWarning(message);

    /// <inheritdoc />
    public void WriteVerbose(string message) => cmdlet.WriteVerbose(message);

    /// <inheritdoc />
    public void WriteProgress(CommandProgress progress) => cmdlet.WriteProgress(ProgressRecords.Create(progress));

    /// <inheritdoc />
    public bool ShouldProcess(string target, string action) => confirmed || cmdlet.ShouldProcess(target, action);
}
