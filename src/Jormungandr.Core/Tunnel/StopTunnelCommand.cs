using Jormungandr.Commands;

namespace Jormungandr.Tunnel;

/// <summary>Stops a running tunnel (by interface name) through its status socket, after ShouldProcess agrees.</summary>
public sealed class StopTunnelCommand : ISnekCommand<StopTunnelOptions>
{
    /// <inheritdoc />
    public Task ExecuteAsync(StopTunnelOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        throw new SnekException("TunnelNotAvailable", ErrorKind.ResourceUnavailable, "The tunnel engine is not available yet in this build.");
    }
}
