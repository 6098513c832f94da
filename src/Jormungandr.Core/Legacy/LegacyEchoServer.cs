using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Jormungandr.Commands;

namespace Jormungandr.Legacy;

/// <summary>
/// The legacy echo server's network shell: listens, serves up to <see cref="LegacyEchoServerOptions.MaxClients"/>
/// clients at once, and reports every client's failure as a non-terminating error without stopping.
/// Transcript lines (as the Python original prints them) go to <see cref="ICommandOutput.WriteVerbose"/>;
/// each answered message is a <see cref="LegacyEchoMessage"/> object.
/// </summary>
internal sealed class LegacyEchoServer : IDisposable
{
    private readonly LegacyEchoServerOptions _options;
    private readonly CipherProposal _supported;
    private readonly ICommandOutput _output;
    private readonly SemaphoreSlim _slots;
    private readonly List<Task> _sessions = [];
    private readonly Lock _gate = new();
    private Socket? _listener;

    public LegacyEchoServer(LegacyEchoServerOptions options, CipherProposal supported, ICommandOutput output)
    {
        _options = options;
        _supported = supported;
        _output = output;
        _slots = new SemaphoreSlim(options.MaxClients, options.MaxClients);
        _ = DiffieHellmanGroups.Prime(options.Group);
    }

    /// <summary>The bound address (after <see cref="Start"/>).</summary>
    public IPEndPoint? LocalEndPoint { get; private set; }

    /// <summary>Binds and listens; returns the bound endpoint (with the real port when 0 was asked).</summary>
    /// <exception cref="SnekException">LegacyBadBind (InvalidArgument), LegacyListenFailed (ConnectionError).</exception>
    public IPEndPoint Start()
    {
        IPAddress address;
        if (_options.Bind is null)
        {
            address = Socket.OSSupportsIPv6 ? IPAddress.IPv6Any : IPAddress.Any;
        }
        else if (!IPAddress.TryParse(_options.Bind, out address!))
        {
            try
            {
                address = Dns.GetHostAddresses(_options.Bind)[0];
            }
            catch (Exception ex) when (ex is SocketException or ArgumentException or IndexOutOfRangeException)
            {
                throw new SnekException("LegacyBadBind", ErrorKind.InvalidArgument, $"Cannot resolve bind address '{_options.Bind}'.", _options.Bind, ex);
            }
        }

        Socket listener;
        try
        {
            listener = Listen(address);
        }
        catch (SocketException) when (_options.Bind is null && address.Equals(IPAddress.IPv6Any))
        {
            listener = Listen(IPAddress.Any); // IPv6 switched off on this host: IPv4 only
        }

        _listener = listener;
        LocalEndPoint = (IPEndPoint)listener.LocalEndPoint!;
        string host = _options.Bind ?? Dns.GetHostName();
        _output.WriteVerbose($"Listening on {host}:{LocalEndPoint.Port.ToString(CultureInfo.InvariantCulture)}");
        return LocalEndPoint;
    }

    private Socket Listen(IPAddress address)
    {
        Socket listener = new(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (address.Equals(IPAddress.IPv6Any))
            {
                listener.DualMode = true;
            }

            listener.Bind(new IPEndPoint(address, _options.Port));
            listener.Listen(Math.Min(128, _options.MaxClients * 4));
            return listener;
        }
        catch (SocketException ex)
        {
            listener.Dispose();
            if (_options.Bind is null && address.Equals(IPAddress.IPv6Any) && ex.SocketErrorCode is SocketError.AddressFamilyNotSupported or SocketError.AddressNotAvailable)
            {
                throw;
            }

            throw new SnekException("LegacyListenFailed", ErrorKind.ConnectionError,
                $"Cannot listen on {_options.Bind ?? "*"}:{_options.Port}: {ex.Message}", _options.Port, ex);
        }
    }

    /// <summary>Accepts clients until cancelled, then closes everything and waits for the sessions to end.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        Socket listener = _listener ?? throw new InvalidOperationException("Call Start first.");
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                Socket client;
                try
                {
                    client = await listener.AcceptAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (SocketException ex)
                {
                    // E.g. the client reset before accept completed; the listener itself is fine.
                    _output.WriteWarning($"Accept failed: {ex.Message}");
                    continue;
                }

                string name = Describe(client.RemoteEndPoint);
                if (!_slots.Wait(0))
                {
                    _output.WriteWarning($"Too many clients ({_options.MaxClients}); refusing {name}");
                    client.Dispose();
                    continue;
                }

                Task session = Task.Run(() => ServeAsync(client, name, cancellationToken), CancellationToken.None);
                lock (_gate)
                {
                    _sessions.RemoveAll(t => t.IsCompleted);
                    _sessions.Add(session);
                }
            }
        }
        finally
        {
            listener.Dispose();
            Task[] pending;
            lock (_gate)
            {
                pending = [.. _sessions];
            }

            await Task.WhenAll(pending).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(Socket socket, string client, CancellationToken cancellationToken)
    {
        LegacyEchoLimits limits = _options.Limits;
        using LegacyConnection connection = new(socket, limits);
        try
        {
            _output.WriteVerbose($"New client: {client}");
            _output.WriteVerbose("Negotiating the cipher");
            byte[]? proposalBytes = await connection.ReceiveAsync("cipher proposal", limits.HandshakeTimeout, null, cancellationToken).ConfigureAwait(false);
            if (proposalBytes is null)
            {
                _output.WriteVerbose($"Client {client} closed the connection");
                return;
            }

            CipherSuite suite;
            try
            {
                CipherProposal proposal = CipherProposal.Parse(DecodeStrict(proposalBytes, "LegacyBadProposal", "cipher proposal")).Validate();
                suite = CipherNegotiation.Select(_supported, proposal);
            }
            catch (SnekException ex) when (ex.ErrorId is "LegacyNoCommonCipher" or "LegacyUnknownCipher")
            {
                // Tell the client in the original's words, then report our reason and close.
                await connection.SendAsync(Encoding.UTF8.GetBytes(CipherNegotiation.NoCommonCipherMessage), limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
                throw;
            }

            await connection.SendAsync(Encoding.UTF8.GetBytes(CipherNegotiation.FormatChoice(suite)), limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            _output.WriteVerbose($"We are going to use {suite}");

            _output.WriteVerbose("Negotiating the key");
            using DiffieHellmanKeyExchange dh = new(_options.Group);
            int primeDigits = dh.Prime.ToString(CultureInfo.InvariantCulture).Length;
            byte[] dhBytes = await connection.ReceiveAsync("key exchange", limits.HandshakeTimeout,
                m => DiffieHellmanKeyExchange.IsCompleteMessage(m.Span, primeDigits), cancellationToken).ConfigureAwait(false)
                ?? throw Closed(client, "during the key exchange");
            string sharedKey = dh.ComputeSharedKey(DiffieHellmanKeyExchange.ParseMessage(DecodeStrict(dhBytes, "LegacyBadDhValue", "key exchange message"), dh.Prime));
            await connection.SendAsync(Encoding.ASCII.GetBytes(dh.FormatMessage()), limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
            _output.WriteVerbose("The key has been established");

            using LegacyMessageCodec codec = new(suite, sharedKey);
            while (true)
            {
                byte[]? wire = await connection.ReceiveAsync("next message", limits.IdleTimeout,
                    m => codec.HasValidHmac(m.Span), cancellationToken).ConfigureAwait(false);
                if (wire is null)
                {
                    _output.WriteVerbose($"Client {client} disconnected");
                    return;
                }

                string text = codec.Open(wire);
                _output.WriteVerbose($"Received: {text}");
                string reply = LegacyMessageCodec.Reply(text);
                await connection.SendAsync(Encoding.UTF8.GetBytes(reply), limits.HandshakeTimeout, cancellationToken).ConfigureAwait(false);
                _output.WriteObject(new LegacyEchoMessage
                {
                    Client = client,
                    Cipher = suite.Name,
                    KeySize = suite.KeySize,
                    Text = text,
                    Reply = reply,
                });
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Server stopping.
        }
        catch (SnekException ex)
        {
            _output.WriteError(new CommandError(ex.ErrorId, ex.Kind, $"{client}: {ex.Message}", client, ex));
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            _output.WriteError(new CommandError("LegacyConnectionError", ErrorKind.ConnectionError, $"{client}: {ex.Message}", client, ex));
        }
#pragma warning disable CA1031 // One client's unexpected failure must never stop the server; it is reported.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _output.WriteError(new CommandError("LegacyServerError", ErrorKind.NotSpecified, $"{client}: {ex.GetType().Name}: {ex.Message}", client, ex));
        }
        finally
        {
            _slots.Release();
        }
    }

    internal static string DecodeStrict(byte[] bytes, string errorId, string what)
    {
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
        }
        catch (DecoderFallbackException ex)
        {
            throw new SnekException(errorId, ErrorKind.ProtocolError, $"The {what} is not valid UTF-8 text.", null, ex);
        }
    }

    private static SnekException Closed(string peer, string when) =>
        new("LegacyConnectionClosed", ErrorKind.ConnectionError, $"{peer} closed the connection {when}.", peer);

    internal static string Describe(EndPoint? endPoint) => endPoint switch
    {
        IPEndPoint ip when ip.Address.IsIPv4MappedToIPv6 => new IPEndPoint(ip.Address.MapToIPv4(), ip.Port).ToString(),
        null => "?",
        _ => endPoint.ToString() ?? "?",
    };

    public void Dispose()
    {
        _listener?.Dispose();
        _slots.Dispose();
    }
}
