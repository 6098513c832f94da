using System.CommandLine;
using Jormungandr.Commands;

namespace Jormungandr.Cli;

/// <summary>
/// Runs a core command from a subcommand's action: builds the <see cref="ConsoleOutput"/> from the global
/// options, runs, prints the results, and returns the exit code. Terminating <see cref="SnekException"/>s
/// propagate to <see cref="Program"/>, which prints one line and maps the kind to an exit code.
/// </summary>
/// <example>
/// <code>
/// command.SetAction((parse, ct) => CliRunner.RunAsync(parse, new LegacyEchoClientCommand(), options, ct));
/// </code>
/// </example>
internal static class CliRunner
{
    /// <summary>Runs <paramref name="command"/> with <paramref name="options"/>.</summary>
    /// <param name="parse">The parse result of the subcommand (global options are read from it).</param>
    /// <param name="command">The core command.</param>
    /// <param name="options">Its options record.</param>
    /// <param name="cancellationToken">Cancelled on Ctrl+C / SIGTERM.</param>
    /// <param name="stream">True for long-running commands: print each object as it comes instead of one table at the end.</param>
    /// <returns>0, or the exit code of the last non-terminating error.</returns>
    public static async Task<int> RunAsync<TOptions>(ParseResult parse, ISnekCommand<TOptions> command, TOptions options, CancellationToken cancellationToken, bool stream = false)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(command);
        ConsoleOutput output = CreateOutput(parse, stream);
        try
        {
            await command.ExecuteAsync(options, output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // Objects emitted before a terminating error or Ctrl+C are still shown.
            output.Flush();
        }

        return output.ExitCode;
    }

    /// <summary>The console sink for a subcommand, for actions that do more than run one command.</summary>
    public static ConsoleOutput CreateOutput(ParseResult parse, bool stream = false)
    {
        ArgumentNullException.ThrowIfNull(parse);
        return new ConsoleOutput(CliContext.Current, ConsoleSettings.From(parse), stream);
    }
}
