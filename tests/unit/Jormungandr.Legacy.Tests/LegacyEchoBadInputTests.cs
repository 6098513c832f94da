using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Numerics;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

/// <summary>
/// The bad-input list against the running server over 127.0.0.1: each gives a clear error for that
/// connection only, and a good client is served afterwards.
/// </summary>
public class LegacyEchoBadInputTests
{
    [Theory]
    [InlineData("ProposedCiphers:AES[256]", "LegacyBadProposal")]
    [InlineData("Hello there", "LegacyBadProposal")]
    [InlineData("ProposedCiphers:AES:[256],AES:[128]", "LegacyBadProposal")]
    public async Task Malformed_proposal_closes_only_that_connection(string proposal, string errorId)
    {
        await using RunningServer server = RunningServer.Start();
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync(proposal);
            Assert.True(await peer.ClosedByPeerAsync());
        }

        CommandError error = await server.WaitForErrorAsync(errorId);
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Oversized_and_non_utf8_proposals_are_rejected()
    {
        await using RunningServer server = RunningServer.Start();
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync("ProposedCiphers:AES:[" + string.Join(",", Enumerable.Repeat("256", 3000)) + "]");
            Assert.True(await peer.ClosedByPeerAsync());
        }

        Assert.Contains("limit", (await server.WaitForErrorAsync("LegacyBadProposal")).Message, StringComparison.Ordinal);

        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync([.. "ProposedCiphers:AES:[256]"u8, 0xFF, 0xFE]);
            Assert.True(await peer.ClosedByPeerAsync());
        }

        await WaitForCountAsync(server, "LegacyBadProposal", 2);
        await server.AssertStillServesAsync();
    }

    [Theory]
    [InlineData("ProposedCiphers:ROT13:[128]")]
    [InlineData("ProposedCiphers:AES:[100]")]
    [InlineData("ProposedCiphers:AES:[256],Twofish:[256]")]
    public async Task Unknown_cipher_names_and_sizes_are_refused(string proposal)
    {
        await using RunningServer server = RunningServer.Start();
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync(proposal);
            Assert.Equal("Could not agree on a cipher", await peer.ReceiveAsync());
            Assert.True(await peer.ClosedByPeerAsync());
        }

        CommandError error = await server.WaitForErrorAsync("LegacyUnknownCipher");
        Assert.Equal(ErrorKind.InvalidData, error.Kind);
        await server.AssertStillServesAsync();
    }

    public static TheoryData<string> BadDhValues()
    {
        BigInteger p = DiffieHellmanGroups.Prime(14);
        return
        [
            "DHMKE:0",
            "DHMKE:1",
            "DHMKE:" + (p - 1).ToString(CultureInfo.InvariantCulture),
            "DHMKE:" + p.ToString(CultureInfo.InvariantCulture),
            "DHMKE:" + (p + 12345).ToString(CultureInfo.InvariantCulture),
            "DHMKE:" + new string('7', 5000),
            "DHMKE:not-a-number",
            "DHMKE:",
            "HELLO:1234",
            // p-2 = -2 is a non-residue: in range, fails y^((p-1)/2) = 1.
            "DHMKE:" + (p - 2).ToString(CultureInfo.InvariantCulture),
        ];
    }

    [Theory]
    [MemberData(nameof(BadDhValues))]
    public async Task Bad_key_exchange_values_are_refused(string message)
    {
        await using RunningServer server = RunningServer.Start(group: 14);
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            await peer.SendAsync("ProposedCiphers:AES:[256]");
            Assert.Equal("ChosenCipher:AES,256", await peer.ReceiveAsync());
            await peer.SendAsync(message);
            Assert.True(await peer.ClosedByPeerAsync());
        }

        CommandError error = await server.WaitForErrorAsync("LegacyBadDhValue");
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Messages_split_across_segments_still_work()
    {
        await using RunningServer server = RunningServer.Start(group: 14, limits: TestLimits.Patient);
        using RawPeer peer = await RawPeer.ConnectAsync(server.Port);
        string proposal = "ProposedCiphers:AES:[128,192,256],Blowfish:[112,224,448],DES3:[192]";
        await peer.SendSplitAsync(Encoding.ASCII.GetBytes(proposal), 4);
        Assert.Equal("ChosenCipher:AES,256", await peer.ReceiveAsync());

        using DiffieHellmanKeyExchange dh = new(14);
        await peer.SendSplitAsync(Encoding.ASCII.GetBytes(dh.FormatMessage()), 3);
        string sharedKey = dh.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(await peer.ReceiveAsync(), dh.Prime));

        using LegacyMessageCodec codec = new(new CipherSuite("AES", 256), sharedKey);
        await peer.SendSplitAsync(codec.Seal("split across segments"), 5);
        Assert.Equal(LegacyMessageCodec.Reply("split across segments"), await peer.ReceiveAsync());
        Assert.Empty(server.Output.Errors);
        Assert.Equal("split across segments", Assert.Single(server.Output.ObjectsOf<LegacyEchoMessage>()).Text);
    }

    [Fact]
    public async Task Ciphertext_not_a_multiple_of_the_block_size_is_refused()
    {
        await using RunningServer server = RunningServer.Start(group: 14);
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            using LegacyMessageCodec codec = await peer.HandshakeAsync(14);
            await peer.SendAsync(codec.AppendHmac(new byte[15]));
            Assert.True(await peer.ClosedByPeerAsync());
        }

        CommandError error = await server.WaitForErrorAsync("LegacyBadBlockSize");
        Assert.Equal(ErrorKind.ProtocolError, error.Kind);
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Bad_hmac_is_reported_and_the_message_rejected()
    {
        await using RunningServer server = RunningServer.Start(group: 14);
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            using LegacyMessageCodec codec = await peer.HandshakeAsync(14);
            await peer.SendAsync(codec.Seal("fine"));
            Assert.Equal("Server says: enif", await peer.ReceiveAsync());

            byte[] forged = codec.Seal("forged");
            forged[^1] = forged[^1] == (byte)'0' ? (byte)'1' : (byte)'0';
            await peer.SendAsync(forged);
            Assert.True(await peer.ClosedByPeerAsync());
        }

        CommandError error = await server.WaitForErrorAsync("LegacyBadHmac");
        Assert.Equal(ErrorKind.SecurityError, error.Kind);
        Assert.Equal("Bad HMAC", Assert.IsType<SnekException>(error.Exception).Message);
        Assert.DoesNotContain(server.Output.ObjectsOf<LegacyEchoMessage>(), m => m.Text == "forged");
        Assert.DoesNotContain("Received: forged", server.Output.Verbose);
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Silent_peers_time_out_in_every_phase()
    {
        await using RunningServer server = RunningServer.Start(group: 14, limits: TestLimits.ShortTimeouts);
        using (RawPeer silent = await RawPeer.ConnectAsync(server.Port))
        {
            Assert.True(await silent.ClosedByPeerAsync());
        }

        Assert.Contains("cipher proposal", (await server.WaitForErrorAsync("LegacyTimeout")).Message, StringComparison.Ordinal);

        using (RawPeer midHandshake = await RawPeer.ConnectAsync(server.Port))
        {
            await midHandshake.SendAsync("ProposedCiphers:AES:[256]");
            Assert.Equal("ChosenCipher:AES,256", await midHandshake.ReceiveAsync());
            Assert.True(await midHandshake.ClosedByPeerAsync());
        }

        await WaitForCountAsync(server, "LegacyTimeout", 2);
        Assert.Contains(server.Output.Errors, e => e.ErrorId == "LegacyTimeout" && e.Message.Contains("key exchange", StringComparison.Ordinal));
        Assert.All(server.Output.Errors, e => Assert.Equal(ErrorKind.OperationTimeout, e.Kind));
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Ten_megabytes_of_garbage_hit_the_size_cap()
    {
        await using RunningServer server = RunningServer.Start(group: 14, limits: TestLimits.Patient);
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            byte[] garbage = new byte[10 * 1024 * 1024];
            new Random(42).NextBytes(garbage);
            Task send = peer.SendAsync(garbage);
            CommandError error = await server.WaitForErrorAsync("LegacyMessageTooLarge");
            Assert.Equal(ErrorKind.InvalidData, error.Kind);
            try
            {
                await send.WaitAsync(TestLimits.Bound);
            }
            catch (SocketException)
            {
                // The server reset the connection mid-send: expected.
            }
        }

        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Oversized_message_after_the_handshake_hits_the_size_cap()
    {
        await using RunningServer server = RunningServer.Start(group: 14, limits: TestLimits.Patient);
        using (RawPeer peer = await RawPeer.ConnectAsync(server.Port))
        {
            using LegacyMessageCodec codec = await peer.HandshakeAsync(14);
            Task send = peer.SendAsync(codec.Seal(new string('x', 200_000)));
            Assert.True(await peer.ClosedByPeerAsync());
            try
            {
                await send.WaitAsync(TestLimits.Bound);
            }
            catch (SocketException)
            {
            }
        }

        await server.WaitForErrorAsync("LegacyMessageTooLarge");
        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Clients_beyond_the_limit_are_refused_until_a_slot_frees()
    {
        await using RunningServer server = RunningServer.Start(group: 14, maxClients: 1, limits: TestLimits.ShortTimeouts);
        using (RawPeer holder = await RawPeer.ConnectAsync(server.Port))
        {
            await holder.SendAsync("ProposedCiphers:AES:[256]");
            Assert.Equal("ChosenCipher:AES,256", await holder.ReceiveAsync());
            using (RawPeer extra = await RawPeer.ConnectAsync(server.Port))
            {
                Assert.True(await extra.ClosedByPeerAsync());
            }

            await server.WaitForWarningAsync("Too many clients");
            Assert.True(await holder.ClosedByPeerAsync()); // timed out, slot released
        }

        await server.AssertStillServesAsync();
    }

    [Fact]
    public async Task Client_accepts_server_messages_split_across_segments()
    {
        using Socket listener = Listen(out int port);

        // A hand-written server that splits every answer into separate segments.
        Task fake = Task.Run(async () =>
        {
            using CancellationTokenSource cts = new(TestLimits.Bound);
            using RawPeer peer = RawPeer.Wrap(await listener.AcceptAsync(cts.Token));
            Assert.Equal("ProposedCiphers:Blowfish:[40,224]", await peer.ReceiveAsync());
            await peer.SendSplitAsync("ChosenCipher:Blowfish,224"u8.ToArray(), 3);
            using DiffieHellmanKeyExchange dh = new(14);
            string key = dh.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(await peer.ReceiveAsync(), dh.Prime));
            await peer.SendSplitAsync(Encoding.ASCII.GetBytes(dh.FormatMessage()), 4);
            using LegacyMessageCodec codec = new(new CipherSuite("Blowfish", 224), key);
            string text = codec.Open(await peer.ReceiveBytesAsync());
            await peer.SendSplitAsync(Encoding.UTF8.GetBytes(LegacyMessageCodec.Reply(text)), 3);
            Assert.True(await peer.ClosedByPeerAsync());
        });

        using TempCipherFiles files = new();
        BufferedOutput client = await Clients.RunAsync(port, 14, ["split reply"], files.Write("Blowfish", 40, 224), limits: TestLimits.Patient);
        LegacyEchoReply reply = Assert.Single(client.ObjectsOf<LegacyEchoReply>());
        Assert.Equal("Server says: ylper tilps", reply.Reply);
        Assert.Equal("Blowfish", reply.Cipher);
        Assert.Equal(224, reply.KeySize);
        await fake.WaitAsync(TestLimits.Bound);
    }

    [Fact]
    public async Task Client_times_out_on_a_silent_server()
    {
        using Socket listener = Listen(out int port);
        Task<Socket> accept = listener.AcceptAsync();
        SnekException ex = await Assert.ThrowsAsync<SnekException>(() => Clients.RunAsync(port, 14, ["x"], limits: TestLimits.ShortTimeouts));
        Assert.Equal("LegacyTimeout", ex.ErrorId);
        Assert.Equal(ErrorKind.OperationTimeout, ex.Kind);
        (await accept.WaitAsync(TestLimits.Bound)).Dispose();
    }

    [Fact]
    public async Task Client_reports_a_server_that_closes_instead_of_answering()
    {
        using Socket listener = Listen(out int port);
        Task fake = Task.Run(async () =>
        {
            using CancellationTokenSource cts = new(TestLimits.Bound);
            using RawPeer peer = RawPeer.Wrap(await listener.AcceptAsync(cts.Token));
            await peer.ReceiveAsync();
        });

        SnekException ex = await Assert.ThrowsAsync<SnekException>(() => Clients.RunAsync(port, 14, ["x"]));
        Assert.Equal("LegacyConnectionClosed", ex.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
        await fake.WaitAsync(TestLimits.Bound);
    }

    [Fact]
    public async Task Client_turns_a_reset_into_a_connection_error()
    {
        using Socket listener = Listen(out int port);
        Task fake = Task.Run(async () =>
        {
            using CancellationTokenSource cts = new(TestLimits.Bound);
            using Socket accepted = await listener.AcceptAsync(cts.Token);
            byte[] buffer = new byte[4096];
            await accepted.ReceiveAsync(buffer, SocketFlags.None, cts.Token);
            accepted.LingerState = new LingerOption(true, 0); // close with RST
            accepted.Close();
        });

        SnekException ex = await Assert.ThrowsAsync<SnekException>(() => Clients.RunAsync(port, 14, ["x"]));
        Assert.True(ex.ErrorId is "LegacyConnectionError" or "LegacyConnectionClosed", ex.ErrorId);
        Assert.Equal(ErrorKind.ConnectionError, ex.Kind);
        await fake.WaitAsync(TestLimits.Bound);
    }

    private static Socket Listen(out int port)
    {
        Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        port = ((IPEndPoint)listener.LocalEndPoint!).Port;
        return listener;
    }

    private static async Task WaitForCountAsync(RunningServer server, string errorId, int count)
    {
        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (server.Output.Errors.Count(e => e.ErrorId == errorId) < count && DateTime.UtcNow < end)
        {
            await Task.Delay(20);
        }

        Assert.True(server.Output.Errors.Count(e => e.ErrorId == errorId) >= count, $"expected {count} {errorId} errors");
    }
}
