namespace Jormungandr.Commands;

/// <summary>
/// A command both front ends run: <c>snek</c> and the cmdlets parse their arguments into
/// <typeparamref name="TOptions"/> and hand over an <see cref="ICommandOutput"/>; everything
/// else happens here, so xunit tests a cmdlet's behaviour without PowerShell.
/// </summary>
/// <typeparam name="TOptions">An immutable options record.</typeparam>
public interface ISnekCommand<in TOptions>
{
    /// <summary>Runs the command. Terminating errors throw <see cref="SnekException"/>.</summary>
    Task ExecuteAsync(TOptions options, ICommandOutput output, CancellationToken cancellationToken);
}
