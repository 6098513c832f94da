namespace Jormungandr.Cli;

/// <summary>
/// The streams of one <see cref="Program.RunAsync(string[], TextReader, TextWriter, TextWriter, CancellationToken, bool)"/>
/// call, reachable from subcommand actions (which are built before parsing) without globals shared across runs.
/// </summary>
internal sealed class CliContext(TextReader stdin, TextWriter stdout, TextWriter stderr, bool interactive)
{
    private static readonly AsyncLocal<CliContext?> Current_ = new();

    /// <summary>The context of the running invocation, if any.</summary>
    public static CliContext? CurrentOrNull
    {
        get => Current_.Value;
        set => Current_.Value = value;
    }

    /// <summary>The context of the running invocation, or the real console.</summary>
    public static CliContext Current => Current_.Value ?? new CliContext(Console.In, Console.Out, Console.Error, !Console.IsErrorRedirected);

    /// <summary>Standard input (passphrases with --passphrase-stdin, confirmations).</summary>
    public TextReader Stdin { get; } = stdin;

    /// <summary>Standard output: results only.</summary>
    public TextWriter Stdout { get; } = stdout;

    /// <summary>Standard error: errors, warnings, verbose, progress, prompts.</summary>
    public TextWriter Stderr { get; } = stderr;

    /// <summary>True when a person is watching stderr (progress lines, prompts).</summary>
    public bool Interactive { get; } = interactive;
}
