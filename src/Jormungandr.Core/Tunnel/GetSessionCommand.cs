using Jormungandr.Commands;
using Jormungandr.Engine;

namespace Jormungandr.Tunnel;

/// <summary>
/// Lists the sessions of every running tunnel on this machine (or of one), read through their
/// status sockets: one <see cref="SnekSession"/> object per session, or with
/// <see cref="GetSessionOptions.Server"/> one <see cref="SnekServerStatus"/> per running server. A
/// tunnel that does not answer (a stale socket) is reported as a warning and skipped.
/// </summary>
public sealed class GetSessionCommand : ISnekCommand<GetSessionOptions>
{
    /// <inheritdoc />
    public async Task ExecuteAsync(GetSessionOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        options.Validate();
        foreach (string path in StatusClient.SocketPaths(options.StatusDirectory, options.InterfaceName))
        {
            StatusResponse response;
            try
            {
                response = await StatusClient.QueryAsync(path, new StatusRequest { Op = StatusProtocol.OpStatus }, cancellationToken).ConfigureAwait(false);
            }
            catch (SnekException e) when (options.InterfaceName is null)
            {
                output.WriteWarning(e.Message);
                continue;
            }

            if (options.Server)
            {
                if (response.Server is not null)
                {
                    output.WriteObject(response.Server);
                }

                continue;
            }

            foreach (SnekSession session in response.Sessions!)
            {
                if (options.Fingerprint is null || Identity.Fingerprint.Matches(session.PeerFingerprint, options.Fingerprint))
                {
                    output.WriteObject(session);
                }
            }
        }
    }
}
