using System.Net;
using System.Net.Sockets;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Engine;

/// <summary>
/// What one receive loop of a transport hands its datagrams to. Each loop gets its own (from the factory
/// given to <see cref="IDatagramTransport.Start"/>), so per-loop state lives here, unshared.
/// </summary>
internal interface IDatagramReceiver
{
    /// <summary>One datagram; the span and address are only valid during the call.</summary>
    void Receive(ReadOnlySpan<byte> datagram, SocketAddress from);

    /// <summary>The datagrams of one receive call were all handed over: finish what they queued.</summary>
    void BatchEnd();
}

/// <summary>
/// The device's view of the data channel: datagrams to and from underlay addresses, batch-capable. The
/// Linux implementation is <see cref="UdpTransport"/> (recvmmsg/sendmmsg, GSO/GRO); tests use a simulated network.
/// </summary>
internal interface IDatagramTransport : IDisposable
{
    /// <summary>The local port datagrams leave from (for logs); 0 when unknown.</summary>
    int LocalPort { get; }

    /// <summary>Starts receiving: each receive loop creates its receiver with <paramref name="createReceiver"/> on its own thread.</summary>
    void Start(Func<IDatagramReceiver> createReceiver, string name);

    /// <summary>Sends one datagram; false when it was refused.</summary>
    bool Send(ReadOnlySpan<byte> datagram, SocketAddress to);

    /// <summary>Sends every datagram committed to <paramref name="batch"/> (all of <paramref name="family"/>), then empties it.</summary>
    void SendBatch(UdpBatch batch, AddressFamily family);
}

/// <summary>Opens the data channel's transport: bound to an address (null: every address) and port (0: ephemeral).</summary>
internal delegate IDatagramTransport TransportFactory(IPAddress? bind, int port);
