using Jormungandr.Commands;

namespace Jormungandr.Tunnel;

/// <summary>
/// Lists the sessions of every running tunnel on this machine (or of one), read through their
/// status sockets: one <see cref="SnekSession"/> object per session.
/// </summary>
public sealed class GetSessionCommand : ISnekCommand<GetSessionOptions>
{
    /// <inheritdoc />
    public Task ExecuteAsync(GetSessionOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        throw new SnekException("TunnelNotAvailable", ErrorKind.ResourceUnavailable, "The tunnel engine is not available yet in this build.");
    }
}
