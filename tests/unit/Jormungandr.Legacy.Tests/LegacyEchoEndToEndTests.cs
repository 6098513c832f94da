using System.Net;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

/// <summary>Our client against our server over 127.0.0.1.</summary>
public class LegacyEchoEndToEndTests
{
    [Theory]
    [InlineData("AES", 256)]
    [InlineData("AES", 128)]
    [InlineData("Blowfish", 224)]
    [InlineData("DES3", 168)]
    [InlineData("DES3", 112)]
    [InlineData("DES", 56)]
    public async Task Each_cipher_family_echoes(string cipher, int bits)
    {
        using TempCipherFiles files = new();
        await using RunningServer server = RunningServer.Start(group: 14);
        BufferedOutput client = await Clients.RunAsync(server.Port, 14, ["hello", "héllo wörld 🐍", "", new string('z', 300)], files.Write(cipher, bits));

        IReadOnlyList<LegacyEchoReply> replies = client.ObjectsOf<LegacyEchoReply>();
        Assert.Equal(["Server says: olleh", "Server says: 🐍 dlröw olléh", "Server says: ", "Server says: " + new string('z', 300)], replies.Select(r => r.Reply));
        Assert.All(replies, r =>
        {
            Assert.Equal(cipher, r.Cipher);
            Assert.Equal(bits, r.KeySize);
            Assert.Equal($"127.0.0.1:{server.Port}", r.Server);
        });
        Assert.Equal("hello", replies[0].Message);
        Assert.Empty(client.Errors);

        IReadOnlyList<LegacyEchoMessage> received = server.Output.ObjectsOf<LegacyEchoMessage>();
        Assert.Equal(4, received.Count);
        Assert.Equal("hello", received[0].Text);
        Assert.Equal("Server says: olleh", received[0].Reply);
        Assert.Equal(cipher, received[0].Cipher);
        Assert.Equal(bits, received[0].KeySize);
        Assert.StartsWith("127.0.0.1:", received[0].Client, StringComparison.Ordinal);
        Assert.Empty(server.Output.Errors);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(14)]
    [InlineData(15)]
    [InlineData(16)]
    [InlineData(17)]
    [InlineData(18)]
    public async Task Each_dh_group_agrees_on_a_key(int group)
    {
        await using RunningServer server = RunningServer.Start(group: group);
        BufferedOutput client = await Clients.RunAsync(server.Port, group, ["hello"]);
        Assert.Equal("Server says: olleh", Assert.Single(client.ObjectsOf<LegacyEchoReply>()).Reply);
        Assert.Equal("AES", client.ObjectsOf<LegacyEchoReply>()[0].Cipher);
        Assert.Equal(256, client.ObjectsOf<LegacyEchoReply>()[0].KeySize);
    }

    [Fact]
    public async Task Transcripts_match_the_originals()
    {
        await using RunningServer server = RunningServer.Start();
        BufferedOutput client = await Clients.RunAsync(server.Port, 14, ["hello", "\\quit", "never sent"]);

        Assert.Single(client.ObjectsOf<LegacyEchoReply>());
        Assert.Equal(
            [$"Connected to 127.0.0.1:{server.Port}", "Negotiating the cipher", "We are going to use AES256", "Negotiating the key",
             "The key has been established", "Initializing cryptosystem", "All systems ready"],
            client.Verbose);
        Assert.Contains(client.Progress, p => p.Completed);

        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (!server.Output.Verbose.Any(v => v.StartsWith("Client ", StringComparison.Ordinal)) && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        IReadOnlyList<string> lines = server.Output.Verbose;
        Assert.Equal($"Listening on 127.0.0.1:{server.Port}", lines[0]);
        Assert.Matches(@"^New client: 127\.0\.0\.1:\d+$", lines[1]);
        Assert.Equal(["Negotiating the cipher", "We are going to use AES256", "Negotiating the key", "The key has been established", "Received: hello"], lines.Skip(2).Take(5));
        Assert.Matches(@"^Client 127\.0\.0\.1:\d+ disconnected$", lines[7]);
    }

    [Fact]
    public async Task Client_shows_could_not_agree_on_a_cipher()
    {
        using TempCipherFiles files = new();
        await using RunningServer server = RunningServer.Start();
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() => Clients.RunAsync(server.Port, 14, ["hello"], files.Write("Blowfish", 448)));
        Assert.Equal("LegacyNoCommonCipher", ex.ErrorId);
        Assert.Equal("Could not agree on a cipher", ex.Message);
        Assert.Equal(ErrorKind.ProtocolError, ex.Kind);
        Assert.Equal("LegacyNoCommonCipher", (await server.WaitForErrorAsync("LegacyNoCommonCipher")).ErrorId);
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Clients_are_served_concurrently()
    {
        await using RunningServer server = RunningServer.Start(maxClients: 4);
        Task<BufferedOutput>[] clients = [.. Enumerable.Range(0, 4).Select(i => Clients.RunAsync(server.Port, 14, [$"client {i}", "again"]))];
        BufferedOutput[] outputs = await Task.WhenAll(clients).WaitAsync(TestLimits.Bound);
        for (int i = 0; i < outputs.Length; i++)
        {
            Assert.Equal([LegacyMessageCodec.Reply($"client {i}"), "Server says: niaga"], outputs[i].ObjectsOf<LegacyEchoReply>().Select(r => r.Reply));
        }

        Assert.Equal(8, server.Output.ObjectsOf<LegacyEchoMessage>().Count);
    }

    [Fact]
    public async Task Server_command_runs_until_cancelled()
    {
        LegacyEchoServerCommand command = new();
        TaskCompletionSource<IPEndPoint> listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
        command.Listening += ep => listening.TrySetResult(ep);
        BufferedOutput output = new();
        using CancellationTokenSource cts = new();
        string serverFile = Path.Combine(LegacyPaths.Examples, "server_cipher.toml");
        Task run = command.ExecuteAsync(new LegacyEchoServerOptions { Port = 0, Bind = "127.0.0.1", Group = 14, CipherFile = serverFile, Limits = TestLimits.Fast }, output, cts.Token);
        IPEndPoint ep = await listening.Task.WaitAsync(TestLimits.Bound);

        BufferedOutput client = await Clients.RunAsync(ep.Port, 14, ["ping"], Path.Combine(LegacyPaths.Examples, "client_cipher.toml"));
        Assert.Equal("Server says: gnip", Assert.Single(client.ObjectsOf<LegacyEchoReply>()).Reply);
        Assert.Equal("ping", Assert.Single(output.ObjectsOf<LegacyEchoMessage>()).Text);

        await cts.CancelAsync();
        await run.WaitAsync(TestLimits.Bound);
        Assert.True(run.IsCompletedSuccessfully);
    }

    [Theory]
    [InlineData(-1, 8, 14)]
    [InlineData(70000, 8, 14)]
    [InlineData(0, 0, 14)]
    [InlineData(0, 8, 3)]
    public async Task Server_command_rejects_bad_options(int port, int maxClients, int group)
    {
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() => new LegacyEchoServerCommand().ExecuteAsync(
            new LegacyEchoServerOptions { Port = port, MaxClients = maxClients, Group = group, Bind = "127.0.0.1" }, new BufferedOutput(), CancellationToken.None));
        Assert.Equal(ErrorKind.InvalidArgument, ex.Kind);
        Assert.True(ex.ErrorId is "LegacyInvalidOption" or "LegacyUnknownDhGroup", ex.ErrorId);
    }

    [Fact]
    public async Task Client_reports_refused_connections_and_missing_files()
    {
        int port;
        using (System.Net.Sockets.TcpListener probe = new(IPAddress.Loopback, 0))
        {
            probe.Start();
            port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        SnekException refused = await Assert.ThrowsAsync<SnekException>(() => Clients.RunAsync(port, 14, ["x"]));
        Assert.Equal("LegacyConnectFailed", refused.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, refused.Kind);

        SnekException missing = await Assert.ThrowsAsync<SnekException>(() => Clients.RunAsync(port, 14, ["x"], "/nonexistent/client_cipher.toml"));
        Assert.Equal("LegacyCipherFileNotFound", missing.ErrorId);
        Assert.Equal(ErrorKind.ObjectNotFound, missing.Kind);
    }

    [Fact]
    public async Task Client_streams_messages_from_an_async_source()
    {
        await using RunningServer server = RunningServer.Start();
        BufferedOutput output = new();
        using CancellationTokenSource cts = new(TestLimits.Bound);
        await new LegacyEchoClientCommand().ExecuteAsync(
            new LegacyEchoClientOptions { ComputerName = "127.0.0.1", Port = server.Port, Group = 14, Messages = ["first"], MessageSource = Source(), Limits = TestLimits.Fast },
            output, cts.Token);
        Assert.Equal(["Server says: tsrif", "Server says: dnoces", "Server says: driht"], output.ObjectsOf<LegacyEchoReply>().Select(r => r.Reply));

        static async IAsyncEnumerable<string> Source()
        {
            yield return "second";
            await Task.Yield();
            yield return "third";
            yield return "\\quit";
            yield return "not sent";
        }
    }
}

public class LegacyEchoListenTests
{
    [Fact]
    public async Task Default_bind_serves_ipv4_loopback_and_busy_ports_are_reported()
    {
        BufferedOutput output = new();
        using LegacyEchoServer server = new(new LegacyEchoServerOptions { Port = 0, Group = 14, Limits = TestLimits.Fast }, CipherProposal.DefaultServer, output);
        int port = server.Start().Port;
        Assert.StartsWith($"Listening on {System.Net.Dns.GetHostName()}:{port}", output.Verbose[0], StringComparison.Ordinal);
        using CancellationTokenSource cts = new();
        Task run = server.RunAsync(cts.Token);
        try
        {
            BufferedOutput client = await Clients.RunAsync(port, 14, ["v4"]);
            Assert.Equal("Server says: 4v", Assert.Single(client.ObjectsOf<LegacyEchoReply>()).Reply);

            using LegacyEchoServer second = new(new LegacyEchoServerOptions { Port = port, Group = 14 }, CipherProposal.DefaultServer, new BufferedOutput());
            SnekException busy = Assert.Throws<SnekException>(() => second.Start());
            Assert.Equal("LegacyListenFailed", busy.ErrorId);
            Assert.Equal(ErrorKind.ConnectionError, busy.Kind);
        }
        finally
        {
            await cts.CancelAsync();
            await run.WaitAsync(TestLimits.Bound);
        }
    }
}
