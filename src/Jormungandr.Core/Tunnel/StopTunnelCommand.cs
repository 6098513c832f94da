using Jormungandr.Commands;
using Jormungandr.Engine;

namespace Jormungandr.Tunnel;

/// <summary>
/// Stops a running tunnel (by interface name) through its status socket, after ShouldProcess agrees,
/// and waits (up to 15 s) until it has removed its interface and socket.
/// </summary>
public sealed class StopTunnelCommand : ISnekCommand<StopTunnelOptions>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    /// <inheritdoc />
    public async Task ExecuteAsync(StopTunnelOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        string path = StatusClient.SocketPaths(options.StatusDirectory, options.InterfaceName)[0];
        if (!output.ShouldProcess(options.InterfaceName, "Stop tunnel"))
        {
            return;
        }

        await StatusClient.QueryAsync(path, new StatusRequest { Op = StatusProtocol.OpStop }, cancellationToken).ConfigureAwait(false);
        var deadline = DateTime.UtcNow + Wait;
        while (File.Exists(path) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(path))
        {
            throw new SnekException("StopTimeout", ErrorKind.OperationTimeout, $"Tunnel {options.InterfaceName} did not stop within {Wait.TotalSeconds:0} s.", options.InterfaceName);
        }

        output.WriteVerbose($"Tunnel {options.InterfaceName} stopped");
    }
}
