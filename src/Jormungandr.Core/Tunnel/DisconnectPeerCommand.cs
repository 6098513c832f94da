using Jormungandr.Commands;
using Jormungandr.Engine;

namespace Jormungandr.Tunnel;

/// <summary>
/// Disconnects one peer (by fingerprint) from the running tunnel(s) that have a session with it,
/// after ShouldProcess agrees. A disconnected client may reconnect if its key is still authorized.
/// </summary>
public sealed class DisconnectPeerCommand : ISnekCommand<DisconnectPeerOptions>
{
    /// <inheritdoc />
    public async Task ExecuteAsync(DisconnectPeerOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        string where = options.InterfaceName ?? "all tunnels";
        if (!output.ShouldProcess(options.Fingerprint, $"Disconnect peer from {where}"))
        {
            return;
        }

        int done = 0;
        foreach (string path in StatusClient.SocketPaths(options.StatusDirectory, options.InterfaceName))
        {
            StatusResponse status;
            try
            {
                status = await StatusClient.QueryAsync(path, new StatusRequest { Op = StatusProtocol.OpStatus }, cancellationToken).ConfigureAwait(false);
            }
            catch (SnekException e) when (options.InterfaceName is null)
            {
                output.WriteWarning(e.Message);
                continue;
            }

            foreach (SnekSession session in status.Sessions!)
            {
                if (!Identity.Fingerprint.Matches(session.PeerFingerprint, options.Fingerprint))
                {
                    continue;
                }

                StatusResponse r = await StatusClient.QueryAsync(path,
                    new StatusRequest { Op = StatusProtocol.OpDisconnect, Fingerprint = session.PeerFingerprint }, cancellationToken).ConfigureAwait(false);
                if (r.Ok)
                {
                    done++;
                    output.WriteVerbose($"Disconnected {session.PeerFingerprint} from {status.InterfaceName}");
                }
            }
        }

        if (done == 0)
        {
            throw new SnekException("SessionNotFound", ErrorKind.ObjectNotFound, $"No running tunnel has a session with {options.Fingerprint}.", options.Fingerprint);
        }
    }
}
