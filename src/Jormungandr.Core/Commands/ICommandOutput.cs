namespace Jormungandr.Commands;

/// <summary>
/// Where a command sends everything it produces. The cmdlets implement it over
/// <c>Cmdlet.WriteObject</c>/<c>WriteError</c>/<c>ShouldProcess</c>, the CLI over the console,
/// jobs over their data collections, and tests over <see cref="BufferedOutput"/>.
/// Terminating errors are thrown as <see cref="SnekException"/>; non-terminating ones go to
/// <see cref="WriteError"/>. Implementations must be thread-safe: tunnels report from worker threads.
/// </summary>
public interface ICommandOutput
{
    /// <summary>Emits a result object to the pipeline.</summary>
    void WriteObject(object value);

    /// <summary>Emits a non-terminating error.</summary>
    void WriteError(CommandError error);

    /// <summary>Emits a warning.</summary>
    void WriteWarning(string message);

    /// <summary>Emits a verbose (step-by-step) message.</summary>
    void WriteVerbose(string message);

    /// <summary>Reports progress of a long step.</summary>
    void WriteProgress(CommandProgress progress);

    /// <summary>
    /// Asks whether to perform a state-changing action (PowerShell's -WhatIf/-Confirm).
    /// Returns false when the action must be skipped.
    /// </summary>
    bool ShouldProcess(string target, string action);
}
