using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// Talks to a legacy "Custom VPN" echo server (ours or a Python original): emits one
/// <see cref="LegacyEchoReply"/> per message, transcript lines as verbose output, steps as progress.
/// Terminating errors (<see cref="SnekException"/>): LegacyNoCommonCipher, LegacyBadChoice, LegacyBadDhValue,
/// LegacyTimeout, LegacyConnectFailed, LegacyConnectionClosed, LegacyCipherFileNotFound, TomlSyntax,
/// LegacyBadCipherFile, LegacyUnknownCipher, LegacyUnknownDhGroup, LegacyInvalidOption.
/// </summary>
public sealed class LegacyEchoClientCommand : ISnekCommand<LegacyEchoClientOptions>
{
    /// <inheritdoc />
    public async Task ExecuteAsync(LegacyEchoClientOptions options, ICommandOutput output, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(output);
        if (options.Port is < 1 or > 65535)
        {
            throw new SnekException("LegacyInvalidOption", ErrorKind.InvalidArgument, $"Port {options.Port} is not between 1 and 65535.", options.Port);
        }

        if (string.IsNullOrWhiteSpace(options.ComputerName))
        {
            throw new SnekException("LegacyInvalidOption", ErrorKind.InvalidArgument, "A server name is required.");
        }

        _ = DiffieHellmanGroups.Prime(options.Group);
        CipherProposal proposal = options.CipherFile is null ? CipherProposal.DefaultClient : CipherProposal.Load(options.CipherFile);

        await new LegacyEchoClient(options, proposal, output).RunAsync(cancellationToken).ConfigureAwait(false);
    }
}
