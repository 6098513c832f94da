using Jormungandr.Commands;
using Jormungandr.Engine;
using Jormungandr.Service;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Jormungandr.Tunnel;

/// <summary>
/// Runs a VPN server until cancelled (or stopped through its status socket): one TUN for many
/// clients, the TCP key port and the UDP data port, authorized keys re-read on change, a status
/// socket. Writes a <see cref="SnekSessionEvent"/> as peers come and go, and a final
/// <see cref="SessionEventKind.Stopped"/> after everything it created is removed. Under a service
/// manager it announces readiness once listening with the TUN up, and re-reads the authorized keys
/// when <see cref="ServiceLifecycle.RequestReload"/> is called. Needs root on Linux.
/// </summary>
public sealed class StartServerCommand : ISnekCommand<ServerOptions>
{
    private readonly ILoggerFactory _loggerFactory;
    private readonly ServiceLifecycle _service;

    /// <summary>Creates the command; log messages go to <paramref name="loggerFactory"/> (none when null).</summary>
    /// <param name="loggerFactory">Where log messages go.</param>
    /// <param name="service">Readiness, status and reload link to a service manager; none when null.</param>
    public StartServerCommand(ILoggerFactory? loggerFactory = null, ServiceLifecycle? service = null)
    {
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _service = service ?? ServiceLifecycle.None;
    }

    /// <inheritdoc />
    public async Task ExecuteAsync(ServerOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        TunnelPreconditions.Check();
        _service.Warning ??= output.WriteWarning;
        var server = new Server(options, _loggerFactory, output.WriteObject, _service);
        string name = options.InterfaceName ?? "";
        try
        {
            output.WriteVerbose("Creating the TUN interface and opening the key and data ports");
            server.Start();
            name = server.InterfaceName;
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            server.Dispose();
            output.WriteObject(new SnekSessionEvent { Time = DateTimeOffset.UtcNow, InterfaceName = name, Kind = SessionEventKind.Stopped, Message = "server stopped" });
        }
    }
}
