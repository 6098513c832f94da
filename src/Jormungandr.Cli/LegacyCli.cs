using System.CommandLine;
using System.Runtime.CompilerServices;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Cli;

/// <summary>
/// <c>snek legacy server</c> and <c>snek legacy client</c>: the course's "Custom VPN" echo, talking to the
/// Python originals. Without <c>--json</c> both print the original transcript lines on stdout (the server's
/// <c>Listening on host:4600</c> … <c>Received: hello</c>, the client's <c>Connected to …</c> … and each
/// <c>Server says: …</c> answer); with <c>--json</c> they print one JSON object per exchange instead.
/// </summary>
internal static class LegacyCli
{
    private static readonly Option<int> Port = new("--port", "-p") { Description = "TCP port.", DefaultValueFactory = _ => 4600 };
    private static readonly Option<string?> Ciphers = new("--ciphers") { Description = "Cipher file: [[supported_cipher]] tables with name and keys (see examples/legacy)." };
    private static readonly Option<int> Group = new("--group") { Description = "RFC 3526 Diffie-Hellman group: 5, 14, 15, 16, 17 or 18 (must match the peer).", DefaultValueFactory = _ => DiffieHellmanGroups.DefaultGroup };

    /// <summary>The <c>legacy</c> command with its two subcommands.</summary>
    internal static Command Create() => new("legacy", "The legacy \"Custom VPN\" echo client and server (byte-compatible with the Python originals).")
    {
        CreateServer(),
        CreateClient(),
    };

    private static Command CreateServer()
    {
        Option<string?> bind = new("--bind") { Description = "Listen on this address only (default: all IPv4 and IPv6 addresses)." };
        Option<int> maxClients = new("--max-clients") { Description = "Most clients served at once.", DefaultValueFactory = _ => 16 };
        Command command = new("server", "Run the echo server until Ctrl+C, printing the original transcript.")
        {
            Port, Ciphers, Group, bind, maxClients,
        };
        command.SetAction(async (parse, ct) =>
        {
            LegacyEchoServerOptions options = new()
            {
                Port = parse.GetValue(Port),
                CipherFile = parse.GetValue(Ciphers),
                Group = parse.GetValue(Group),
                Bind = parse.GetValue(bind),
                MaxClients = parse.GetValue(maxClients),
            };
            return await RunAsync(parse, new LegacyEchoServerCommand(), options, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static Command CreateClient()
    {
        Option<string> host = new("--host", "-H") { Description = "Server host name or address.", DefaultValueFactory = _ => "localhost" };
        Option<string[]> messages = new("--message", "-m") { Description = "Send this message (repeatable); without it, messages are read from stdin (with 'Enter message: ' prompts on a terminal) until \\quit or end of input.", AllowMultipleArgumentsPerToken = false };
        Command command = new("client", "Send messages to an echo server and print its answers.")
        {
            host, Port, Ciphers, Group, messages,
        };
        command.SetAction(async (parse, ct) =>
        {
            string[] given = parse.GetValue(messages) ?? [];
            CliContext context = CliContext.Current;
            bool prompt = given.Length == 0 && ReferenceEquals(context.Stdin, Console.In) && !Console.IsInputRedirected;
            LegacyEchoClientOptions options = new()
            {
                ComputerName = parse.GetValue(host) ?? "localhost",
                Port = parse.GetValue(Port),
                CipherFile = parse.GetValue(Ciphers),
                Group = parse.GetValue(Group),
                Messages = given,
                MessageSource = given.Length == 0 ? ReadMessages(context, prompt, CancellationToken.None) : null,
            };
            return await RunAsync(parse, new LegacyEchoClientCommand(), options, ct).ConfigureAwait(false);
        });
        return command;
    }

    private static async Task<int> RunAsync<TOptions>(ParseResult parse, ISnekCommand<TOptions> command, TOptions options, CancellationToken cancellationToken)
    {
        ConsoleOutput console = CliRunner.CreateOutput(parse, stream: true);
        TranscriptOutput output = new(console, CliContext.Current.Stdout, ConsoleSettings.From(parse).Json);
        try
        {
            await command.ExecuteAsync(options, output, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            console.Flush();
        }

        return console.ExitCode;
    }

    /// <summary>Lines from stdin, each after an <c>Enter message: </c> prompt when a person is typing.</summary>
    private static async IAsyncEnumerable<string> ReadMessages(CliContext context, bool prompt, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            if (prompt)
            {
                await context.Stdout.WriteAsync("Enter message: ").ConfigureAwait(false);
                await context.Stdout.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            // Console reads ignore the token once started; WaitAsync lets Ctrl+C end the session at the prompt.
            string? line = await context.Stdin.ReadLineAsync(cancellationToken).AsTask().WaitAsync(cancellationToken).ConfigureAwait(false);
            if (line is null)
            {
                yield break;
            }

            yield return line;
        }
    }

    /// <summary>
    /// Transcript mode: verbose lines are the original program's output and go to stdout, answers print as
    /// their text; errors and warnings keep the shared renderer (stderr, exit codes). With --json everything
    /// goes to the shared renderer.
    /// </summary>
    private sealed class TranscriptOutput(ConsoleOutput inner, TextWriter stdout, bool json) : ICommandOutput
    {
        private readonly Lock _gate = new();

        public void WriteObject(object value)
        {
            if (json)
            {
                inner.WriteObject(value);
            }
            else if (value is LegacyEchoReply reply)
            {
                Line(reply.Reply);
            }

            // A server's LegacyEchoMessage is already in the transcript as "Received: <text>".
        }

        public void WriteError(CommandError error) => inner.WriteError(error);

        public void WriteWarning(string message) => inner.WriteWarning(message);

        public void WriteVerbose(string message)
        {
            if (json)
            {
                inner.WriteVerbose(message);
            }
            else
            {
                Line(message);
            }
        }

        public void WriteProgress(CommandProgress progress)
        {
            if (json)
            {
                inner.WriteProgress(progress);
            }
        }

        public bool ShouldProcess(string target, string action) => inner.ShouldProcess(target, action);

        private void Line(string text)
        {
            lock (_gate)
            {
                stdout.WriteLine(text);
                stdout.Flush();
            }
        }
    }
}
