using Jormungandr.Commands;
using Jormungandr.Engine;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tunnel;

/// <summary>
/// Connects to a VPN server and keeps the tunnel up until cancelled (or stopped through its status
/// socket), reconnecting with bounded backoff when the server goes away. Writes a
/// <see cref="SnekSessionEvent"/> as the session changes. Throws SnekException (SecurityError) when
/// the server's key is not pinned or trusted. Needs root on Linux.
/// </summary>
public sealed class ConnectPeerCommand : ISnekCommand<ClientOptions>
{
    private readonly ILoggerFactory _loggerFactory;

    /// <summary>Creates the command; log messages go to <paramref name="loggerFactory"/> (none when null).</summary>
    public ConnectPeerCommand(ILoggerFactory? loggerFactory = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
    }

    /// <inheritdoc />
    public async Task ExecuteAsync(ClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        TunnelPreconditions.Check();
        var client = new Client(options, _loggerFactory, output.WriteObject);
        string name = options.InterfaceName ?? "";
        try
        {
            output.WriteProgress(new CommandProgress(1, $"Connecting to {options.Address}", "Creating the TUN interface"));
            await client.StartAsync(cancellationToken).ConfigureAwait(false);
            name = client.InterfaceName;
            output.WriteProgress(new CommandProgress(1, $"Connecting to {options.Address}", "Handshaking", -1, Completed: true));
            await client.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            client.Dispose();
            output.WriteObject(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, InterfaceName = name, Kind = SessionEventKind.Stopped, Message = "client stopped" });
        }
    }
}
