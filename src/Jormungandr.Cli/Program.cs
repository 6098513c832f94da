using System.CommandLine;
using System.Runtime.InteropServices;
using Jormungandr.Commands;

namespace Jormungandr.Cli;

/// <summary>The <c>snek</c> entry point: argv rewrite, parse, run, map errors to exit codes.</summary>
public static class Program
{
    /// <summary>Runs snek on the real console; Ctrl+C and SIGTERM cancel the running command.</summary>
    public static int Main(string[] args)
    {
        using CancellationTokenSource cts = new();
        using PosixSignalRegistration sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using PosixSignalRegistration sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        try
        {
            return RunAsync(args, Console.In, Console.Out, Console.Error, cts.Token, interactive: !Console.IsErrorRedirected)
                .GetAwaiter().GetResult();
        }
        finally
        {
            Console.Out.Flush();
            Console.Error.Flush();
        }

        void OnSignal(PosixSignalContext context)
        {
            // First signal: cancel the token and let the command tear down (tunnels remove their interfaces)
            // instead of dying. A second one while that hangs gets the default action: the process ends.
            try
            {
                if (cts.IsCancellationRequested)
                {
                    return;
                }

                context.Cancel = true;
                cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    /// <summary>Runs snek with captured streams and no standard input (tests).</summary>
    internal static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, TextReader.Null, stdout, stderr, cancellationToken);

    /// <summary>Runs snek: the whole CLI minus process concerns, so tests call it in-process.</summary>
    /// <param name="args">The command line, without the program name.</param>
    /// <param name="stdin">Standard input (passphrases, confirmations).</param>
    /// <param name="stdout">Results.</param>
    /// <param name="stderr">Errors, warnings, verbose, progress, prompts.</param>
    /// <param name="cancellationToken">Ctrl+C / SIGTERM.</param>
    /// <param name="interactive">True when stderr is a terminal (progress lines).</param>
    /// <param name="root">The command tree; null builds the real one (tests may pass one with extra commands).</param>
    internal static async Task<int> RunAsync(string[] args, TextReader stdin, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken, bool interactive = false, RootCommand? root = null)
    {
        ArgumentNullException.ThrowIfNull(args);
        bool verbose = Array.IndexOf(args, "--verbose") >= 0 || Array.IndexOf(args, "-v") >= 0;
        CliContext context = new(stdin, stdout, stderr, interactive);
        CliContext? previous = CliContext.CurrentOrNull;
        CliContext.CurrentOrNull = context;
        try
        {
            // Bare `snek` shows the help (and still exits 2: nothing was done).
            bool bare = args.Length == 0;
            string[] rewritten = bare ? ["--help"] : OriginalFlags.Rewrite(args);
            root ??= CreateRoot();
            ParseResult parse = root.Parse(rewritten);
            if (parse.Errors.Count > 0 && parse.Action is not System.CommandLine.Help.HelpAction)
            {
                foreach (System.CommandLine.Parsing.ParseError error in parse.Errors)
                {
                    await stderr.WriteLineAsync("snek: " + error.Message).ConfigureAwait(false);
                }

                await stderr.WriteLineAsync("Run 'snek --help' for usage.").ConfigureAwait(false);
                return ExitCodes.Usage;
            }

            InvocationConfiguration invocation = new()
            {
                Output = stdout,
                Error = stderr,
                EnableDefaultExceptionHandler = false,
                ProcessTerminationTimeout = null, // Main owns the signals; tests pass their own token.
            };
            int code = await parse.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
            return cancellationToken.IsCancellationRequested ? ExitCodes.Interrupted : bare ? ExitCodes.Usage : code;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return ExitCodes.Interrupted;
        }
        catch (SnekException ex)
        {
            await stderr.WriteLineAsync("snek: " + OneLine(ex.Message)).ConfigureAwait(false);
            if (verbose && ex.InnerException is not null)
            {
                await stderr.WriteLineAsync(ex.InnerException.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.For(ex.Kind);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            await stderr.WriteLineAsync($"snek: unexpected error: {OneLine(ex.Message)} ({ex.GetType().Name})").ConfigureAwait(false);
            if (verbose)
            {
                await stderr.WriteLineAsync(ex.ToString()).ConfigureAwait(false);
            }

            return ExitCodes.Failure;
        }
        finally
        {
            CliContext.CurrentOrNull = previous;
            await stdout.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            await stderr.FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Builds the command tree: global options, then every area's subcommands.</summary>
    internal static RootCommand CreateRoot()
    {
        RootCommand root = new("snek: Jormungandr, a post-quantum VPN (ML-KEM-1024 + P-384, ML-DSA-65 identities).");
        GlobalOptions.AddTo(root);
        root.Add(VersionCli.Create());
        root.Add(CertificateCli.CreateGencert());
        root.Add(CertificateCli.CreateCert());

        // ---- Subcommands from other areas register here: ONE line each, e.g. root.Add(LegacyCli.Create()); ----
        foreach (Command tunnel in TunnelCli.Create()) { root.Add(tunnel); }
        root.Add(LegacyCli.Create());
        root.Add(ServiceCli.Create());
        root.Add(ClientCli.Create());
        // ---- end of registrations ----
        return root;
    }

    private static string OneLine(string message) => message.ReplaceLineEndings(" ").Trim();
}
