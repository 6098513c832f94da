using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// The legacy echo client's network shell: connect, propose, key exchange, then one encrypted message
/// per exchange until the messages run out or one is <c>\quit</c>. Transcript lines go to
/// <see cref="ICommandOutput.WriteVerbose"/>, steps to <see cref="ICommandOutput.WriteProgress"/>,
/// each answer is a <see cref="LegacyEchoReply"/>; failures throw <see cref="SnekException"/>.
/// </summary>
internal sealed class LegacyEchoClient
{
    /// <summary>The message that ends a session, as in the original.</summary>
    public const string QuitCommand = "\\quit";

    private static int s_activityIds = 0x4C45_0000;

    private readonly LegacyEchoClientOptions _options;
    private readonly CipherProposal _proposal;
    private readonly ICommandOutput _output;

    public LegacyEchoClient(LegacyEchoClientOptions options, CipherProposal proposal, ICommandOutput output)
    {
        _options = options;
        _proposal = proposal;
        _output = output;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await RunCoreAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            string server = $"{_options.ComputerName}:{_options.Port.ToString(CultureInfo.InvariantCulture)}";
            throw new SnekException("LegacyConnectionError", ErrorKind.ConnectionError, $"Connection to {server} failed: {ex.Message}", server, ex);
        }
    }

    private async Task RunCoreAsync(CancellationToken cancellationToken)
    {
        LegacyEchoLimits limits = _options.Limits;
        string server = $"{_options.ComputerName}:{_options.Port.ToString(CultureInfo.InvariantCulture)}";
        int activity = Interlocked.Increment(ref s_activityIds);
        string activityName = $"Legacy echo with {server}";
        _ = DiffieHellmanGroups.Prime(_options.Group);

        _output.WriteProgress(new CommandProgress(activity, activityName, "Connecting", 0));
        Socket socket = await ConnectAsync(server, limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        using LegacyConnection connection = new(socket, limits);
        _output.WriteVerbose($"Connected to {server}");

        _output.WriteVerbose("Negotiating the cipher");
        _output.WriteProgress(new CommandProgress(activity, activityName, "Negotiating the cipher", 20));
        await connection.SendAsync(Encoding.UTF8.GetBytes(_proposal.Format()), limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        byte[] choiceBytes = await connection.ReceiveAsync("server's cipher choice", limits.HandshakeTimeout,
            m => CipherNegotiation.IsCompleteChoice(m.Span, _proposal), cancellationToken).ConfigureAwait(false)
            ?? throw Closed(server, "instead of choosing a cipher");
        CipherSuite suite = CipherNegotiation.ParseChoice(LegacyEchoServer.DecodeStrict(choiceBytes, "LegacyBadChoice", "cipher choice"), _proposal);
        _output.WriteVerbose($"We are going to use {suite}");

        _output.WriteVerbose("Negotiating the key");
        _output.WriteProgress(new CommandProgress(activity, activityName, "Negotiating the key", 40));
        using DiffieHellmanKeyExchange dh = new(_options.Group);
        int primeDigits = dh.Prime.ToString(CultureInfo.InvariantCulture).Length;
        await connection.SendAsync(Encoding.ASCII.GetBytes(dh.FormatMessage()), limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        byte[] dhBytes = await connection.ReceiveAsync("server's key exchange", limits.HandshakeTimeout,
            m => DiffieHellmanKeyExchange.IsCompleteMessage(m.Span, primeDigits), cancellationToken).ConfigureAwait(false)
            ?? throw Closed(server, "during the key exchange");
        string sharedKey = dh.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(LegacyEchoServer.DecodeStrict(dhBytes, "LegacyBadDhValue", "key exchange message"), dh.Prime));
        _output.WriteVerbose("The key has been established");

        _output.WriteVerbose("Initializing cryptosystem");
        using LegacyMessageCodec codec = new(suite, sharedKey);
        _output.WriteVerbose("All systems ready");
        _output.WriteProgress(new CommandProgress(activity, activityName, "Exchanging messages", 60));

        try
        {
            foreach (string message in _options.Messages)
            {
                if (!await ExchangeAsync(connection, codec, message, server, cancellationToken).ConfigureAwait(false))
                {
                    return;
                }
            }

            if (_options.MessageSource is not null)
            {
                await foreach (string message in _options.MessageSource.WithCancellation(cancellationToken).ConfigureAwait(false))
                {
                    if (!await ExchangeAsync(connection, codec, message, server, cancellationToken).ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
        }
        finally
        {
            _output.WriteProgress(new CommandProgress(activity, activityName, "Done", 100, Completed: true));
        }
    }

    /// <summary>Sends one message and reads the answer; false on <c>\quit</c>.</summary>
    private async Task<bool> ExchangeAsync(LegacyConnection connection, LegacyMessageCodec codec, string message, string server, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (message == QuitCommand)
        {
            return false;
        }

        LegacyEchoLimits limits = _options.Limits;
        byte[] wire = codec.Seal(message);
        if (wire.Length > limits.MaxMessageSize)
        {
            throw new SnekException("LegacyMessageTooLarge", ErrorKind.InvalidArgument,
                $"The message is {wire.Length} bytes on the wire; the limit is {limits.MaxMessageSize}.", message);
        }

        await connection.SendAsync(wire, limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
        byte[] expected = Encoding.UTF8.GetBytes(LegacyMessageCodec.Reply(message));
        byte[] replyBytes = await connection.ReceiveAsync("server's reply", limits.HandshakeTimeout,
            m => m.Span.SequenceEqual(expected), cancellationToken).ConfigureAwait(false)
            ?? throw Closed(server, "instead of answering (it may have rejected the message)");
        string reply = Encoding.UTF8.GetString(replyBytes);
        _output.WriteObject(new LegacyEchoReply
        {
            Message = message,
            Reply = reply,
            Cipher = codec.Suite.Name,
            KeySize = codec.Suite.KeySize,
            Server = server,
        });
        return true;
    }

    private async Task<Socket> ConnectAsync(string server, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp);
        using CancellationTokenSource cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout);
        try
        {
            await socket.ConnectAsync(_options.ComputerName, _options.Port, cts.Token).ConfigureAwait(false);
            socket.NoDelay = true;
            return socket;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SnekException("LegacyTimeout", ErrorKind.OperationTimeout, $"Timed out connecting to {server}.", server);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            throw new SnekException("LegacyConnectFailed", ErrorKind.ConnectionError, $"Could not connect to {server}: {ex.Message}", server, ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static SnekException Closed(string server, string when) =>
        new("LegacyConnectionClosed", ErrorKind.ConnectionError, $"The server {server} closed the connection {when}.", server);
}
