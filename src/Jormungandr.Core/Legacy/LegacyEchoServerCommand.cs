using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// Runs a legacy "Custom VPN" echo server until cancelled: emits one <see cref="LegacyEchoMessage"/> per
/// answered message and the original transcript lines (<c>Listening on host:4600</c>, <c>New client: ip:port</c>,
/// <c>Negotiating the cipher</c>, <c>We are going to use AES256</c>, <c>Negotiating the key</c>,
/// <c>The key has been established</c>, <c>Received: hello</c>) as verbose output. A misbehaving client
/// becomes a non-terminating error (LegacyBadHmac, LegacyBadProposal, LegacyUnknownCipher, LegacyNoCommonCipher,
/// LegacyBadDhValue, LegacyBadBlockSize, LegacyBadMessage, LegacyMessageTooLarge, LegacyTimeout,
/// LegacyConnectionError) and the server keeps serving. Terminating errors: LegacyListenFailed, LegacyBadBind,
/// LegacyInvalidOption, LegacyUnknownDhGroup and the cipher-file errors.
/// </summary>
public sealed class LegacyEchoServerCommand : ISnekCommand<LegacyEchoServerOptions>
{
    /// <summary>Called with the bound endpoint once listening (useful with <see cref="LegacyEchoServerOptions.Port"/> 0).</summary>
    public event Action<System.Net.IPEndPoint>? Listening;

    /// <inheritdoc />
    public async Task ExecuteAsync(LegacyEchoServerOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.Port is < 0 or > 65535)
        {
            throw new SnekException("LegacyInvalidOption", ErrorKind.InvalidArgument, $"Port {options.Port} is not between 0 and 65535.", options.Port);
        }

        if (options.MaxClients is < 1 or > 4096)
        {
            throw new SnekException("LegacyInvalidOption", ErrorKind.InvalidArgument, $"MaxClients {options.MaxClients} is not between 1 and 4096.", options.MaxClients);
        }

        _ = DiffieHellmanGroups.Prime(options.Group);
        CipherProposal supported = options.CipherFile is null ? CipherProposal.DefaultServer : CipherProposal.Load(options.CipherFile);
        using LegacyEchoServer server = new(options, supported, output);
        System.Net.IPEndPoint endPoint = server.Start();
        Listening?.Invoke(endPoint);
        await server.RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
