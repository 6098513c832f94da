using System.Text.Json;
using Jormungandr.Cli;
using Jormungandr.Commands;
using Jormungandr.Identity;

namespace Jormungandr.Tests;

/// <summary>The snek CLI, run in-process through Program.RunAsync with captured streams.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CliTests
{
    private sealed record Run(int ExitCode, string Stdout, string Stderr);

    private static async Task<Run> Snek(string[] args, string stdin = "", CancellationToken cancellationToken = default)
    {
        using StringWriter stdout = new();
        using StringWriter stderr = new();
        using StringReader input = new(stdin);
        int code = await Program.RunAsync(args, input, stdout, stderr, cancellationToken);
        return new Run(code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task Gencert_CreatesBothFiles_Private0600_AndPrintsTheFingerprint()
    {
        using IdentityTempDirectory dir = new();
        Run run = await Snek(["gencert", dir.Path]);
        Assert.Equal(0, run.ExitCode);
        Assert.Equal("", run.Stderr);
        string pub = dir.File("snek-cert.pub");
        Assert.Equal(1952, new FileInfo(pub).Length);
        Assert.Equal(4032, new FileInfo(dir.File("snek-cert.priv")).Length);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(dir.File("snek-cert.priv")));
        Assert.Contains(Fingerprint.Of(File.ReadAllBytes(pub)), run.Stdout, StringComparison.Ordinal);
        Assert.Contains(Fingerprint.ShortOf(File.ReadAllBytes(pub)), run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gencert_RefusesToOverwrite_WithoutForce_ExitCode8_OneLine()
    {
        using IdentityTempDirectory dir = new();
        Assert.Equal(0, (await Snek(["gencert", dir.Path, "--name", "k"])).ExitCode);
        byte[] before = File.ReadAllBytes(dir.File("k.pub"));

        Run refused = await Snek(["gencert", dir.Path, "--name", "k"]);
        Assert.Equal(ExitCodes.Exists, refused.ExitCode);
        Assert.Equal("", refused.Stdout);
        Assert.Matches("^snek: '.*k\\.priv' already exists; use --force .*\n$", refused.Stderr);
        Assert.Equal(before, File.ReadAllBytes(dir.File("k.pub")));

        Run forced = await Snek(["gencert", dir.Path, "--name", "k", "--force"]);
        Assert.Equal(0, forced.ExitCode);
        Assert.NotEqual(before, File.ReadAllBytes(dir.File("k.pub")));
    }

    [Fact]
    public async Task OriginalFlag_G_IsGencert()
    {
        Assert.Equal(["gencert", "/x", "--force"], OriginalFlags.Rewrite(["-g", "/x", "--force"]));
        Assert.Equal(["gencert", "--verbose", "/x"], OriginalFlags.Rewrite(["--verbose", "-g", "/x"]));
        Assert.Equal(["cert", "show", "-g"], OriginalFlags.Rewrite(["cert", "show", "-g"])); // subcommand syntax untouched

        using IdentityTempDirectory dir = new();
        Run run = await Snek(["-g", dir.Path]);
        Assert.Equal(0, run.ExitCode);
        Assert.True(File.Exists(dir.File("snek-cert.pub")));
        Assert.True(File.Exists(dir.File("snek-cert.priv")));
    }

    [Fact]
    public async Task WhatIf_PrintsWhatWouldHappen_AndWritesNothing()
    {
        using IdentityTempDirectory dir = new();
        string target = Path.Combine(dir.Path, "new");
        Run run = await Snek(["-g", target, "--what-if"]);
        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("What if: Performing the operation \"Create ML-DSA-65 key pair\" on target \"", run.Stdout, StringComparison.Ordinal);
        Assert.False(Directory.Exists(target));
    }

    [Fact]
    public async Task CertShow_File_Directory_Json_AndNotFound()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk1, byte[] sk1) = IdentityTestKeys.Pair(31);
        (byte[] pk2, byte[] sk2) = IdentityTestKeys.Pair(32);
        string priv1 = IdentityTestKeys.WriteRawPair(dir.Path, "one", pk1, sk1);
        IdentityTestKeys.WriteRawPair(dir.Path, "two", pk2, sk2);

        Run single = await Snek(["cert", "show", priv1]);
        Assert.Equal(0, single.ExitCode);
        Assert.Matches($"Fingerprint +: {System.Text.RegularExpressions.Regex.Escape(Fingerprint.Of(pk1))}\n", single.Stdout);

        Run table = await Snek(["cert", "show", dir.Path]);
        Assert.Equal(0, table.ExitCode);
        string[] lines = table.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // header, underline, two rows
        Assert.StartsWith("Name ", lines[0], StringComparison.Ordinal);
        int column = lines[0].IndexOf("Fingerprint", StringComparison.Ordinal); // the default view's short fingerprint
        Assert.True(column > 0);
        Assert.Equal(column, lines[2].IndexOf(Fingerprint.ShortOf(pk1), StringComparison.Ordinal)); // aligned
        Assert.Equal(column, lines[3].IndexOf(Fingerprint.ShortOf(pk2), StringComparison.Ordinal));
        Assert.True(lines.Max(l => l.Length) <= DefaultTableViews.TerminalWidth, "the table view should fit a 120-column terminal");

        Run json = await Snek(["cert", "show", dir.Path, "--json"]);
        string[] jsonLines = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, jsonLines.Length);
        using JsonDocument first = JsonDocument.Parse(jsonLines[0]);
        Assert.Equal(Fingerprint.Of(pk1), first.RootElement.GetProperty("Fingerprint").GetString());
        Assert.Equal("ML-DSA-65", first.RootElement.GetProperty("Algorithm").GetString());
        Assert.False(first.RootElement.GetProperty("Protected").GetBoolean());

        Run missing = await Snek(["cert", "show", dir.File("absent.pub")]);
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Equal(1, missing.Stderr.Count(c => c == '\n'));
        Assert.StartsWith("snek: ", missing.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CertShow_DirectoryWithABadFile_ShowsTheGoodOnes_ReportsTheBadOne_ExitsWithItsCode()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(33);
        IdentityTestKeys.WriteRawPair(dir.Path, "good", pk, sk);
        File.WriteAllBytes(dir.File("bad.pub"), new byte[3]);
        Run run = await Snek(["cert", "show", dir.Path]);
        Assert.Equal(ExitCodes.Data, run.ExitCode);
        Assert.Contains(Fingerprint.Of(pk), run.Stdout, StringComparison.Ordinal);
        Assert.Matches("^snek: '.*bad\\.pub' is not an ML-DSA-65 public key: it has 3 bytes, expected 1952\\.\n$", run.Stderr);
    }

    [Fact]
    public async Task CertShow_TooOpenPrivateKey_WarnsWithTheSshMessage()
    {
        using IdentityTempDirectory dir = new();
        (byte[] pk, byte[] sk) = IdentityTestKeys.Pair(34);
        string priv = IdentityTestKeys.WriteRawPair(dir.Path, "open", pk, sk, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        Run run = await Snek(["cert", "show", priv]);
        Assert.Equal(0, run.ExitCode);
        Assert.Contains($"warning: Permissions 0644 for '{priv}' are too open.", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Gencert_PassphraseFromStdin_ProtectsTheKey_AndItLoads()
    {
        using IdentityTempDirectory dir = new();
        Run run = await Snek(["gencert", dir.Path, "--passphrase-stdin", "--json"], stdin: "open sesame\n");
        Assert.Equal(0, run.ExitCode);
        using JsonDocument cert = JsonDocument.Parse(run.Stdout);
        Assert.True(cert.RootElement.GetProperty("Protected").GetBoolean());
        using SnekIdentity loaded = SnekIdentity.LoadPrivate(dir.File("snek-cert.priv"), "open sesame");
        Assert.Equal(cert.RootElement.GetProperty("Fingerprint").GetString(), loaded.Fingerprint);
    }

    [Fact]
    public async Task Gencert_PassphraseFileProblems_AreOneLineErrors()
    {
        using IdentityTempDirectory dir = new();
        Run missing = await Snek(["gencert", dir.Path, "--passphrase-file", dir.File("nope")]);
        Assert.Equal(ExitCodes.NotFound, missing.ExitCode);
        Assert.Contains("passphrase file", missing.Stderr, StringComparison.Ordinal);

        File.WriteAllText(dir.File("empty"), "\n");
        Run empty = await Snek(["gencert", dir.Path, "--passphrase-file", dir.File("empty")]);
        Assert.Equal(ExitCodes.Usage, empty.ExitCode);
        Assert.False(File.Exists(dir.File("snek-cert.priv")));
    }

    [Theory]
    [InlineData("gencert")]                                       // missing directory
    [InlineData("frobnicate")]                                    // unknown command
    [InlineData("cert", "show", "a", "b")]                        // extra argument
    [InlineData("gencert", "/tmp/x", "--passphrase-file", "f", "--passphrase-stdin")]
    [InlineData("version", "--bogus")]
    public async Task InvalidUsage_ExitCode2(params string[] args)
    {
        Run run = await Snek(args);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.StartsWith("snek: ", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("snek --help", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoArguments_ShowsHelp_ExitCode2()
    {
        Run run = await Snek([]);
        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("gencert", run.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Version_ShowsProvidersRuntimeAndOs()
    {
        Run run = await Snek(["version", "--json"]);
        Assert.Equal(0, run.ExitCode);
        using JsonDocument doc = JsonDocument.Parse(run.Stdout);
        Assert.Equal(Jormungandr.Crypto.MlKem.Provider.Name, doc.RootElement.GetProperty("MlKemProvider").GetString());
        Assert.Equal(Jormungandr.Crypto.MlDsa.Provider.Name, doc.RootElement.GetProperty("MlDsaProvider").GetString());
        Assert.Contains(".NET", doc.RootElement.GetProperty("Runtime").GetString(), StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(doc.RootElement.GetProperty("Version").GetString()));
    }

    [Fact]
    public async Task Verbose_GoesToStderr_OnlyWhenAsked()
    {
        using IdentityTempDirectory dir = new();
        Run quiet = await Snek(["gencert", dir.Path, "--name", "q"]);
        Assert.DoesNotContain("verbose:", quiet.Stderr, StringComparison.Ordinal);
        Run loud = await Snek(["gencert", dir.Path, "--name", "l", "--verbose"]);
        Assert.Contains($"verbose: ML-DSA provider: {Jormungandr.Crypto.MlDsa.Provider.Name}", loud.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("verbose:", loud.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancelled_ExitCode130()
    {
        using IdentityTempDirectory dir = new();
        using CancellationTokenSource cts = new();
        await cts.CancelAsync();
        Run run = await Snek(["gencert", dir.Path], cancellationToken: cts.Token);
        Assert.Equal(ExitCodes.Interrupted, run.ExitCode);
        Assert.False(File.Exists(dir.File("snek-cert.priv")));
    }

    [Fact]
    public void ConsoleOutput_Json_KeepsBase64Readable_AndEnumsAsNames()
    {
        using StringWriter stdout = new();
        CliContext context = new(TextReader.Null, stdout, TextWriter.Null, interactive: false);
        ConsoleOutput output = new(context, new ConsoleSettings(Json: true));
        output.WriteObject(new SnekCertificate { Fingerprint = "SHA256:a+b/c" });
        output.WriteObject(new Jormungandr.Tunnel.SnekSession { Role = Jormungandr.Tunnel.TunnelRole.Client, State = Jormungandr.Tunnel.SessionState.Established });
        output.Flush();
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains("\"Fingerprint\":\"SHA256:a+b/c\"", lines[0], StringComparison.Ordinal);
        Assert.Contains("\"Role\":\"Client\"", lines[1], StringComparison.Ordinal);
        Assert.Contains("\"State\":\"Established\"", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Json_KnowsEveryTypeACommandOutputs()
    {
        // Every output type has a default table view; --json must be able to write each of them too
        // (its shapes are generated at compile time, so a type missing there fails only at run time).
        List<Type> types = [typeof(SnekVersionInfo)];
        foreach (TableView view in DefaultTableViews.All)
        {
            types.Add(typeof(SnekCertificate).Assembly.GetType(view.TypeName, throwOnError: true)!);
        }

        foreach (Type type in types)
        {
            Assert.True(OutputJson.Knows(type), $"--json cannot write {type.FullName}: list it in OutputJsonContext");
            object value = Activator.CreateInstance(type)!;
            using JsonDocument doc = JsonDocument.Parse(OutputJson.Serialize(value));
            Assert.Equal(JsonValueKind.Object, doc.RootElement.ValueKind);
        }

        Assert.False(OutputJson.Knows(typeof(CommandError)));
    }

    [Fact]
    public void ConsoleOutput_Table_AlignsColumns_AndListsASingleObject()
    {
        using StringWriter stdout = new();
        CliContext context = new(TextReader.Null, stdout, TextWriter.Null, interactive: false);
        ConsoleOutput output = new(context, new ConsoleSettings());
        output.WriteObject(new CommandError("Short", ErrorKind.InvalidData, "first"));
        output.WriteObject(new CommandError("AMuchLongerId", ErrorKind.NotSpecified, "second"));
        output.Flush();
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        int kindColumn = lines[0].IndexOf("Kind", StringComparison.Ordinal);
        Assert.Equal(kindColumn, lines[2].IndexOf("InvalidData", StringComparison.Ordinal));
        Assert.Equal(kindColumn, lines[3].IndexOf("NotSpecified", StringComparison.Ordinal));

        using StringWriter single = new();
        ConsoleOutput one = new(new CliContext(TextReader.Null, single, TextWriter.Null, false), new ConsoleSettings());
        one.WriteObject(new CommandError("Id", ErrorKind.InvalidData, "msg"));
        one.Flush();
        Assert.Contains("ErrorId   : Id\n", single.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void ConsoleOutput_Table_UsesTheDefaultView_FitsAWideTerminal_AndTruncatesWithAnEllipsis()
    {
        using StringWriter stdout = new();
        ConsoleOutput output = new(new CliContext(TextReader.Null, stdout, TextWriter.Null, interactive: false), new ConsoleSettings());
        for (int i = 0; i < 2; i++)
        {
            output.WriteObject(new Jormungandr.Tunnel.SnekSession
            {
                InterfaceName = "snk0",
                Role = Jormungandr.Tunnel.TunnelRole.Server,
                PeerName = "a-peer-name-longer-than-its-column",
                PeerFingerprint = "SHA256:" + new string('A', 43),
                Endpoint = "[2001:2::1234:5678]:10666",
                TunnelAddresses = ["198.19.0.2", "fd00:5ec::2"],
                BytesIn = 123456789012,
            });
        }

        output.Flush();
        string[] lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length);
        Assert.Matches(@"^Interface\s+Role\s+Peer\s+Endpoint\s+Addresses\s+State\s+BytesIn\s+BytesOut\s+Drops$", lines[0]);
        Assert.All(lines, l => Assert.True(l.Length <= DefaultTableViews.TerminalWidth, $"{l.Length} columns: {l}"));
        Assert.Contains("a-peer-name-\u2026", lines[2], StringComparison.Ordinal);
        Assert.Contains("198.19.0.2, fd00:5ec::2", lines[2], StringComparison.Ordinal);   // 23 characters: fits
        Assert.DoesNotContain("SHA256:", lines[2], StringComparison.Ordinal);   // in --json and the list view only
        // Numbers are right-aligned under their header.
        int bytesInEnd = lines[0].IndexOf("BytesIn", StringComparison.Ordinal) + "BytesIn".Length;
        Assert.Equal(bytesInEnd, lines[2].IndexOf("123456789012", StringComparison.Ordinal) + "123456789012".Length);
    }

    /// <summary>A stdin that never delivers a line (a terminal nobody types into); released on dispose.</summary>
    private sealed class BlockingReader : TextReader
    {
        private readonly ManualResetEventSlim _release = new();

        public override string? ReadLine()
        {
            _release.Wait(TimeSpan.FromSeconds(30));
            return null;
        }

        protected override void Dispose(bool disposing)
        {
            _release.Set();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public async Task CtrlC_WhileWaitingForThePassphrase_Exits130AtOnce()
    {
        using IdentityTempDirectory dir = new();
        using BlockingReader stdin = new();
        using StringWriter stdout = new();
        using StringWriter stderr = new();
        using CancellationTokenSource cts = new(TimeSpan.FromMilliseconds(300));
        Task<int> run = Program.RunAsync(["gencert", dir.Path, "--passphrase-stdin"], stdin, stdout, stderr, cts.Token);
        Task finished = await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(run, finished);
        Assert.Equal(ExitCodes.Interrupted, await run);
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Fact]
    public void ConsoleOutput_ConfirmAsksOnStdin_YesSkipsTheQuestion_WhatIfWins()
    {
        using StringWriter stdout = new();
        using StringWriter stderr = new();
        CliContext yesContext = new(new StringReader("y\n"), stdout, stderr, interactive: true);
        Assert.True(new ConsoleOutput(yesContext, new ConsoleSettings(Confirm: true)).ShouldProcess("t", "Do"));
        Assert.Contains("Confirm: Do on \"t\"? [y/N]", stderr.ToString(), StringComparison.Ordinal);

        CliContext noContext = new(new StringReader("n\n"), stdout, stderr, interactive: true);
        Assert.False(new ConsoleOutput(noContext, new ConsoleSettings(Confirm: true)).ShouldProcess("t", "Do"));
        CliContext silent = new(TextReader.Null, stdout, stderr, interactive: false);
        Assert.True(new ConsoleOutput(silent, new ConsoleSettings(Confirm: true, Yes: true)).ShouldProcess("t", "Do"));
        Assert.False(new ConsoleOutput(silent, new ConsoleSettings(WhatIf: true, Yes: true)).ShouldProcess("t", "Do"));
        Assert.True(new ConsoleOutput(silent, new ConsoleSettings()).ShouldProcess("t", "Do"));
    }
}

/// <summary>How Program maps failures that escape a command.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class CliErrorMappingTests
{
    private static async Task<(int Code, string Stdout, string Stderr)> RunWith(Func<CancellationToken, Task> action, params string[] extraArgs)
    {
        System.CommandLine.RootCommand root = Program.CreateRoot();
        System.CommandLine.Command boom = new("boom");
        boom.SetAction(async (_, ct) =>
        {
            await action(ct);
            return 0;
        });
        root.Add(boom);
        using StringWriter stdout = new();
        using StringWriter stderr = new();
        int code = await Program.RunAsync(["boom", .. extraArgs], TextReader.Null, stdout, stderr, CancellationToken.None, root: root);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public async Task UnexpectedException_IsOneLine_Exit1_StackOnlyWithVerbose()
    {
        (int code, string stdout, string stderr) = await RunWith(_ => throw new InvalidOperationException("kaput\nsecond line"));
        Assert.Equal(ExitCodes.Failure, code);
        Assert.Equal("", stdout);
        Assert.Equal("snek: unexpected error: kaput second line (InvalidOperationException)\n", stderr);

        (int verboseCode, _, string verboseErr) = await RunWith(_ => throw new InvalidOperationException("kaput"), "--verbose");
        Assert.Equal(ExitCodes.Failure, verboseCode);
        Assert.Contains(" at ", verboseErr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(ErrorKind.ObjectNotFound, 3)]
    [InlineData(ErrorKind.PermissionDenied, 4)]
    [InlineData(ErrorKind.SecurityError, 5)]
    [InlineData(ErrorKind.ConnectionError, 6)]
    [InlineData(ErrorKind.ProtocolError, 7)]
    [InlineData(ErrorKind.ResourceExists, 8)]
    [InlineData(ErrorKind.ResourceUnavailable, 9)]
    [InlineData(ErrorKind.InvalidArgument, 2)]
    public async Task SnekException_IsOneLine_WithTheKindsExitCode(ErrorKind kind, int expected)
    {
        (int code, _, string stderr) = await RunWith(_ => throw new SnekException("Some", kind, "it went wrong"));
        Assert.Equal(expected, code);
        Assert.Equal("snek: it went wrong\n", stderr);
    }
}
