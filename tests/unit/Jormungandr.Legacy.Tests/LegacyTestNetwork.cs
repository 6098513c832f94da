using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;
using Jormungandr.Legacy;

namespace Jormungandr.Tests;

/// <summary>Short limits so failure paths finish quickly; every wait in these tests is bounded.</summary>
internal static class TestLimits
{
    public static LegacyEchoLimits Fast { get; } = new()
    {
        QuietPeriod = TimeSpan.FromMilliseconds(120),
        HandshakeTimeout = TimeSpan.FromSeconds(15),
        IdleTimeout = TimeSpan.FromSeconds(15),
    };

    /// <summary>For the silent-peer tests.</summary>
    public static LegacyEchoLimits ShortTimeouts { get; } = Fast with
    {
        HandshakeTimeout = TimeSpan.FromSeconds(1),
        IdleTimeout = TimeSpan.FromSeconds(1),
    };

    /// <summary>
    /// For tests that pause between segments or stream megabytes: a quiet period far longer than any
    /// scheduling hiccup on a loaded machine, so "the sender paused" is never mistaken for "message done".
    /// </summary>
    public static LegacyEchoLimits Patient { get; } = Fast with { QuietPeriod = TimeSpan.FromSeconds(1.5) };

    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);
}

/// <summary>Our server on 127.0.0.1 with an ephemeral port, run in the background and stopped on dispose.</summary>
internal sealed class RunningServer : IAsyncDisposable
{
    private readonly CancellationTokenSource _cts = new();
    private readonly LegacyEchoServer _server;
    private readonly Task _run;

    private RunningServer(LegacyEchoServerOptions options, CipherProposal supported)
    {
        _server = new LegacyEchoServer(options, supported, Output);
        Port = _server.Start().Port;
        Options = options;
        _run = Task.Run(() => _server.RunAsync(_cts.Token));
    }

    public BufferedOutput Output { get; } = new();

    public int Port { get; }

    public LegacyEchoServerOptions Options { get; }

    public static RunningServer Start(int group = 14, int maxClients = 8, LegacyEchoLimits? limits = null, CipherProposal? supported = null) =>
        new(new LegacyEchoServerOptions { Port = 0, Bind = "127.0.0.1", Group = group, MaxClients = maxClients, Limits = limits ?? TestLimits.Fast },
            supported ?? CipherProposal.DefaultServer);

    public async Task<CommandError> WaitForErrorAsync(string errorId)
    {
        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (DateTime.UtcNow < end)
        {
            foreach (CommandError e in Output.Errors)
            {
                if (e.ErrorId == errorId)
                {
                    return e;
                }
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"No {errorId} error; got: {string.Join("; ", Output.Errors.Select(e => e.ErrorId + " " + e.Message))}");
    }

    public async Task WaitForWarningAsync(string contains)
    {
        DateTime end = DateTime.UtcNow + TestLimits.Bound;
        while (DateTime.UtcNow < end)
        {
            if (Output.Warnings.Any(w => w.Contains(contains, StringComparison.Ordinal)))
            {
                return;
            }

            await Task.Delay(20);
        }

        throw new Xunit.Sdk.XunitException($"No warning containing '{contains}'.");
    }

    /// <summary>Asserts a well-behaved client still gets served.</summary>
    public async Task AssertStillServesAsync(string text = "hello")
    {
        BufferedOutput client = await Clients.RunAsync(Port, Options.Group, [text]);
        LegacyEchoReply reply = Assert.Single(client.ObjectsOf<LegacyEchoReply>());
        Assert.Equal(LegacyMessageCodec.Reply(text), reply.Reply);
    }

    public async ValueTask DisposeAsync()
    {
        await _cts.CancelAsync();
        await _run.WaitAsync(TestLimits.Bound);
        _server.Dispose();
        _cts.Dispose();
    }
}

internal static class Clients
{
    public static async Task<BufferedOutput> RunAsync(int port, int group, IReadOnlyList<string> messages, string? cipherFile = null, string host = "127.0.0.1", LegacyEchoLimits? limits = null)
    {
        BufferedOutput output = new();
        using CancellationTokenSource cts = new(TestLimits.Bound);
        await new LegacyEchoClientCommand().ExecuteAsync(
            new LegacyEchoClientOptions { ComputerName = host, Port = port, Group = group, Messages = messages, CipherFile = cipherFile, Limits = limits ?? TestLimits.Fast },
            output, cts.Token);
        return output;
    }
}

/// <summary>A hand-driven peer for sending exactly the bytes a test wants.</summary>
internal sealed class RawPeer : IDisposable
{
    private readonly Socket _socket;

    private RawPeer(Socket socket) => _socket = socket;

    public static async Task<RawPeer> ConnectAsync(int port)
    {
        Socket s = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        using CancellationTokenSource cts = new(TestLimits.Bound);
        await s.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        return new RawPeer(s);
    }

    public static RawPeer Wrap(Socket socket)
    {
        socket.NoDelay = true;
        return new RawPeer(socket);
    }

    public async Task SendAsync(byte[] data)
    {
        using CancellationTokenSource cts = new(TestLimits.Bound);
        await _socket.SendAsync(data, SocketFlags.None, cts.Token);
    }

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends in pieces with pauses shorter than the quiet period: separate TCP segments.</summary>
    public async Task SendSplitAsync(byte[] data, int pieces)
    {
        int step = Math.Max(1, data.Length / pieces);
        for (int off = 0; off < data.Length; off += step)
        {
            await SendAsync(data.AsSpan(off, Math.Min(step, data.Length - off)).ToArray());
            await Task.Delay(25);
        }
    }

    /// <summary>Reads one answer as UTF-8 text.</summary>
    public async Task<string> ReceiveAsync() => Encoding.UTF8.GetString(await ReceiveBytesAsync());

    /// <summary>Reads one answer: until 300 ms of quiet after the first byte, or close (empty when closed at once).</summary>
    public async Task<byte[]> ReceiveBytesAsync()
    {
        byte[] buffer = new byte[128 * 1024];
        int length = 0;
        using (CancellationTokenSource first = new(TestLimits.Bound))
        {
            length = await _socket.ReceiveAsync(buffer, SocketFlags.None, first.Token);
        }

        while (length > 0)
        {
            using CancellationTokenSource quiet = new(TimeSpan.FromMilliseconds(300));
            try
            {
                int n = await _socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, quiet.Token);
                if (n == 0)
                {
                    break;
                }

                length += n;
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }

        return buffer.AsSpan(0, length).ToArray();
    }

    /// <summary>True when the other side closes (FIN or reset) within the bound.</summary>
    public async Task<bool> ClosedByPeerAsync()
    {
        byte[] buffer = new byte[64 * 1024];
        using CancellationTokenSource cts = new(TestLimits.Bound);
        try
        {
            while (await _socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (SocketException)
        {
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Proposal and key exchange as a correct client; returns the codec for the agreed suite.</summary>
    public async Task<LegacyMessageCodec> HandshakeAsync(int group, string proposal = "ProposedCiphers:AES:[256]")
    {
        await SendAsync(proposal);
        CipherSuite suite = CipherNegotiation.ParseChoice(await ReceiveAsync(), CipherProposal.Parse(proposal).Validate());
        using DiffieHellmanKeyExchange dh = new(group);
        await SendAsync(dh.FormatMessage());
        string sharedKey = dh.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(await ReceiveAsync(), dh.Prime));
        return new LegacyMessageCodec(suite, sharedKey);
    }

    public void Dispose() => _socket.Dispose();
}

/// <summary>Writes cipher TOML files into a temporary folder removed on dispose.</summary>
internal sealed class TempCipherFiles : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "legacy-ciphers-" + Guid.NewGuid().ToString("N"));

    public TempCipherFiles() => Directory.CreateDirectory(_dir);

    public string Write(string cipher, params int[] keys)
    {
        string path = Path.Combine(_dir, $"{cipher}-{string.Join("-", keys)}.toml");
        File.WriteAllText(path, $"[[supported_cipher]]\nname = \"{cipher}\"\nkeys = [{string.Join(", ", keys.Select(k => k.ToString(CultureInfo.InvariantCulture)))}]\n");
        return path;
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
