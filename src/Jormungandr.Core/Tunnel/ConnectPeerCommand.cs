using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Service;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tunnel;

/// <summary>
/// Connects to a VPN server and keeps the tunnel up until cancelled (or stopped through its status
/// socket), reconnecting with bounded backoff when the server goes away. Writes a
/// <see cref="SnekSessionEvent"/> as the session changes. Throws SnekException (SecurityError) when
/// the server's key is not pinned or trusted. Under a service manager it announces readiness when the
/// first session is established and reports reconnects as status lines. Needs root on Linux.
/// </summary>
public sealed class ConnectPeerCommand : ISnekCommand<ClientOptions>
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ServiceLifecycle _service;

    /// <summary>Creates the command; log messages go to <paramref name="loggerFactory"/> (none when null).</summary>
    /// <param name="loggerFactory">Where log messages go.</param>
    /// <param name="service">Readiness and status link to a service manager; none when null.</param>
    public ConnectPeerCommand(ILoggerFactory? loggerFactory = null, ServiceLifecycle? service = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _service = service ?? ServiceLifecycle.None;
    }

    /// <inheritdoc />
    public async Task ExecuteAsync(ClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        TunnelPreconditions.Check();
        _service.Warning ??= output.WriteWarning;
        var client = new Client(options, _loggerFactory, e =>
        {
            output.WriteObject(e);
            Announce(e);
        });
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
            _service.Stopping($"{client.InterfaceName}: stopping, removing the interface");
            client.Dispose();
            output.WriteObject(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, InterfaceName = name, Kind = SessionEventKind.Stopped, Message = "client stopped" });
        }
    }

    // Ready when the tunnel first carries traffic; afterwards each session change is a status line.
    private void Announce(SnekSessionEvent e)
    {
        switch (e.Kind)
        {
            case SessionEventKind.Established:
                _service.Ready($"{e.InterfaceName}: connected to {e.Endpoint}, {e.Message}");
                break;
            case SessionEventKind.Disconnected when _service.IsReady:
                _service.Status($"{e.InterfaceName}: reconnecting to {e.Endpoint} ({e.Message})");
                break;
        }
    }
}
