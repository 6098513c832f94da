using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using Jormungandr.Engine;
using Jormungandr.Engine.Linux;

namespace Jormungandr.Tests.Simulation;

/// <summary>
/// The underlay between simulated hosts: datagrams between transports bound to (address, port), with
/// seeded loss, duplication, reordering and delay (on the test clock), NAT rebinding of a host's source
/// port, and the key channel as in-memory connections. Addresses are only names here: nothing is sent
/// anywhere.
/// </summary>
internal sealed class SimulatedNetwork : IDisposable
{
    private readonly TestClock _clock;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly Dictionary<IPEndPoint, SimTransport> _bound = [];
    private readonly Dictionary<IPEndPoint, SimKeyPort> _keyPorts = [];
    private (byte[] Data, IPEndPoint From, IPEndPoint To)? _held;
    private int _nextPort = 40000;

    public SimulatedNetwork(TestClock clock, int seed)
    {
        _clock = clock;
        _random = new Random(seed);
    }

    /// <summary>Fraction of datagrams lost.</summary>
    public double Loss { get; set; }

    /// <summary>Fraction of datagrams delivered twice.</summary>
    public double Duplication { get; set; }

    /// <summary>Fraction of datagrams held back and delivered after the next one.</summary>
    public double Reordering { get; set; }

    /// <summary>One-way delay of every datagram (test clock).</summary>
    public TimeSpan Delay { get; set; }

    /// <summary>When true, every datagram is lost (a dead data path; the key channel still works).</summary>
    public bool DataBlocked { get; set; }

    /// <summary>Datagrams delivered so far.</summary>
    public long Delivered;

    public TransportFactory TransportFor(IPAddress host) => (bind, port) => Bind(host, port);

    public KeyChannelListenerFactory ListenerFor(IPAddress host) => (bind, port) => Listen(new IPEndPoint(host, port));

    public KeyChannelDialer DialerFor(IPAddress host) => (server, token) => Dial(host, server);

    private SimTransport Bind(IPAddress host, int port)
    {
        lock (_gate)
        {
            var local = new IPEndPoint(host, port == 0 ? _nextPort++ : port);
            if (_bound.ContainsKey(local))
            {
                throw new Jormungandr.Commands.SnekException("DataPortUnavailable", Jormungandr.Commands.ErrorKind.ResourceExists, $"{local} is in use.");
            }

            var t = new SimTransport(this, local);
            _bound[local] = t;
            return t;
        }
    }

    /// <summary>The NAT in front of <paramref name="transport"/> picks a new public port (its peer sees a new source).</summary>
    public void Rebind(SimTransport transport)
    {
        lock (_gate)
        {
            _bound.Remove(transport.Public);
            transport.Public = new IPEndPoint(transport.Public.Address, _nextPort++);
            _bound[transport.Public] = transport;
        }
    }

    internal void Unbind(SimTransport transport)
    {
        lock (_gate)
        {
            if (_bound.TryGetValue(transport.Public, out SimTransport? t) && t == transport)
            {
                _bound.Remove(transport.Public);
            }
        }
    }

    internal void Send(SimTransport from, ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        var destination = (IPEndPoint)new IPEndPoint(IPAddress.Any, 0).Create(to);
        if (destination.Address.IsIPv4MappedToIPv6)
        {
            destination = new IPEndPoint(destination.Address.MapToIPv4(), destination.Port);
        }

        byte[] data = datagram.ToArray();
        List<(byte[], IPEndPoint, IPEndPoint)> now = [];
        lock (_gate)
        {
            if (DataBlocked || _random.NextDouble() < Loss)
            {
                return;
            }

            int copies = _random.NextDouble() < Duplication ? 2 : 1;
            for (int i = 0; i < copies; i++)
            {
                if (_held is null && _random.NextDouble() < Reordering)
                {
                    _held = (data, from.Public, destination);
                    continue;
                }

                now.Add((data, from.Public, destination));
                if (_held is { } held)
                {
                    now.Add(held);
                    _held = null;
                }
            }
        }

        foreach ((byte[] d, IPEndPoint source, IPEndPoint target) in now)
        {
            if (Delay > TimeSpan.Zero)
            {
                _ = _clock.Delay(Delay, CancellationToken.None).ContinueWith(_ => Arrive(d, source, target), TaskScheduler.Default);
            }
            else
            {
                Arrive(d, source, target);
            }
        }
    }

    private void Arrive(byte[] data, IPEndPoint source, IPEndPoint target)
    {
        SimTransport? t;
        lock (_gate)
        {
            _bound.TryGetValue(target, out t);
        }

        if (t is not null && t.Enqueue(data, source))
        {
            Interlocked.Increment(ref Delivered);
        }
    }

    private SimKeyPort Listen(IPEndPoint endpoint)
    {
        lock (_gate)
        {
            if (_keyPorts.ContainsKey(endpoint))
            {
                throw new Jormungandr.Commands.SnekException("KeyPortUnavailable", Jormungandr.Commands.ErrorKind.ResourceExists, $"{endpoint} is in use.");
            }

            var port = new SimKeyPort(this, endpoint);
            _keyPorts[endpoint] = port;
            return port;
        }
    }

    internal void Unlisten(SimKeyPort port)
    {
        lock (_gate)
        {
            if (_keyPorts.TryGetValue(port.Endpoint, out SimKeyPort? p) && p == port)
            {
                _keyPorts.Remove(port.Endpoint);
            }
        }
    }

    private Task<Stream> Dial(IPAddress client, IPEndPoint server)
    {
        SimKeyPort? port;
        lock (_gate)
        {
            _keyPorts.TryGetValue(server, out port);
        }

        if (port is null || !port.Accepting)
        {
            return Task.FromException<Stream>(new SocketException((int)SocketError.ConnectionRefused));
        }

        (DuplexStream clientEnd, DuplexStream serverEnd) = DuplexStream.CreatePair();
        port.Accept(serverEnd, client);
        return Task.FromResult<Stream>(clientEnd);
    }

    public void Dispose()
    {
        List<SimTransport> transports;
        List<SimKeyPort> ports;
        lock (_gate)
        {
            transports = [.. _bound.Values];
            ports = [.. _keyPorts.Values];
        }

        foreach (SimTransport t in transports)
        {
            t.Dispose();
        }

        foreach (SimKeyPort p in ports)
        {
            p.Dispose();
        }
    }
}

/// <summary>A host's data-channel socket on the simulated network: one receive thread, like a real socket's.</summary>
internal sealed class SimTransport : IDatagramTransport
{
    private readonly SimulatedNetwork _network;
    private readonly BlockingCollection<(byte[] Data, IPEndPoint From)> _inbound = new(boundedCapacity: 8192);
    private readonly CancellationTokenSource _closed = new();
    private Thread? _thread;

    public SimTransport(SimulatedNetwork network, IPEndPoint local)
    {
        _network = network;
        Local = local;
        Public = local;
    }

    public IPEndPoint Local { get; }

    /// <summary>The source address peers see (changes when the NAT rebinds).</summary>
    public IPEndPoint Public { get; set; }

    public int LocalPort => Local.Port;

    public void Start(Func<IDatagramReceiver> createReceiver, string name)
    {
        _thread = new Thread(() => ReceiveLoop(createReceiver())) { IsBackground = true, Name = name + " sim" };
        _thread.Start();
    }

    internal bool Enqueue(byte[] data, IPEndPoint from) => !_closed.IsCancellationRequested && _inbound.TryAdd((data, from));

    private void ReceiveLoop(IDatagramReceiver receiver)
    {
        try
        {
            while (true)
            {
                (byte[] data, IPEndPoint from) = _inbound.Take(_closed.Token);
                receiver.Receive(data, from.Serialize());
                while (_inbound.TryTake(out (byte[] Data, IPEndPoint From) more))
                {
                    receiver.Receive(more.Data, more.From.Serialize());
                }

                receiver.BatchEnd();
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    public bool Send(ReadOnlySpan<byte> datagram, SocketAddress to)
    {
        if (_closed.IsCancellationRequested)
        {
            return false;
        }

        _network.Send(this, datagram, to);
        return true;
    }

    public void SendBatch(UdpBatch batch, AddressFamily family)
    {
        var to = new SocketAddress(family == AddressFamily.InterNetworkV6 ? AddressFamily.InterNetworkV6 : AddressFamily.InterNetwork);
        for (int i = 0; i < batch.Count; i++)
        {
            batch.CopyDestination(i, to);
            Send(batch.Committed(i), to);
        }

        batch.Clear();
    }

    public void Dispose()
    {
        _closed.Cancel();
        _network.Unbind(this);
        if (_thread is not null && _thread != Thread.CurrentThread)
        {
            _thread.Join(TimeSpan.FromSeconds(5));
        }
    }
}

/// <summary>A server's key port on the simulated network: each dial becomes an in-memory connection.</summary>
internal sealed class SimKeyPort : IKeyChannelListener
{
    private readonly SimulatedNetwork _network;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<DuplexStream, byte> _open = new();
    private KeyChannelHandler? _handler;

    public SimKeyPort(SimulatedNetwork network, IPEndPoint endpoint)
    {
        _network = network;
        Endpoint = endpoint;
    }

    public IPEndPoint Endpoint { get; }

    public bool Accepting => _handler is not null && !_stop.IsCancellationRequested;

    public void Start(KeyChannelHandler handler) => _handler = handler;

    internal void Accept(DuplexStream connection, IPAddress source)
    {
        KeyChannelHandler handler = _handler!;
        _open[connection] = 0;
        _ = Task.Run(async () =>
        {
            try
            {
                await handler(connection, source, _stop.Token).ConfigureAwait(false);
            }
            finally
            {
                await connection.DisposeAsync().ConfigureAwait(false);
                _open.TryRemove(connection, out _);
            }
        });
    }

    public void Dispose()
    {
        _network.Unlisten(this);
        _stop.Cancel();
        foreach (DuplexStream s in _open.Keys)
        {
            s.Dispose();
        }
    }
}
