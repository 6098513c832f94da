using System.Text.RegularExpressions;
using Jormungandr.Cli;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

/// <summary><c>snek legacy ...</c> run in-process.</summary>
public class LegacyCliTests
{
    private static async Task<(int Code, string Out, string Err)> SnekAsync(string[] args, string stdin = "", CancellationToken cancellationToken = default)
    {
        using StringWriter stdout = new();
        using StringWriter stderr = new();
        using CancellationTokenSource bound = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bound.CancelAfter(TestLimits.Bound);
        int code = await Program.RunAsync(args, new StringReader(stdin), stdout, stderr, bound.Token);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Client_prints_the_transcript_and_answers()
    {
        await using RunningServer server = RunningServer.Start();
        (int code, string stdout, string stderr) = await SnekAsync(
            ["legacy", "client", "--host", "127.0.0.1", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--group", "14",
             "--ciphers", Path.Combine(LegacyPaths.Examples, "client_cipher.toml"), "--message", "hello", "-m", "two words"]);

        Assert.True(code == 0, stderr);
        Assert.Equal(
            [$"Connected to 127.0.0.1:{server.Port}", "Negotiating the cipher", "We are going to use AES256", "Negotiating the key",
             "The key has been established", "Initializing cryptosystem", "All systems ready", "Server says: olleh", "Server says: sdrow owt"],
            stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public async Task Client_reads_stdin_until_quit_and_prints_json()
    {
        await using RunningServer server = RunningServer.Start();
        (int code, string stdout, string stderr) = await SnekAsync(
            ["legacy", "client", "--host", "127.0.0.1", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--group", "14", "--json"],
            "first line\n\\quit\nnever sent\n");

        Assert.True(code == 0, stderr);
        string line = Assert.Single(stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("\"Reply\":\"Server says: enil tsrif\"", line, StringComparison.Ordinal);
        Assert.Contains("\"KeySize\":256", line, StringComparison.Ordinal);
        Assert.Equal(["first line"], server.Output.ObjectsOf<LegacyEchoMessage>().Select(m => m.Text));
    }

    [Fact]
    public async Task Client_errors_are_one_line_with_the_mapped_exit_code()
    {
        using TempCipherFiles files = new();
        await using RunningServer server = RunningServer.Start();
        (int code, _, string stderr) = await SnekAsync(
            ["legacy", "client", "--host", "127.0.0.1", "--port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--group", "14",
             "--ciphers", files.Write("Blowfish", 448), "-m", "x"]);
        Assert.Equal(ExitCodes.For(ErrorKind.ProtocolError), code);
        Assert.Equal("snek: Could not agree on a cipher", stderr.Trim());

        (code, _, stderr) = await SnekAsync(["legacy", "client", "--port", "1", "--ciphers", "/nonexistent/c.toml", "-m", "x"]);
        Assert.Equal(ExitCodes.NotFound, code);
        Assert.Contains("Cipher file not found", stderr, StringComparison.Ordinal);

        (code, _, _) = await SnekAsync(["legacy", "client", "--group", "3", "-m", "x"]);
        Assert.Equal(ExitCodes.Usage, code);
    }

    [Fact]
    public async Task Server_prints_the_original_transcript_until_cancelled()
    {
        using StringWriter buffer = new();
        TextWriter stdout = TextWriter.Synchronized(buffer);
        using StringWriter stderr = new();
        using CancellationTokenSource stop = new(TestLimits.Bound);
        Task<int> run = Program.RunAsync(
            ["legacy", "server", "--port", "0", "--bind", "127.0.0.1", "--group", "14", "--ciphers", Path.Combine(LegacyPaths.Examples, "server_cipher.toml")],
            TextReader.Null, stdout, TextWriter.Synchronized(stderr), stop.Token);

        int port = 0;
        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (port == 0 && DateTime.UtcNow < end && !run.IsCompleted)
        {
            Match m = Regex.Match(buffer.ToString(), @"^Listening on 127\.0\.0\.1:(\d+)", RegexOptions.Multiline);
            port = m.Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0;
            await Task.Delay(20);
        }

        Assert.NotEqual(0, port);
        BufferedOutput client = await Clients.RunAsync(port, 14, ["hello"]);
        Assert.Equal("Server says: olleh", Assert.Single(client.ObjectsOf<LegacyEchoReply>()).Reply);

        end = DateTime.UtcNow + TestLimits.Bound;
        while (!buffer.ToString().Contains("disconnected", StringComparison.Ordinal) && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        await stop.CancelAsync();
        Assert.Equal(ExitCodes.Interrupted, await run.WaitAsync(TestLimits.Bound));
        string[] lines = buffer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal($"Listening on 127.0.0.1:{port}", lines[0]);
        Assert.Matches(@"^New client: 127\.0\.0\.1:\d+$", lines[1]);
        Assert.Equal(["Negotiating the cipher", "We are going to use AES256", "Negotiating the key", "The key has been established", "Received: hello"], lines.Skip(2).Take(5));
    }
}
