using Jormungandr.Commands;

namespace Jormungandr.Provisioning;

/// <summary>
/// Revokes a client: removes its key (and its static-address and networks files) from the
/// authorized-keys directory after ShouldProcess agrees. A running server re-reads the directory every
/// second and drops the client's live session when its key is gone.
/// </summary>
public sealed class RemoveClientCommand : ISnekCommand<RemoveClientOptions>
{
    /// <summary>The ShouldProcess action text.</summary>
    public const string Action = "Revoke client";

    /// <inheritdoc />
    public Task ExecuteAsync(RemoveClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        ClientDirectory clients = new(options.AuthorizedKeysPath);
        clients.RequireExists();
        string key = clients.KeyFile(options.Name);
        if (!File.Exists(key))
        {
            throw new SnekException("ClientNotFound", ErrorKind.ObjectNotFound, $"No client named '{options.Name}' in {clients.Path}.", options.Name);
        }

        if (!output.ShouldProcess($"{options.Name} ({key})", Action))
        {
            return Task.CompletedTask;
        }

        SnekClient? revoked = options.PassThru ? clients.Find(options.Name) : null;

        // The key first: once it is gone the client is no longer authorized, whatever else fails.
        File.Delete(key);
        File.Delete(clients.AddressFile(options.Name));
        File.Delete(clients.NetworksFile(options.Name));
        output.WriteVerbose($"Revoked {options.Name}; a running server drops its session within seconds.");
        if (revoked is not null)
        {
            output.WriteObject(revoked);
        }
        return Task.CompletedTask;
    }
}
