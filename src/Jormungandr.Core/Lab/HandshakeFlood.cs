using System.Net;
using System.Net.Sockets;
using Jormungandr.Protocol;

namespace Jormungandr.Lab;

/// <summary>
/// A slot-holding handshake flood for lab tests and benches: from each source address, up to
/// <see cref="ConnectionsPerSource"/> key-channel connections that each send a valid Initiation, read
/// the Response and never authenticate; when the server closes one (refused, evicted, timed out) it
/// is replaced at once, or after <see cref="RetryDelay"/> if the server answered nothing. Only lab
/// addresses (<see cref="LabAddressPolicy"/>); runs until cancelled.
/// </summary>
public sealed class HandshakeFlood
{
    private readonly NamespaceSockets _sockets;
    private readonly IPEndPoint _server;
    private readonly IReadOnlyList<IPAddress> _sources;
    private readonly byte[] _initiationFrame;
    private long _connections;
    private long _responses;
    private long _refused;

    /// <summary>Prepares a flood from <paramref name="sources"/> (inside <paramref name="sockets"/>' namespace) to <paramref name="server"/>.</summary>
    /// <param name="sockets">Makes the sockets in the attacker's namespace.</param>
    /// <param name="server">The server's key port.</param>
    /// <param name="sources">Source addresses, each configured in that namespace.</param>
    /// <param name="initiation">A valid Initiation (one, reused: the server cannot tell).</param>
    /// <exception cref="ArgumentException">An address outside the lab ranges.</exception>
    public HandshakeFlood(NamespaceSockets sockets, IPEndPoint server, IReadOnlyList<IPAddress> sources, byte[] initiation)
    {
        ArgumentNullException.ThrowIfNull(sockets);
        ArgumentNullException.ThrowIfNull(server);
        ArgumentNullException.ThrowIfNull(sources);
        LabAddressPolicy.EnsureAllowed(server.Address, nameof(server));
        foreach (IPAddress a in sources)
        {
            LabAddressPolicy.EnsureAllowed(a, nameof(sources));
        }

        _sockets = sockets;
        _server = server;
        _sources = sources;
        _initiationFrame = KeyChannelFraming.Frame(initiation);
    }

    /// <summary>Connections per source address (the key channel allows 8). Default 8.</summary>
    public int ConnectionsPerSource { get; init; } = 8;

    /// <summary>Pause before reconnecting when the server closed without a Response. Default 20 ms.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Connections opened so far.</summary>
    public long Connections => Interlocked.Read(ref _connections);

    /// <summary>Responses received (handshakes the server admitted and answered).</summary>
    public long Responses => Interlocked.Read(ref _responses);

    /// <summary>Connections closed by the server without a Response (refused).</summary>
    public long Refused => Interlocked.Read(ref _refused);

    /// <summary>Runs every connection loop until <paramref name="stop"/> fires.</summary>
    public Task RunAsync(CancellationToken stop)
    {
        var loops = new List<Task>();
        foreach (IPAddress source in _sources)
        {
            for (int i = 0; i < ConnectionsPerSource; i++)
            {
                loops.Add(Task.Run(() => HoldLoopAsync(source, stop), CancellationToken.None));
            }
        }

        return Task.WhenAll(loops);
    }

    private async Task HoldLoopAsync(IPAddress source, CancellationToken stop)
    {
        byte[] sink = new byte[16384];
        while (!stop.IsCancellationRequested)
        {
            bool answered = false;
            try
            {
                using Socket s = await _sockets.CreateTcpAsync(_server.AddressFamily).ConfigureAwait(false);
                s.Bind(new IPEndPoint(source, 0));
                using (var connect = CancellationTokenSource.CreateLinkedTokenSource(stop))
                {
                    connect.CancelAfter(TimeSpan.FromSeconds(3));
                    await s.ConnectAsync(_server, connect.Token).ConfigureAwait(false);
                }

                Interlocked.Increment(ref _connections);
                await s.SendAsync(_initiationFrame, SocketFlags.None, stop).ConfigureAwait(false);

                // Read until the server closes: the Response (if admitted), then nothing, ever.
                using var hold = CancellationTokenSource.CreateLinkedTokenSource(stop);
                hold.CancelAfter(TimeSpan.FromSeconds(30));
                while (await s.ReceiveAsync(sink, SocketFlags.None, hold.Token).ConfigureAwait(false) > 0)
                {
                    if (!answered)
                    {
                        answered = true;
                        Interlocked.Increment(ref _responses);
                    }
                }
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException or ObjectDisposedException)
            {
            }

            if (!answered)
            {
                Interlocked.Increment(ref _refused);
                try
                {
                    await Task.Delay(RetryDelay, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }
}
