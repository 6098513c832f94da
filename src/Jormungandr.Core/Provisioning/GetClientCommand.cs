using Jormungandr.Commands;

namespace Jormungandr.Provisioning;

/// <summary>Lists the clients authorized in a directory as <see cref="SnekClient"/> objects; a bad entry is a non-terminating error.</summary>
public sealed class GetClientCommand : ISnekCommand<GetClientOptions>
{
    /// <inheritdoc />
    public Task ExecuteAsync(GetClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        ClientDirectory clients = new(options.AuthorizedKeysPath);
        clients.RequireExists();
        if (options.Name is string name)
        {
            output.WriteObject(clients.Find(name) ?? throw new SnekException("ClientNotFound", ErrorKind.ObjectNotFound, $"No client named '{name}' in {clients.Path}.", name));
            return Task.CompletedTask;
        }

        foreach (SnekClient client in clients.List((n, e) => output.WriteError(e.ToCommandError())))
        {
            cancellationToken.ThrowIfCancellationRequested();
            output.WriteObject(client);
        }

        return Task.CompletedTask;
    }
}
