using Jormungandr.Commands;

namespace Jormungandr.Tunnel;

/// <summary>Disconnects one peer (by fingerprint) from a running tunnel, after ShouldProcess agrees.</summary>
public sealed class DisconnectPeerCommand : ISnekCommand<DisconnectPeerOptions>
{
    /// <inheritdoc />
    public Task ExecuteAsync(DisconnectPeerOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        throw new SnekException("TunnelNotAvailable", ErrorKind.ResourceUnavailable, "The tunnel engine is not available yet in this build.");
    }
}
