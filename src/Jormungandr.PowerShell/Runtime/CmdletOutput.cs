using Jormungandr.Commands;

namespace Jormungandr.PowerShell.Runtime;

/// <summary>
/// The <see cref="ICommandOutput"/> a command gets when a cmdlet runs it in the foreground. Commands
/// (and tunnels' worker threads) may call it from any thread; every call is carried to the pipeline
/// thread through a <see cref="PipelinePump"/> and only there reaches <paramref name="pipelineSink"/>
/// (the cmdlet's WriteObject/WriteError/ShouldProcess).
/// </summary>
/// <param name="pump">The pump the cmdlet thread runs while the command executes.</param>
/// <param name="pipelineSink">The output that may only be used on the pipeline thread.</param>
internal sealed class CmdletOutput(PipelinePump pump, ICommandOutput pipelineSink) : ICommandOutput
{
    /// <inheritdoc />
    public void WriteObject(object value)
    {
        ArgumentNullException.ThrowIfNull(value);
        pump.Post(() => pipelineSink.WriteObject(value));
    }

    /// <inheritdoc />
    public void WriteError(CommandError error)
    {
        ArgumentNullException.ThrowIfNull(error);
        pump.Post(() => pipelineSink.WriteError(error));
    }

    /// <inheritdoc />
    public void WriteWarning(string message) => pump.Post(() => pipelineSink.WriteWarning(message));

    /// <inheritdoc />
    public void WriteVerbose(string message) => pump.Post(() => pipelineSink.WriteVerbose(message));

    /// <inheritdoc />
    public void WriteProgress(CommandProgress progress)
    {
        ArgumentNullException.ThrowIfNull(progress);
        pump.Post(() => pipelineSink.WriteProgress(progress));
    }

    /// <summary>Asks on the pipeline thread; a command that outlived its cmdlet gets "no".</summary>
    public bool ShouldProcess(string target, string action) =>
        pump.Invoke(() => pipelineSink.ShouldProcess(target, action), fallback: false);
}
