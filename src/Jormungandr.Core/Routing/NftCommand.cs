using Jormungandr.Commands;
using Jormungandr.Lab;

namespace Jormungandr.Routing;

/// <summary>
/// <see cref="INftables"/> through the <c>nft</c> program (Debian package nftables): the ruleset is one
/// argument, which nft parses and commits as one transaction.
/// </summary>
internal sealed class NftCommand : INftables
{
    private readonly IHostCommands _commands;

    /// <summary>Runs nft through <paramref name="commands"/>.</summary>
    public NftCommand(IHostCommands commands)
    {
        _commands = commands;
    }

    /// <inheritdoc/>
    public void Apply(string ruleset)
    {
        if (!_commands.Exists("nft"))
        {
            throw new SnekException("NftablesUnavailable", ErrorKind.ResourceUnavailable,
                "Cannot change the firewall: the 'nft' program is not installed (Debian package nftables).");
        }

        ProcessResult result = _commands.Run("nft", [ruleset]);
        if (!result.Succeeded)
        {
            throw new SnekException("NftablesFailed", ErrorKind.NotSpecified, $"nft refused the ruleset: {FirstLine(result)}", ruleset);
        }
    }

    /// <inheritdoc/>
    public void DeleteTable(string family, string name)
    {
        // "add" is a no-op for an existing table, so the delete never fails for a missing one (nft 1.0.6 has no "destroy").
        Apply($"add table {family} {name}; delete table {family} {name}");
    }

    private static string FirstLine(ProcessResult result)
    {
        string text = (result.StandardError.Length > 0 ? result.StandardError : result.StandardOutput).Trim();
        int newline = text.IndexOf('\n', StringComparison.Ordinal);
        string line = newline < 0 ? text : text[..newline];
        return line.Length == 0 ? $"exit code {result.ExitCode}" : line;
    }
}
