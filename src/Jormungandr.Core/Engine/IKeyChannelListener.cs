using System.Net;

namespace Jormungandr.Engine;

/// <summary>
/// Runs for each admitted key-channel connection: the connected stream and the peer's address. The
/// handler owns the connection until it returns; disposing the stream closes it.
/// </summary>
internal delegate Task KeyChannelHandler(Stream connection, IPAddress source, CancellationToken cancellationToken);

/// <summary>The server's key port: accepts connections and hands each admitted one to a handler.</summary>
internal interface IKeyChannelListener : IDisposable
{
    /// <summary>Starts accepting.</summary>
    void Start(KeyChannelHandler handler);
}

/// <summary>Opens the server's key port on an address (null: every address) and port.</summary>
internal delegate IKeyChannelListener KeyChannelListenerFactory(IPAddress? bind, int port);

/// <summary>Connects the client's key channel to the server; the stream owns the connection.</summary>
internal delegate Task<Stream> KeyChannelDialer(IPEndPoint server, CancellationToken cancellationToken);
